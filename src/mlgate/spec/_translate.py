"""Pydantic's validation errors → :class:`Problem`\\ s that read like mlgate's messages.

Pydantic reports a path (``loc``) that also names the branch of a union it tried
(``("gates", 1, "comparison", "max_drop")``); the walk below follows the models
along that path, drops the branch names, and finds what a message needs: the
valid keys of a section (for "did you mean") and a field's description.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Tag, ValidationError
from pydantic_core import ErrorDetails

from mlgate.spec._gates import GATE_FORMS
from mlgate.spec._problems import Loc, Problem, closest, format_loc, quoted
from mlgate.spec._spec import Spec

__all__ = ["problems_from", "rank"]


def problems_from(error: ValidationError) -> list[Problem]:
    """One problem per distinct error, in pydantic's order."""
    seen: set[tuple[Loc, str]] = set()
    problems: list[Problem] = []
    for detail in error.errors(include_url=False):
        problem = _problem(detail)
        key = (problem.loc, problem.message)
        if key not in seen:
            seen.add(key)
            problems.append(problem)
    return problems


def rank(problem: Problem) -> int:
    """Among problems at one position, unknown keys first, missing keys last."""
    if problem.at_key:
        return 0
    return 2 if problem.missing else 1


# -- the walk along the models


def _members(annotation: Any) -> list[tuple[Any, frozenset[str]]]:
    """The concrete types an annotation stands for, each with the tags that select it."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        inner, *metadata = typing.get_args(annotation)
        tags = frozenset(item.tag for item in metadata if isinstance(item, Tag))
        found = _members(inner)
        return [(tp, tags | own) for tp, own in found] if tags else found
    if origin is typing.Union or origin is types.UnionType:
        return [member for arg in typing.get_args(annotation) for member in _members(arg)]
    if annotation is type(None):
        return []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [(annotation, _literal_tags(annotation))]
    return [(annotation, frozenset())]


def _literal_tags(model: type[BaseModel]) -> frozenset[str]:
    tags: set[str] = set()
    for field in model.model_fields.values():
        if typing.get_origin(field.annotation) is Literal:
            values = typing.get_args(field.annotation)
            if len(values) == 1 and isinstance(values[0], str):
                tags.add(values[0])
    return frozenset(tags)


def _field(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if (field.alias or name) == key:
            return field
    return None


def _step(annotation: Any, part: str | int) -> list[Any]:
    found: list[Any] = []
    for tp, _tags in _members(annotation):
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(part, str):
            field = _field(tp, part)
            if field is not None:
                found.append(field.annotation)
        elif origin in (list, tuple) and isinstance(part, int):
            found.append(typing.get_args(tp)[0])
        elif origin is dict and isinstance(part, str):
            found.append(typing.get_args(tp)[1])
    return found


def _walk(loc: Sequence[str | int]) -> tuple[list[Any], list[Any], Loc]:
    """Follow ``loc`` from :class:`Spec`: the types there, the same without narrowing unions
    by branch name, and ``loc`` without the branch names."""
    current: list[Any] = [Spec]
    wide: list[Any] = [Spec]
    clean: list[str | int] = []
    for index, part in enumerate(loc):
        members = [member for tp in current for member in _members(tp)]
        if len(members) > 1 and isinstance(part, str):
            tagged = [tp for tp, tags in members if part in tags]
            if tagged:
                current = tagged
                continue
        clean.append(part)
        current = [nxt for tp in current for nxt in _step(tp, part)]
        wide = [nxt for tp in wide for nxt in _step(tp, part)]
        if not current:  # past what the models describe (free-form params, a dict key check)
            clean.extend(loc[index + 1 :])
            break
    return current, wide, tuple(clean)


def _models(annotations: Sequence[Any]) -> list[type[BaseModel]]:
    return [
        tp
        for annotation in annotations
        for tp, _ in _members(annotation)
        if isinstance(tp, type) and issubclass(tp, BaseModel)
    ]


def _keys(models: Sequence[type[BaseModel]]) -> list[str]:
    keys: dict[str, None] = {}
    for model in models:
        keys.update(
            dict.fromkeys(field.alias or name for name, field in model.model_fields.items())
        )
    return list(keys)


def _description(parent: Sequence[Any], key: str | int) -> str | None:
    if not isinstance(key, str):
        return None
    for model in _models(parent):
        field = _field(model, key)
        if field is not None and field.description:
            return f"{key}: {field.description}"
    return None


# -- one error → one problem


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 60 else text[:56] + "…'"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return str(value)


_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
}
_BOUNDS = {
    "greater_than": ("greater than", "gt"),
    "greater_than_equal": ("at least", "ge"),
    "less_than": ("less than", "lt"),
    "less_than_equal": ("at most", "le"),
}


def _problem(detail: ErrorDetails) -> Problem:
    kind = detail["type"]
    value = detail.get("input")
    ctx = detail.get("ctx") or {}
    raw = detail["loc"]
    _, _, loc = _walk(raw)
    # the section holding the offending key; through raw when it names the union branch taken
    parent_types, parent_wide, _ = _walk(
        raw[:-1] if raw and loc and raw[-1] == loc[-1] else loc[:-1]
    )
    at_key = bool(loc) and loc[-1] == "[key]"
    if at_key:
        loc = loc[:-1]
    where = format_loc(loc)
    place = f"in {format_loc(loc[:-1])}" if len(loc) > 1 else "at the top level"

    if kind == "extra_forbidden":
        key = str(loc[-1])
        keys = _keys(_models(parent_types))
        other_forms = _keys(_models(parent_wide))  # e.g. every kind of gate
        guess = closest(key, keys)
        if key in other_forms:
            note = f"; {key!r} belongs to another form of {format_loc(loc[:-1])}"
        elif guess is None and (guess := closest(key, other_forms)) is not None:
            note = f"; did you mean {guess!r}?"
        else:
            note = f"; did you mean {guess!r}?" if guess else ""
        return Problem(
            loc,
            f"unknown key {key!r} {place}{note}",
            hint=f"Valid keys here: {', '.join(keys)}." if keys else None,
            at_key=True,
        )
    if kind == "missing":
        return Problem(
            loc,
            f"missing required key {loc[-1]!r} {place}",
            hint=_description(parent_types, loc[-1]),
            missing=True,
        )

    hint = _description(parent_types, loc[-1]) if loc else None
    if kind in _EXPECTED:
        text = f"expected {_EXPECTED[kind]}, got {_describe(value)}"
        if kind in {"bool_type", "bool_parsing"} and isinstance(value, str):
            hint = "Write true or false (YAML 1.2 reads yes, no, on and off as text)."
    elif kind in _BOUNDS:
        words, name = _BOUNDS[kind]
        text = f"must be {words} {ctx.get(name)}, got {_describe(value)}"
    elif kind == "too_short":
        minimum = ctx.get("min_length", 1)
        text = f"needs at least {minimum} item{'s' if minimum != 1 else ''}"
    elif kind == "string_too_short":
        text = "cannot be empty"
    elif kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        guess = closest(str(value), choices) if isinstance(value, str) else None
        text = f"expected {quoted(choices)}, got {_describe(value)}" + (
            f"; did you mean {guess!r}?" if guess else ""
        )
    elif kind == "union_tag_invalid":
        key = str(ctx.get("discriminator", "")).strip("'")
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))
        tag = str(ctx.get("tag", ""))
        guess = closest(tag, choices)
        loc = (*loc, key)
        where = format_loc(loc)
        text = f"expected {quoted(choices)}, got {tag!r}" + (
            f"; did you mean {guess!r}?" if guess else ""
        )
        hint = None
    elif kind == "gate_kind":
        return Problem(
            loc,
            f"{where}: {_describe(value)} is not a gate",
            hint=f"A gate is one of: {GATE_FORMS}.",
        )
    else:
        text = str(detail["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return Problem(loc, f"{where}: {text}" if where else text, hint=hint, at_key=at_key)
