"""The data operations as plain functions; the CLI is a thin layer over these."""

from __future__ import annotations

from pathlib import Path

from mlgate.config import Settings
from mlgate.data._checkout import checkout_snapshot
from mlgate.data._diff import SnapshotDiff, diff_snapshots
from mlgate.data._manifest import Snapshot
from mlgate.data._snapshot import load_snapshot
from mlgate.store.metadata.base import SnapshotRecord
from mlgate.store.stores import open_stores

__all__ = ["checkout", "diff", "list_snapshots", "show"]


def list_snapshots(
    *, name: str | None = None, source: str | None = None, settings: Settings | None = None
) -> list[SnapshotRecord]:
    """Snapshots of the project, newest first (optionally by name or source)."""
    with open_stores(settings) as stores:
        return stores.metadata.list_snapshots(name=name, source=source)


def show(ref: str, *, settings: Settings | None = None) -> Snapshot:
    """One snapshot with its files (id, unique id prefix, or name)."""
    with open_stores(settings) as stores:
        return load_snapshot(ref, stores)


def diff(a: str, b: str, *, tables: bool = True, settings: Settings | None = None) -> SnapshotDiff:
    """What changed from snapshot ``a`` to snapshot ``b`` (files, table rows and columns)."""
    with open_stores(settings) as stores:
        first, second = load_snapshot(a, stores), load_snapshot(b, stores)
        return diff_snapshots(first, second, stores.artifacts, tables=tables)


def checkout(ref: str, dest: str | Path, *, settings: Settings | None = None) -> Path:
    """Restore a snapshot's exact, verified bytes into ``dest`` (new or empty folder)."""
    with open_stores(settings) as stores:
        snap = load_snapshot(ref, stores)
        return checkout_snapshot(snap, Path(dest), stores.artifacts)
