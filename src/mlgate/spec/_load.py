"""Read mlgate.yaml: YAML with positions → plain data → :class:`Spec`, or one located error.

The round-trip loader of ruamel.yaml keeps the line and column of every key and
value, so each problem — a YAML syntax error, an unknown key, a wrong type, a
bad value, two sections that disagree — is reported as ``file:line:column``.
Positions inside ruamel are 0-based; messages print them 1-based.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from mlgate.config import SPEC_FILE, Settings
from mlgate.errors import ConfigError
from mlgate.spec._problems import Problem
from mlgate.spec._spec import DEFER_CROSS_CHECK, Spec, cross_check
from mlgate.spec._translate import problems_from, rank

__all__ = ["load_spec", "parse_spec"]

_INIT_HINT = "Run `mlgate init` to write an example project, or `mlgate schema` for every key."


def load_spec(path: Path | None = None, *, project: Path | None = None) -> Spec:
    """Read and validate a project's mlgate.yaml.

    ``path`` is the spec file (relative paths are taken from ``project`` when
    given, else from the working directory); by default it is ``mlgate.yaml`` in
    ``project``, or in the project found from the working directory
    (``MLGATE_PROJECT``, else the nearest folder upwards with mlgate.yaml).

    Every problem raises :class:`~mlgate.errors.ConfigError` whose ``where`` is
    ``file:line:column``; nothing is written anywhere.
    """
    if path is None:
        folder = project if project is not None else Settings.load().project
        file = folder / SPEC_FILE
    elif not path.is_absolute() and project is not None:
        file = project / path
    else:
        file = path
    return parse_spec(_read(file), path=file)


def parse_spec(text: str, *, path: Path) -> Spec:
    """Validate the text of a spec; ``path`` is where it came from (for messages and
    :attr:`Spec.root`)."""
    shown = _shown(path)
    root = _parse(text, shown)
    if root is None:
        raise ConfigError(f"{path.name} is empty", where=f"{shown}:1:1", hint=_INIT_HINT)
    if not isinstance(root, CommentedMap):
        line, column = _node_position(root)
        raise ConfigError(
            f"the top level of {path.name} must be a mapping of sections "
            f"(project:, data:, train:, …), not {_kind(root)}",
            where=f"{shown}:{line + 1}:{column + 1}",
            hint=_INIT_HINT,
        )
    data = _plain(root, shown)
    try:
        spec = Spec.model_validate(data, context={DEFER_CROSS_CHECK: True})
    except ValidationError as exc:
        problems = problems_from(exc)
    else:
        problems = cross_check(spec)
        if not problems:
            spec._path = path.resolve()
            return spec
    raise _error(problems, root, shown)


# -- reading and parsing


def _shown(path: Path) -> str:
    """The path as messages show it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def _read(file: Path) -> str:
    shown = _shown(file)
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        folder = _shown(file.parent) if str(file.parent) not in ("", ".") else "."
        raise ConfigError(
            f"there is no {file.name} in {folder}",
            where=shown,
            hint="Run `mlgate init` to create a project there, or point at the project "
            "folder (MLGATE_PROJECT).",
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            "is a folder, not a spec file", where=shown, hint=f"Point at {file / SPEC_FILE}."
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"cannot read the spec: {exc.strerror or exc}",
            where=shown,
            hint="Check that the file exists and is readable.",
        ) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise ConfigError(
            f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be decoded)",
            where=f"{shown}:{line}:{column}",
            hint="Save the file as UTF-8.",
        ) from None


def _parse(text: str, shown: str) -> Any:
    yaml = YAML(typ="rt")
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{shown}:{mark.line + 1}:{mark.column + 1}" if mark is not None else shown
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "found another document" in problem:
            raise ConfigError(
                "invalid YAML: a second document (after ---) follows the first",
                where=where,
                hint="mlgate.yaml holds one document: remove the --- and what follows, "
                "or merge it into the first.",
            ) from None
        if "duplicate key" in problem:
            name = problem.split('"')[1] if problem.count('"') >= 2 else ""
            raise ConfigError(
                f"invalid YAML: the key {name!r} appears twice in one mapping",
                where=where,
                hint="Remove or merge the repeated key.",
            ) from None
        context = ""
        if exc.context and exc.context_mark is not None and exc.context_mark is not mark:
            context = f" ({exc.context.strip()} that starts at line {exc.context_mark.line + 1})"
        hint = "Check the indentation, colons, quotes and brackets around this position."
        if "\\t" in problem or "'\t'" in problem:
            hint = "Indent YAML with spaces, not tabs."
        raise ConfigError(f"invalid YAML: {problem}{context}", where=where, hint=hint) from None
    except ReaderError as exc:
        position = int(exc.position)
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        raise ConfigError(
            f"invalid YAML: {exc.reason} (character {exc.character!r})",
            where=f"{shown}:{line}:{column}",
            hint="Remove the control character.",
        ) from None
    except YAMLError as exc:  # anything else the parser raises, without a position
        raise ConfigError(f"invalid YAML: {exc}", where=shown) from None


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {value!r}" if len(value) < 40 else "text"
    return f"the value {value!r}"


def _node_position(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is None:
        return (0, 0)
    return (int(lc.line or 0), int(lc.col or 0))


_STANDARD_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_STANDARD_TAG + name for name in ("map", "omap", "seq")}


def _plain(node: Any, shown: str, at: tuple[int, int] = (0, 0)) -> Any:
    """ruamel's round-trip types → dict, list, str, int, float, bool, None.

    Keys must be text; explicit tags other than YAML's own, sets and binary
    values are refused: a spec holds plain values. ``at`` is the node's position.
    """
    where = f"{shown}:{at[0] + 1}:{at[1] + 1}"
    tag = getattr(getattr(node, "tag", None), "value", None)
    if isinstance(node, TaggedScalar):
        if tag == _STANDARD_TAG + "str":
            return str(node.value)
        tag = None if tag is None else tag.replace(_STANDARD_TAG, "!!")
        raise ConfigError(
            f"the YAML tag {tag} is not supported here",
            where=where,
            hint="Remove the tag: mlgate.yaml holds plain values.",
        )
    if isinstance(node, CommentedMap | CommentedSeq) and tag and tag not in _PLAIN_TAGS:
        raise ConfigError(
            f"the YAML tag {tag} is not supported here",
            where=where,
            hint="Remove the tag: mlgate.yaml holds plain values.",
        )
    if isinstance(node, CommentedMap):
        result: dict[str, Any] = {}
        for key, value in node.items():
            try:
                key_at = tuple(node.lc.key(key))
                value_at = tuple(node.lc.value(key))
            except (KeyError, TypeError):
                key_at = value_at = _node_position(node)
            if not isinstance(key, str):
                raise ConfigError(
                    _key_text(key),
                    where=f"{shown}:{key_at[0] + 1}:{key_at[1] + 1}",
                    hint=f"Quote it: '{key}':"
                    if isinstance(key, int | float | dt.date)  # bool is an int
                    else "Give the value a name: a key is a word before the colon.",
                )
            result[key] = _plain(value, shown, (value_at[0], value_at[1]))
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, item in enumerate(node):
            try:
                item_at = tuple(node.lc.item(index))
            except (KeyError, TypeError, IndexError):
                item_at = at
            items.append(_plain(item, shown, (item_at[0], item_at[1])))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, dt.datetime | dt.date):
        return node.isoformat()
    raise ConfigError(
        f"a {type(node).__name__} value is not supported here",
        where=where,
        hint="Use text, numbers, true/false, lists and mappings.",
    )


def _key_text(key: Any) -> str:
    if key is None:
        return "an empty (null) key is not allowed"
    if isinstance(key, tuple | list):
        return "a list cannot be a key"
    if isinstance(key, bool):
        return f"the key {'true' if key else 'false'} is not text"
    return f"the key {key} is not text"


# -- positions


def _position(root: CommentedMap, problem: Problem) -> tuple[int, int]:
    """0-based (line, column) of the key or value a problem is about."""
    loc = problem.loc[:-1] if problem.missing else problem.loc
    node: Any = root
    position = (0, 0)
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, CommentedMap) and isinstance(part, str) and part in node:
            try:
                key_at = tuple(node.lc.key(part))
                value_at = tuple(node.lc.value(part))
            except (KeyError, TypeError):
                break
            child = node[part]
            if problem.at_key and last:
                position = (key_at[0], key_at[1])
            elif isinstance(child, CommentedMap | CommentedSeq) or child is None:
                position = (key_at[0], key_at[1])  # a block under the key, or nothing
            else:
                position = (value_at[0], value_at[1])
            node = child
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line, column = node.lc.item(part)
            position = (int(line), int(column))
            node = node[part]
        else:
            break
    return position


def _error(problems: list[Problem], root: CommentedMap, shown: str) -> ConfigError:
    # the first problem in the file, but a missing key last: it is often an unknown key's echo
    placed = sorted(
        (
            (problem.missing, _position(root, problem), rank(problem), order, problem)
            for order, problem in enumerate(problems)
        ),
        key=lambda item: item[:4],
    )
    _, (line, column), _, _, first = placed[0]
    message = first.message
    rest = placed[1:]
    if rest:
        lines = sorted({position[0] + 1 for _, position, *_ in rest})
        shown_lines = ", ".join(str(number) for number in lines[:6]) + (
            ", …" if len(lines) > 6 else ""
        )
        message += (
            f" ({len(rest)} more problem{'s' if len(rest) > 1 else ''}, "
            f"at line{'s' if len(lines) > 1 else ''} {shown_lines})"
        )
    return ConfigError(message, where=f"{shown}:{line + 1}:{column + 1}", hint=first.hint)
