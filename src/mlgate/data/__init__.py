"""Data: snapshots (immutable, content-addressed versions of data sets), schema
contracts, compatibility and quality checks, reference profiles and drift.

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
    from mlgate.data._checks import check_data as check_data
    from mlgate.data._checks import check_frame as check_frame
    from mlgate.data._checks import drift_snapshots as drift_snapshots
    from mlgate.data._checks import infer_schema as infer_schema
    from mlgate.data._diff import SnapshotDiff as SnapshotDiff
    from mlgate.data._drift import ColumnDrift as ColumnDrift
    from mlgate.data._drift import DriftReport as DriftReport
    from mlgate.data._drift import drift as drift
    from mlgate.data._findings import CheckReport as CheckReport
    from mlgate.data._findings import Finding as Finding
    from mlgate.data._manifest import ManifestEntry as ManifestEntry
    from mlgate.data._manifest import Snapshot as Snapshot
    from mlgate.data._profile import ColumnProfile as ColumnProfile
    from mlgate.data._profile import Profile as Profile
    from mlgate.data._profile import merge_profiles as merge_profiles
    from mlgate.data._profile import profile_frame as profile_frame
    from mlgate.data._schema import ColumnRule as ColumnRule
    from mlgate.data._schema import Contract as Contract
    from mlgate.data._schema import check_contract as check_contract
    from mlgate.data._schema import infer_contract as infer_contract
    from mlgate.data._schema import load_contract as load_contract
    from mlgate.data._snapshot import SnapshotResult as SnapshotResult
    from mlgate.data._snapshot import snapshot as snapshot
    from mlgate.data._status import DataStatus as DataStatus
    from mlgate.data._status import data_status as status

__all__ = [
    "CheckReport",
    "ColumnDrift",
    "ColumnProfile",
    "ColumnRule",
    "Contract",
    "DataStatus",
    "DriftReport",
    "Finding",
    "ManifestEntry",
    "Profile",
    "Snapshot",
    "SnapshotDiff",
    "SnapshotResult",
    "check_contract",
    "check_data",
    "check_frame",
    "checkout",
    "diff",
    "drift",
    "drift_snapshots",
    "infer_contract",
    "infer_schema",
    "list_snapshots",
    "load_contract",
    "merge_profiles",
    "profile_frame",
    "show",
    "snapshot",
    "status",
]

_LAZY = {
    "check_data": ("mlgate.data._checks", "check_data"),
    "check_frame": ("mlgate.data._checks", "check_frame"),
    "drift_snapshots": ("mlgate.data._checks", "drift_snapshots"),
    "infer_schema": ("mlgate.data._checks", "infer_schema"),
    "ColumnDrift": ("mlgate.data._drift", "ColumnDrift"),
    "DriftReport": ("mlgate.data._drift", "DriftReport"),
    "drift": ("mlgate.data._drift", "drift"),
    "CheckReport": ("mlgate.data._findings", "CheckReport"),
    "Finding": ("mlgate.data._findings", "Finding"),
    "ColumnProfile": ("mlgate.data._profile", "ColumnProfile"),
    "Profile": ("mlgate.data._profile", "Profile"),
    "merge_profiles": ("mlgate.data._profile", "merge_profiles"),
    "profile_frame": ("mlgate.data._profile", "profile_frame"),
    "ColumnRule": ("mlgate.data._schema", "ColumnRule"),
    "Contract": ("mlgate.data._schema", "Contract"),
    "check_contract": ("mlgate.data._schema", "check_contract"),
    "infer_contract": ("mlgate.data._schema", "infer_contract"),
    "load_contract": ("mlgate.data._schema", "load_contract"),
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
