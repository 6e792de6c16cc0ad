"""The ``MetadataStore`` interface and the records it returns.

Backends implement it with transactions: each method is all-or-nothing. Records
are frozen dataclasses; times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from mlgate.store.metadata.base_loop import LoopRecords
from mlgate.store.metadata.base_registry import RegistryRecords
from mlgate.store.metadata.base_runs import RunRecords

__all__ = ["MetadataStore", "SnapshotRecord", "StatEntry"]


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    """A data snapshot as listed: the manifest itself lives in the artifact store.

    ``id`` is the BLAKE3 hash of the manifest, which is also the manifest's
    artifact digest.
    """

    id: str
    name: str | None
    source: str
    created_at: datetime
    n_files: int
    n_bytes: int


@dataclass(frozen=True, slots=True)
class StatEntry:
    """What the stat cache knows of a file: if size, mtime and inode match, ``digest`` holds."""

    path: str
    size: int
    mtime_ns: int
    inode: int
    digest: str


class MetadataStore(RegistryRecords, RunRecords, LoopRecords, ABC):
    """mlgate's records. Later rooms (runs, registry, audit) add their methods here."""

    #: The database URL with any password masked.
    url: str

    # --- schema -----------------------------------------------------------------------------

    @abstractmethod
    def schema_revision(self) -> str:
        """The schema revision the database is at (the code's head after opening)."""

    # --- snapshots --------------------------------------------------------------------------

    @abstractmethod
    def add_snapshot(self, record: SnapshotRecord) -> SnapshotRecord:
        """Record a snapshot; if its id exists already, keep and return the stored record.

        A new ``name`` for an existing id is recorded by :meth:`name_snapshot`.
        """

    @abstractmethod
    def name_snapshot(self, snapshot_id: str, name: str) -> None:
        """Give an existing snapshot a (new) name."""

    @abstractmethod
    def get_snapshot(self, snapshot_id: str) -> SnapshotRecord | None:
        """The snapshot with exactly this id, or None."""

    @abstractmethod
    def find_snapshots(self, ref: str) -> list[SnapshotRecord]:
        """Snapshots whose id starts with ``ref`` or whose name is ``ref``, newest first."""

    @abstractmethod
    def list_snapshots(
        self, *, name: str | None = None, source: str | None = None
    ) -> list[SnapshotRecord]:
        """All snapshots (optionally with this name or source), newest first."""

    # --- stat cache -------------------------------------------------------------------------

    @abstractmethod
    def stat_lookup(self, paths: Sequence[str]) -> dict[str, StatEntry]:
        """Cached entries for these absolute paths (missing paths are left out)."""

    @abstractmethod
    def stat_update(self, entries: Iterable[StatEntry]) -> None:
        """Insert or replace cache entries, in one transaction."""

    # --- lifetime ---------------------------------------------------------------------------

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> MetadataStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
