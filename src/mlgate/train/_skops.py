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

A cached file can never widen what skops trusts beyond its own domain: each
cached list must hold only names of its own library (scikit-learn's estimators,
NumPy's and SciPy's ufuncs and types, skops' builtin primitives) and none of
:data:`DENIED`, else the file is ignored and the table is computed again.
Any other problem (no cache, an unreadable or foreign file, a skops version
whose modules need other names) falls back to the ordinary import.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["DENIED", "cache_file", "denied", "skops_io"]

#: Inside the trusted libraries, modules and names that touch files or exist for tests:
#: never trusted, whatever a table or an allow-list says.
DENIED = (
    "numpy.memmap",
    "numpy.DataSource",
    "numpy.lib.npyio",
    "numpy.lib._npyio_impl",
    "numpy.lib._datasource",
    "numpy.lib.format",
    "numpy.lib._format_impl",
    "numpy.testing",
    "numpy.distutils",
    "numpy.f2py",
    "numpy.ctypeslib",
    "numpy.load",
    "numpy.save",
    "numpy.fromfile",
    "numpy.tofile",
    "scipy.io",
    "scipy._lib._testutils",
    "sklearn.datasets",
    "sklearn.externals",
    "sklearn.utils._testing",
)


def denied(name: str) -> bool:
    """Whether ``name`` is or lies inside one of :data:`DENIED`."""
    return any(name == item or name.startswith(item + ".") for item in DENIED)


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
        modules = [importlib.import_module(name) for name in ("skops", "sklearn", "numpy", "scipy")]
    except ImportError:
        return None
    module = Path(modules[0].__file__ or "").parent / "io" / "_trusted_types.py"
    try:
        stat = module.stat()
    except OSError:
        return None
    parts = (
        sys.version,
        *(str(getattr(m, "__version__", "?")) for m in modules),
        str(module),
        str(stat.st_size),
        str(stat.st_mtime_ns),
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def cache_file() -> Path | None:
    """Where the table of the installed versions is (or would be) cached."""
    key = _key()
    return None if key is None else _cache_dir() / f"skops-trusted-types-{key}.json"


def _allowed(attr: str, value: str) -> bool:
    """Whether a table ``attr`` may hold ``value``: each list stays in its library."""
    if denied(value):
        return False
    for library in ("sklearn", "numpy", "scipy"):
        if attr.startswith(library.upper()):
            return value.startswith(library + ".")
    if attr.startswith(("PRIMITIVE", "CONTAINER")):
        return value in _BUILTINS
    return value in _BUILTINS or value.startswith(_DOMAIN)


def _valid(names: Any) -> bool:
    if not isinstance(names, dict) or not names:
        return False
    for attr, values in names.items():
        if not (isinstance(attr, str) and attr.isupper() and attr.endswith("_NAMES")):
            return False
        if not isinstance(values, list):
            return False
        if not all(isinstance(value, str) and _allowed(attr, value) for value in values):
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
            return importlib.import_module("skops.io")
        except ImportError:
            _purge()
    module = importlib.import_module("skops.io")
    if path is not None:
        real = sys.modules.get(_TABLE)
        if real is not None:
            _write(path, real)
    return module
