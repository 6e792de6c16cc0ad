"""The user's contract: a function ``train(data, params, seed) -> model`` named ``module:function``.

Two ways to find it:

- :func:`locate_function` reads the module's source without running it (safe in
  mlgate's own process): the file, the line, and the parameters if it is a
  plain ``def``. Use it to check mlgate.yaml before a run starts.
- :func:`resolve_function` imports the module from the project folder and checks
  the signature. It runs the user's code, so it belongs in the training child
  process (:mod:`mlgate.train.runner`) or in the user's own tests.

Problems are :class:`~mlgate.errors.ConfigError` (the name in mlgate.yaml is
wrong: the message names the nearest modules or functions) or, when importing
the module itself fails, :class:`~mlgate.errors.TrainingError` with the user's
traceback.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlgate.errors import ConfigError, TrainingError
from mlgate.train._names import did_you_mean, listing

__all__ = [
    "CALL",
    "FunctionLocation",
    "check_signature",
    "last_user_frame",
    "locate_function",
    "parse_target",
    "resolve_function",
    "user_traceback",
]

#: How mlgate calls the training function (for messages).
CALL = "(data, params, seed)"
_SKIP = frozenset({"__pycache__", ".mlgate", ".git", "node_modules", "build", "dist"})
_MLGATE_DIR = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True)
class FunctionLocation:
    """Where a training function is defined, found without running the user's code."""

    path: Path
    line: int
    #: The parameter names of a plain ``def``; None if it is bound another way.
    params: tuple[str, ...] | None


def parse_target(target: str) -> tuple[str, str]:
    """``"pkg.mod:fit"`` → ``("pkg.mod", "fit")``; a ConfigError for anything else."""
    module, sep, name = target.partition(":")
    if not sep or not module or not name or ":" in name:
        raise ConfigError(
            f"'{target}' is not a 'module:function' reference",
            hint="Write it as module:function, e.g. train:train for train() in train.py.",
        )
    return module, name


def _project_modules(folder: Path) -> list[str]:
    """Importable names directly in ``folder``: ``x.py`` files and packages."""
    if not folder.is_dir():
        return []
    names = []
    for entry in folder.iterdir():
        if entry.name in _SKIP or entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix == ".py" and entry.stem.isidentifier():
            names.append(entry.stem)
        elif entry.is_dir() and entry.name.isidentifier() and (entry / "__init__.py").exists():
            names.append(entry.name)
    return sorted(names)


def _module_file(project: Path, module: str) -> Path | None:
    base = project.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _no_module(module: str, project: Path) -> ConfigError:
    parts = module.split(".")
    folder = project.joinpath(*parts[:-1])
    found = _project_modules(folder)
    where = "the project folder" if len(parts) == 1 else f"the package {'.'.join(parts[:-1])}"
    return ConfigError(
        f"there is no module '{module}' in {where} ({folder}){did_you_mean(parts[-1], found)}",
        hint=f"Modules there: {listing(found)}. Name the file without '.py' (train:train for "
        "train.py).",
    )


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run at module level, also inside if/try/with/for blocks."""
    for node in body:
        yield node
        if isinstance(node, ast.If | ast.For | ast.While | ast.With):
            yield from _module_statements([*node.body, *getattr(node, "orelse", [])])
        elif isinstance(node, ast.Try | ast.TryStar):
            handlers = [stmt for handler in node.handlers for stmt in handler.body]
            yield from _module_statements([*node.body, *handlers, *node.orelse, *node.finalbody])


def _top_level_names(tree: ast.Module) -> dict[str, tuple[int, tuple[str, ...] | None]]:
    """Names bound at the top of a module → (line, parameters of a plain def or None)."""
    names: dict[str, tuple[int, tuple[str, ...] | None]] = {}
    for node in _module_statements(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            params: tuple[str, ...] | None = tuple(a.arg for a in (*args.posonlyargs, *args.args))
            if args.vararg or args.kwonlyargs or args.kwarg or args.defaults:
                params = None  # flexible: the import-time check decides
            names.setdefault(node.name, (node.lineno, params))
        elif isinstance(node, ast.ClassDef):
            names[node.name] = (node.lineno, None)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        names.setdefault(sub.id, (node.lineno, None))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                names.setdefault(bound, (node.lineno, None))
    return names


def _dynamic(tree: ast.Module) -> bool:
    """Whether the module can bind names a static reading cannot see."""
    for node in _module_statements(tree.body):
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return True
        if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
            return True
    return False


def _functions(names: dict[str, tuple[int, tuple[str, ...] | None]]) -> list[str]:
    return sorted(name for name in names if not name.startswith("_"))


def locate_function(target: str, *, project: Path) -> FunctionLocation:
    """Find ``module:function`` in the project's source without importing it.

    Raises ConfigError if the module file does not exist, cannot be parsed, or
    binds no such name (naming the nearest ones), or if a plain ``def`` cannot be
    called as ``function(data, params, seed)``. Modules that bind names
    dynamically (``from x import *``) are given the benefit of the doubt.
    """
    module, name = parse_target(target)
    path = _module_file(project, module)
    if path is None:
        raise _no_module(module, project)
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as exc:
        raise ConfigError(
            f"the module '{module}' has a syntax error: {exc.msg}",
            where=f"{path}:{exc.lineno or 1}:{exc.offset or 1}",
            hint="Fix the code, then run again.",
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the module '{module}': {exc}", where=str(path)) from None
    names = _top_level_names(tree)
    head = name.split(".")[0]
    if head not in names:
        if _dynamic(tree):
            return FunctionLocation(path=path, line=1, params=None)
        functions = _functions(names)
        raise ConfigError(
            f"the module '{module}' has no function '{head}'{did_you_mean(head, functions)}",
            where=str(path),
            hint=f"Names defined there: {listing(functions)}.",
        )
    line, params = names[head]
    location = FunctionLocation(path=path, line=line, params=params if head == name else None)
    if location.params is not None and len(location.params) != 3:
        shown = ", ".join(location.params)
        raise ConfigError(
            f"the training function {target} takes ({shown}), but mlgate calls it as {name}{CALL}",
            where=f"{path}:{line}",
            hint="Give it exactly three parameters: def train(data, params, seed).",
        )
    return location


def user_traceback(exc: BaseException) -> str:
    """The traceback of ``exc`` without mlgate's own frames at its top."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_MLGATE_DIR):
        tb = tb.tb_next
    lines = traceback.format_exception(type(exc), exc, tb)
    return "".join(line for line in lines if not line.startswith('  File "<frozen importlib'))


def last_user_frame(exc: BaseException) -> str | None:
    """``file:line`` of the innermost frame of ``exc`` outside mlgate, if any."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if not frame.filename.startswith(_MLGATE_DIR) and not frame.filename.startswith("<")
    ]
    if not frames:
        return None
    return f"{frames[-1].filename}:{frames[-1].lineno}"


def _import_module(module: str, project: Path) -> Any:
    root = str(project.resolve())
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        # Only the module named in mlgate.yaml (or one of its parent packages) being
        # absent is a wrong name; a missing import inside the user's code is their error.
        if exc.name is not None and (module == exc.name or module.startswith(exc.name + ".")):
            raise _no_module(module, project) from None
        raise _import_failed(module, exc) from None
    except Exception as exc:
        raise _import_failed(module, exc) from None


def _import_failed(module: str, exc: BaseException) -> TrainingError:
    text = user_traceback(exc)
    return TrainingError(
        f"importing the module '{module}' failed: {type(exc).__name__}: {exc}",
        where=last_user_frame(exc),
        traceback=text,
        hint="Fix the error in your code (traceback below).\n" + text.rstrip(),
    )


def _defined_functions(namespace: Any) -> list[str]:
    """Public functions and classes defined in ``namespace`` itself (not imported into it)."""
    owner = getattr(namespace, "__name__", None)
    names = []
    for name in dir(namespace):
        value = getattr(namespace, name, None)
        if name.startswith("_") or not (inspect.isfunction(value) or inspect.isclass(value)):
            continue
        if getattr(value, "__module__", None) == owner:
            names.append(name)
    return sorted(names)


def check_signature(fn: Callable[..., Any], *, target: str) -> None:
    """Raise ConfigError unless ``fn`` can be called as ``fn(data, params, seed)``."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return  # builtins and C functions: trust them, the call will tell
    try:
        signature.bind(object(), object(), object())
    except TypeError as exc:
        where = None
        with contextlib.suppress(OSError, TypeError):
            where = f"{inspect.getsourcefile(fn)}:{inspect.getsourcelines(fn)[1]}"
        raise ConfigError(
            f"the training function {target}{signature} cannot be called as "
            f"{target.rpartition(':')[2]}{CALL}: {exc}",
            where=where,
            hint="Give it exactly three parameters: def train(data, params, seed).",
        ) from None


def resolve_function(target: str, *, project: Path) -> Callable[..., Any]:
    """Import ``module:function`` from ``project`` (put first on ``sys.path``) and check it.

    This runs the user's module: call it in a child process (the runner does).
    """
    module_name, name = parse_target(target)
    module = _import_module(module_name, project)
    value: Any = module
    for part in name.split("."):
        if not hasattr(value, part):
            functions = _defined_functions(value)
            source = getattr(module, "__file__", None) or module_name
            raise ConfigError(
                f"the module '{module_name}' has no function '{part}'"
                f"{did_you_mean(part, functions)}",
                where=str(source),
                hint=f"Functions defined there: {listing(functions)}.",
            )
        value = getattr(value, part)
    if not callable(value):
        raise ConfigError(
            f"{target} is not a function: it is a value of type {type(value).__name__}",
            where=str(getattr(module, "__file__", None) or module_name),
            hint="Point train.function at a function def train(data, params, seed).",
        )
    check_signature(value, target=target)
    fn: Callable[..., Any] = value
    return fn
