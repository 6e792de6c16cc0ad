"""Checking and finding models, versions and aliases by name, with "did you mean"."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from mlgate.errors import NotFoundError, UsageError
from mlgate.store.metadata.base_registry import ModelRecord

__all__ = [
    "check_alias",
    "check_model_name",
    "check_reason",
    "check_version",
    "nearest",
    "no_alias",
    "no_model",
    "no_version",
]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_ALIAS = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``word``, if one is close enough."""
    options = list(choices)
    lowered = {choice.lower(): choice for choice in options}
    if word.lower() in lowered:
        return lowered[word.lower()]
    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.5)
    return matches[0] if matches else None


def check_model_name(name: str) -> str:
    """``name`` if it is a valid model name."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise UsageError(
            f"{name!r} is not a valid model name",
            hint="Use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
        )
    return name


def check_alias(alias: str) -> str:
    """``alias`` if it is a valid alias name."""
    if not isinstance(alias, str) or not _ALIAS.match(alias):
        raise UsageError(
            f"{alias!r} is not a valid alias",
            hint="Use lowercase letters, digits, '_' or '-', starting with a letter "
            "(e.g. candidate, staging, production).",
        )
    return alias


def check_version(version: int) -> int:
    """``version`` if it is a version number (1, 2, …)."""
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise UsageError(f"{version!r} is not a version number", hint="Versions are 1, 2, 3, …")
    return version


def check_reason(reason: str | None, *, required: bool, what: str) -> str | None:
    """A stripped reason (None if empty); a missing required reason is a usage error."""
    cleaned = reason.strip() if reason is not None else ""
    if required and not cleaned:
        raise UsageError(
            f"{what} needs a reason; nothing was changed",
            hint='Add --reason "…": it is kept in the registry\'s history and audit log.',
        )
    return cleaned or None


def no_model(name: str, known: Iterable[str]) -> NotFoundError:
    """The error for an unknown model, suggesting the nearest name."""
    names = sorted(known)
    guess = nearest(name, names)
    message = f"no registered model is named {name!r}"
    if guess:
        message += f"; did you mean {guess!r}?"
    hint = (
        f"Registered models: {', '.join(names[:10])}{' …' if len(names) > 10 else ''}."
        if names
        else "No model is registered yet."
    )
    return NotFoundError(message, hint=hint + " List them with `mlgate models`.")


def no_version(model: ModelRecord, version: int) -> NotFoundError:
    """The error for a version the model does not have."""
    last = model.last_version
    if last == 0:
        hint = f"{model.name} has no versions yet."
    else:
        guess = min(max(version, 1), last)
        hint = f"{model.name} has versions 1 to {last}; did you mean {guess}?"
    return NotFoundError(f"{model.name} has no version {version}", hint=hint)


def no_alias(model: ModelRecord, alias: str) -> NotFoundError:
    """The error for an alias the model does not have, suggesting the nearest one."""
    guess = nearest(alias, model.aliases)
    message = f"{model.name} has no alias {alias!r}"
    if guess:
        message += f"; did you mean {guess!r}?"
    if model.aliases:
        hint = "Its aliases: " + ", ".join(f"{a} → v{v}" for a, v in sorted(model.aliases.items()))
    else:
        hint = f"{model.name} has no aliases yet: `mlgate promote {model.name} VERSION --to ALIAS`"
    return NotFoundError(message, hint=hint + ".")
