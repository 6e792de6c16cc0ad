"""Import ``skops.io`` without rebuilding its trusted-types table in every process.

When ``skops.io`` is imported, its private module ``skops.io._trusted_types``
builds the lists of types skops trusts by default. The estimator list comes
from ``sklearn.utils.all_estimators()``, which imports every module of
scikit-learn (and pytest, through ``sklearn.utils._testing``): about 0.3–0.5 s
on top of importing scikit-learn itself, paid again by every fresh process that
loads a model.

The lists depend only on the installed versions, so :func:`skops_io` keeps
them in a small JSON file (``$XDG_CACHE_HOME/mlgate``, else ``~/.cache/mlgate``)
keyed by the versions of Python, skops, scikit-learn, NumPy and SciPy and by the
size and modification time of skops' module. The next process puts a module
with exactly those lists in ``sys.modules`` before importing ``skops.io``, so
skops' own code runs unchanged and trusts exactly what it would have computed.

A cached file can never widen what skops trusts beyond its own domain: every
cached name must be a scikit-learn, NumPy or SciPy name or one of skops'
builtin primitives, else the file is ignored and the table is computed again.
Any other problem (no cache, an unreadable or foreign file, a skops version
whose modules need other names) falls back to the ordinary import.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["cache_file", "skops_io"]

_TABLE = "skops.io._trusted_types"
_FORMAT = 1
#: Builtins skops trusts by default (primitives and containers).
_BUILTINS = frozenset(
    f"builtins.{name}" for name in ("int", "float", "str", "bool", "list", "set", "map", "tuple")
)
_DOMAIN = ("sklearn.", "numpy.", "scipy.")


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mlgate"


def _key() -> str | None:
    """The versions the table depends on, hashed; None if skops is not installed."""
    try:
        import numpy
        import scipy
        import skops
        import sklearn
    except ImportError:
        return None
    module = Path(skops.__file__ or "").parent / "io" / "_trusted_types.py"
    try:
        stat = module.stat()
    except OSError:
        return None
    parts = (
        sys.version,
        skops.__version__,
        sklearn.__version__,
        numpy.__version__,
        scipy.__version__,
        str(module),
        str(stat.st_size),
        str(stat.st_mtime_ns),
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def cache_file() -> Path | None:
    """Where the table of the installed versions is (or would be) cached."""
    key = _key()
    return None if key is None else _cache_dir() / f"skops-trusted-types-{key}.json"


def _valid(names: Any) -> bool:
    if not isinstance(names, dict) or not names:
        return False
    for attr, values in names.items():
        if not (isinstance(attr, str) and attr.isupper() and attr.endswith("_NAMES")):
            return False
        if not isinstance(values, list):
            return False
        for value in values:
            if not isinstance(value, str):
                return False
            if value not in _BUILTINS and not value.startswith(_DOMAIN):
                return False
    return True


def _read(path: Path) -> dict[str, list[str]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return None
    names = data.get("names")
    return names if _valid(names) else None


def _write(path: Path, module: ModuleType) -> None:
    names = {
        attr: list(value)
        for attr, value in vars(module).items()
        if attr.isupper()
        and attr.endswith("_NAMES")
        and isinstance(value, list | tuple)
        and all(isinstance(item, str) for item in value)
    }
    if not _valid(names):
        return
    text = json.dumps({"format": _FORMAT, "names": names}, sort_keys=True)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _purge() -> None:
    for name in [n for n in sys.modules if n == "skops.io" or n.startswith("skops.io.")]:
        del sys.modules[name]


def skops_io() -> ModuleType:
    """``skops.io``, imported with the cached trusted-types table when there is one."""
    loaded = sys.modules.get("skops.io")
    if loaded is not None:
        return loaded
    path = cache_file()
    names = _read(path) if path is not None else None
    if names is not None:
        table = ModuleType(_TABLE, "skops' default trusted types, as cached by mlgate")
        table.__dict__.update(names)
        sys.modules[_TABLE] = table
        try:
            import skops.io

            return skops.io
        except ImportError:
            _purge()
    import skops.io

    if path is not None:
        real = sys.modules.get(_TABLE)
        if real is not None:
            _write(path, real)
    return skops.io
