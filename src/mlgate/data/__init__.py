"""Data: snapshots (immutable, content-addressed versions of data sets) and, later,
schema contracts, quality checks, reference profiles and drift.

``mlgate.data.snapshot(path)`` and friends resolve lazily, so importing this
package is cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlgate.data._api import checkout as checkout
    from mlgate.data._api import diff as diff
    from mlgate.data._api import list_snapshots as list_snapshots
    from mlgate.data._api import show as show
    from mlgate.data._diff import SnapshotDiff as SnapshotDiff
    from mlgate.data._manifest import ManifestEntry as ManifestEntry
    from mlgate.data._manifest import Snapshot as Snapshot
    from mlgate.data._snapshot import SnapshotResult as SnapshotResult
    from mlgate.data._snapshot import snapshot as snapshot
    from mlgate.data._status import DataStatus as DataStatus
    from mlgate.data._status import data_status as status

__all__ = [
    "DataStatus",
    "ManifestEntry",
    "Snapshot",
    "SnapshotDiff",
    "SnapshotResult",
    "checkout",
    "diff",
    "list_snapshots",
    "show",
    "snapshot",
    "status",
]

_LAZY = {
    "checkout": ("mlgate.data._api", "checkout"),
    "diff": ("mlgate.data._api", "diff"),
    "list_snapshots": ("mlgate.data._api", "list_snapshots"),
    "show": ("mlgate.data._api", "show"),
    "SnapshotDiff": ("mlgate.data._diff", "SnapshotDiff"),
    "ManifestEntry": ("mlgate.data._manifest", "ManifestEntry"),
    "Snapshot": ("mlgate.data._manifest", "Snapshot"),
    "SnapshotResult": ("mlgate.data._snapshot", "SnapshotResult"),
    "snapshot": ("mlgate.data._snapshot", "snapshot"),
    "DataStatus": ("mlgate.data._status", "DataStatus"),
    "status": ("mlgate.data._status", "data_status"),
}


def __getattr__(name: str) -> Any:
    try:
        module_name, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'mlgate.data' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module_name), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
