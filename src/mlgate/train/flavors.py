"""Model persistence: how a trained model becomes bytes, and bytes a model again, safely.

Two flavors:

- ``sklearn`` (the default) — scikit-learn-API estimators, pipelines and the
  LightGBM/XGBoost scikit-learn wrappers, saved with skops. Loading never
  unpickles: skops rebuilds the objects from a JSON description, and mlgate
  passes it an explicit list of trusted types. That list is what skops trusts
  by default, plus the types in the file that pass mlgate's allow-list: classes
  (not functions) from scikit-learn, NumPy, SciPy, LightGBM and XGBoost, minus
  the modules that read or write files; and a few builtins and ``collections``
  containers. Anything else is refused with its name, unless the caller passes
  it in ``trust``.
- ``python`` — anything, with cloudpickle. Loading a pickle runs code from the
  file, so both saving and loading need ``allow_pickle=True``: a project opts in
  with ``train.flavor: python``, and a version is loaded that way only when the
  user trusts it.

Saving checks that the model can be loaded back under the same rules, so a
model that could never be served fails when it is trained, not when it is
deployed.
"""

from __future__ import annotations

import importlib
import pickle
from collections.abc import Iterable
from typing import Any, Literal

from mlgate.errors import ConfigError, IntegrityError, UsageError
from mlgate.train._skops import denied

__all__ = [
    "FLAVORS",
    "TRUSTED_PREFIXES",
    "Flavor",
    "dump_model",
    "load_model",
    "model_flavor",
    "untrusted_types",
]

Flavor = Literal["sklearn", "python"]
#: The flavors mlgate knows.
FLAVORS: tuple[Flavor, ...] = ("sklearn", "python")
#: Modules whose classes a skops file may contain without the caller's say-so.
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "lightgbm.", "xgboost.")
_BUILTINS = frozenset(
    f"builtins.{name}"
    for name in (
        "bool",
        "bytearray",
        "bytes",
        "complex",
        "dict",
        "float",
        "frozenset",
        "int",
        "list",
        "NoneType",
        "range",
        "set",
        "slice",
        "str",
        "tuple",
    )
)
_COLLECTIONS = frozenset(
    f"collections.{name}" for name in ("Counter", "OrderedDict", "defaultdict", "deque")
)
#: Top-level packages whose estimators are saved with the sklearn flavor.
_SKLEARN_API = ("sklearn", "lightgbm", "xgboost", "imblearn", "catboost")


def _check_flavor(flavor: str) -> Flavor:
    if flavor not in FLAVORS:
        raise UsageError(
            f"unknown model flavor {flavor!r}",
            hint=f"Use one of: {', '.join(FLAVORS)}.",
        )
    return flavor


def model_flavor(model: Any) -> Flavor:
    """``sklearn`` for scikit-learn-API estimators (and LightGBM/XGBoost wrappers), else
    ``python``. It does not import scikit-learn: it reads the classes' modules."""
    for cls in type(model).__mro__:
        if cls.__module__.split(".")[0] in _SKLEARN_API:
            return "sklearn"
    if callable(getattr(model, "get_params", None)) and callable(getattr(model, "fit", None)):
        return "sklearn"
    return "python"


# -- the allow-list


def _resolve(name: str) -> Any:
    """The object a dotted name refers to, importing its module; None if there is none."""
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            value: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        except Exception:  # a module that fails to import is not trusted
            return None
        for attr in parts[cut:]:
            value = getattr(value, attr, None)
            if value is None:
                return None
        return value
    return None


def _is_safe_class(name: str) -> bool:
    if name in _BUILTINS or name in _COLLECTIONS:
        return True
    if not name.startswith(TRUSTED_PREFIXES):
        return False
    if denied(name):
        return False
    value = _resolve(name)
    if isinstance(value, type):
        return True
    # NumPy and SciPy ufuncs: skops trusts them by default too.
    return type(value).__name__ == "ufunc"


def untrusted_types(data: bytes, *, trust: Iterable[str] = ()) -> list[str]:
    """The types in a skops file that neither skops, mlgate's allow-list nor ``trust`` covers."""
    sio = _skops()
    try:
        unknown = sio.get_untrusted_types(data=data)
    except Exception as exc:
        raise _not_skops(exc) from None
    trusted = set(trust)
    return [name for name in unknown if name not in trusted and not _is_safe_class(name)]


# -- saving and loading


def _skops() -> Any:
    from mlgate.train._skops import skops_io

    return skops_io()


def _not_skops(exc: BaseException) -> IntegrityError:
    return IntegrityError(
        f"the model artifact is not a readable skops file ({type(exc).__name__}: {exc})",
        hint="Was it saved with another flavor? Train the model again to rewrite it.",
    )


def _refused(names: list[str], *, saving: bool) -> ConfigError:
    shown = ", ".join(f"'{name}'" for name in names)
    if saving:
        return ConfigError(
            f"the model contains types that mlgate does not load without being told to "
            f"trust them: {shown}",
            hint="Use scikit-learn, LightGBM or XGBoost estimators (and numpy/scipy "
            "functions), or set train.flavor: python in mlgate.yaml to save the model with "
            "cloudpickle (loading it then runs code: only for models you trust).",
        )
    return ConfigError(
        f"the model file contains types that mlgate does not load by default, because "
        f"loading them could run code: {shown}",
        hint=f"If you trust this model, load it with trust=[{shown}].",
    )


def _canonical(data: bytes) -> bytes:
    """The same skops file, byte for byte the same for the same model in any process.

    skops names objects (the ``__id__`` of each node, and the ``<id>.npy`` member
    holding each array) by their memory address, and stamps members with the
    current time. Here the ids are renumbered in order of appearance, members get
    those numbers as names, a fixed date and a sorted order, so the same seed gives
    the same model hash and ``verify`` can compare hashes.
    """
    import io
    import json
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as source:
        schema = json.loads(source.read("schema.json"))
        members = {info.filename: source.read(info) for info in source.infolist()}
    numbers: dict[int, int] = {}
    renamed: dict[str, str] = {}

    def number(old: int) -> int:
        return numbers.setdefault(old, len(numbers))

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for key, value in node.items():
                if key == "__id__" and isinstance(value, int) and not isinstance(value, bool):
                    out[key] = number(value)
                elif key == "file" and isinstance(value, str) and value in members:
                    stem, dot, ext = value.partition(".")
                    if stem.isdigit():  # arrays: named by the id of their node
                        new = f"{number(int(stem))}{dot}{ext}"
                    else:  # bytes: named by a random uuid
                        new = renamed.get(value) or f"bytes-{len(renamed)}{dot}{ext}"
                    renamed[value] = new
                    out[key] = new
                else:
                    out[key] = walk(value)
            return out
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    schema = walk(schema)
    files = {renamed.get(name, name): body for name, body in members.items()}
    files["schema.json"] = json.dumps(schema, indent=2).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as target:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            target.writestr(info, files[name])
    return buffer.getvalue()


def _dump_sklearn(model: Any, trust: Iterable[str]) -> bytes:
    sio = _skops()
    try:
        data: bytes = _canonical(sio.dumps(model))
    except Exception as exc:
        raise ConfigError(
            f"skops cannot save the model ({type(model).__name__}): {type(exc).__name__}: {exc}",
            hint="Use estimators skops can save (scikit-learn's, LightGBM's, XGBoost's; no "
            "lambdas), or set train.flavor: python in mlgate.yaml to save it with cloudpickle.",
        ) from None
    refused = untrusted_types(data, trust=trust)
    if refused:
        raise _refused(refused, saving=True)
    return data


def _dump_python(model: Any, by_value: Iterable[str]) -> bytes:
    try:
        cloudpickle = importlib.import_module("cloudpickle")
    except ImportError:
        raise ConfigError(
            "the python model flavor needs cloudpickle, which is not installed",
            hint="Run: pip install 'mlgate[pickle]' (or pip install cloudpickle).",
        ) from None
    import sys

    registered = []
    for name in by_value:
        module = sys.modules.get(name)
        if module is not None:
            cloudpickle.register_pickle_by_value(module)
            registered.append(module)
    try:
        data: bytes = cloudpickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        raise ConfigError(
            f"cloudpickle cannot save the model ({type(model).__name__}): "
            f"{type(exc).__name__}: {exc}",
            hint="Keep open files, connections and locks out of the model object.",
        ) from None
    finally:
        for module in registered:
            cloudpickle.unregister_pickle_by_value(module)
    return data


def _pickle_refused(doing: str) -> UsageError:
    return UsageError(
        f"{doing} a model with the python flavor uses pickle, which runs code from the file "
        "when it is loaded; it needs allow_pickle=True",
        hint="Set train.flavor: python in mlgate.yaml to opt in for this project, and load "
        "such versions only when you trust them.",
    )


def dump_model(
    model: Any,
    *,
    flavor: str = "sklearn",
    allow_pickle: bool = False,
    trust: Iterable[str] = (),
    by_value: Iterable[str] = (),
) -> bytes:
    """Serialize ``model`` with ``flavor``.

    ``sklearn`` also checks that the bytes load back under the allow-list (plus
    ``trust``); ``python`` needs ``allow_pickle`` and embeds the code of the
    modules named in ``by_value`` (the user's own modules), so the model loads
    without the project on ``sys.path``. Raises ConfigError when the model cannot
    be saved or would not load, UsageError for pickle without ``allow_pickle``.
    """
    kind = _check_flavor(flavor)
    if kind == "python":
        if not allow_pickle:
            raise _pickle_refused("saving")
        return _dump_python(model, by_value)
    return _dump_sklearn(model, trust)


def load_model(
    data: bytes,
    *,
    flavor: str,
    allow_pickle: bool = False,
    trust: Iterable[str] = (),
) -> Any:
    """Rebuild a model from bytes written by :func:`dump_model`.

    ``sklearn`` never runs code from the file: types outside skops' defaults and
    the allow-list are refused (ConfigError naming them) unless listed in
    ``trust``. ``python`` unpickles, so it needs ``allow_pickle=True``. Bytes that
    are not a model of that flavor raise IntegrityError.
    """
    kind = _check_flavor(flavor)
    if kind == "python":
        if not allow_pickle:
            raise _pickle_refused("loading")
        try:
            return pickle.loads(data)
        except ModuleNotFoundError as exc:
            raise ConfigError(
                f"the model needs the module '{exc.name}', which cannot be imported here",
                hint="Install it, or run from the project folder that defines it.",
            ) from None
        except Exception as exc:
            raise IntegrityError(
                f"the model artifact is not a readable pickle ({type(exc).__name__}: {exc})"
            ) from None
    sio = _skops()
    try:
        unknown = sio.get_untrusted_types(data=data)
    except Exception as exc:
        raise _not_skops(exc) from None
    trusted = set(trust)
    refused = [name for name in unknown if name not in trusted and not _is_safe_class(name)]
    if refused:
        raise _refused(refused, saving=False)
    try:
        return sio.loads(data, trusted=unknown)
    except Exception as exc:
        raise _not_skops(exc) from None
