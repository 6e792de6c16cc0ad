"""Nearest names for "did you mean" messages, and short lists of names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = ["did_you_mean", "listing", "nearest"]


def nearest(word: str, choices: Iterable[str], *, n: int = 3) -> list[str]:
    """Up to ``n`` choices close to ``word``, best first (case-insensitive)."""
    options = sorted({choice for choice in choices if choice})
    by_lower: dict[str, str] = {}
    for choice in options:
        by_lower.setdefault(choice.lower(), choice)
    if word.lower() in by_lower and by_lower[word.lower()] != word:
        return [by_lower[word.lower()]]
    found = difflib.get_close_matches(word.lower(), list(by_lower), n=n, cutoff=0.6)
    return [by_lower[match] for match in found]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` (or ``'x' or 'y'``), or an empty string."""
    found = nearest(word, choices)
    if not found:
        return ""
    return "; did you mean " + " or ".join(f"'{name}'" for name in found) + "?"


def listing(names: Iterable[str], *, limit: int = 12) -> str:
    """``a, b, c`` (and ``… and 3 more`` past ``limit``); ``(none)`` when empty."""
    items = list(names)
    if not items:
        return "(none)"
    shown = ", ".join(items[:limit])
    if len(items) > limit:
        shown += f" … and {len(items) - limit} more"
    return shown
