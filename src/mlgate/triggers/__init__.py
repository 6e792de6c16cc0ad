"""Triggers: what starts a run by itself (new data, drift, degradation, a schedule),
the run queue, and ``mlgate watch``, the daemon that turns triggers into runs.

Names resolve lazily, so importing this package is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlgate.triggers._daemon import RanRun as RanRun
    from mlgate.triggers._daemon import WatchResult as WatchResult
    from mlgate.triggers._daemon import watch as watch
    from mlgate.triggers._evaluate import Decision as Decision
    from mlgate.triggers._evaluate import evaluate_triggers as evaluate_triggers
    from mlgate.triggers._queue import enqueue as enqueue
    from mlgate.triggers._queue import pending as pending
    from mlgate.triggers._schedule import next_fire as next_fire

__all__ = [
    "Decision",
    "RanRun",
    "WatchResult",
    "enqueue",
    "evaluate_triggers",
    "next_fire",
    "pending",
    "watch",
]

_WHERE = {
    "RanRun": "_daemon",
    "WatchResult": "_daemon",
    "watch": "_daemon",
    "Decision": "_evaluate",
    "evaluate_triggers": "_evaluate",
    "enqueue": "_queue",
    "pending": "_queue",
    "next_fire": "_schedule",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f"mlgate.triggers.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mlgate.triggers' has no attribute {name!r}")
