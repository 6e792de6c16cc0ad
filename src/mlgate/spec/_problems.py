"""A problem found in a spec: where (a path of keys and indexes), what, and what to do."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Loc", "Problem", "closest", "format_loc", "quoted"]

#: A path into the spec: keys and list indexes, e.g. ``("gates", 1, "max_drop")``.
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec.

    ``loc`` is the path of the offending key or value; ``at_key`` says whether the
    position to report is the key itself (an unknown key) rather than its value;
    ``missing`` says the last part of ``loc`` does not exist (report its parent).
    """

    loc: Loc
    message: str
    hint: str | None = None
    at_key: bool = False
    missing: bool = False


def format_loc(loc: Sequence[str | int]) -> str:
    """``("gates", 1, "max_drop")`` → ``gates[1].max_drop``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice nearest to ``word`` if one is near enough ("did you mean")."""
    options = [choice for choice in choices if isinstance(choice, str)]
    lowered = {choice.lower(): choice for choice in options}
    if word.lower() in lowered:
        return lowered[word.lower()]
    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not matches:
        matches = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
        matches = [lowered[match] for match in matches]
    return matches[0] if matches else None


def quoted(items: Iterable[str]) -> str:
    """``'a', 'b' or 'c'``."""
    names = [f"'{item}'" for item in items]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]
