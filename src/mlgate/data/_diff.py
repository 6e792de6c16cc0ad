"""What changed between two snapshots: files, and for tables their rows and columns."""

from __future__ import annotations

from dataclasses import dataclass, field

from mlgate.data._manifest import ManifestEntry, Snapshot
from mlgate.errors import DataError
from mlgate.store.artifacts.cas import ArtifactStore

__all__ = ["FileChange", "SnapshotDiff", "TableShape", "diff_snapshots", "table_shape"]

_TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


@dataclass(frozen=True, slots=True)
class TableShape:
    """Rows and typed columns of a CSV or Parquet file."""

    rows: int
    columns: dict[str, str]  # name -> Arrow type


@dataclass(frozen=True, slots=True)
class FileChange:
    """One path that differs; ``before``/``after`` are None when added/removed."""

    path: str
    before: ManifestEntry | None
    after: ManifestEntry | None
    table_before: TableShape | None = None
    table_after: TableShape | None = None

    @property
    def kind(self) -> str:
        """``added``, ``removed`` or ``modified``."""
        if self.before is None:
            return "added"
        return "removed" if self.after is None else "modified"

    @property
    def rows_delta(self) -> int | None:
        """Change in row count for tables seen on both sides."""
        if self.table_before is None or self.table_after is None:
            return None
        return self.table_after.rows - self.table_before.rows

    @property
    def columns_added(self) -> list[str]:
        """Columns only in the new version of a table."""
        if self.table_before is None or self.table_after is None:
            return []
        return [c for c in self.table_after.columns if c not in self.table_before.columns]

    @property
    def columns_removed(self) -> list[str]:
        """Columns only in the old version of a table."""
        if self.table_before is None or self.table_after is None:
            return []
        return [c for c in self.table_before.columns if c not in self.table_after.columns]

    @property
    def columns_retyped(self) -> dict[str, tuple[str, str]]:
        """Columns whose type changed: name -> (before, after)."""
        if self.table_before is None or self.table_after is None:
            return {}
        old, new = self.table_before.columns, self.table_after.columns
        return {c: (old[c], new[c]) for c in old if c in new and old[c] != new[c]}


@dataclass(frozen=True, slots=True)
class SnapshotDiff:
    """Files added, removed and modified from snapshot ``a`` to snapshot ``b``."""

    a: str
    b: str
    changes: tuple[FileChange, ...] = field(default=())
    unchanged: int = 0

    def of_kind(self, kind: str) -> list[FileChange]:
        """Changes of one kind (added / removed / modified)."""
        return [c for c in self.changes if c.kind == kind]


def table_shape(entry: ManifestEntry, artifacts: ArtifactStore) -> TableShape | None:
    """Rows and columns of a CSV/Parquet artifact (hash-verified); None for other files."""
    suffix = entry.path.lower().rsplit("/", 1)[-1]
    if not suffix.endswith(_TABLE_SUFFIXES):
        return None
    import pyarrow as pa

    data = artifacts.get_bytes(entry.digest)
    try:
        if suffix.endswith(".csv"):
            import pyarrow.csv as pcsv

            table = pcsv.read_csv(pa.BufferReader(data))
            return TableShape(table.num_rows, {f.name: str(f.type) for f in table.schema})
        import pyarrow.parquet as pq

        meta = pq.read_metadata(pa.BufferReader(data))
        schema = meta.schema.to_arrow_schema()
        return TableShape(meta.num_rows, {f.name: str(f.type) for f in schema})
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        raise DataError(
            f"the table {entry.path} cannot be read: {str(exc).splitlines()[0]}",
            hint="Check that the file is valid CSV or Parquet.",
        ) from None


def diff_snapshots(
    a: Snapshot, b: Snapshot, artifacts: ArtifactStore, *, tables: bool = True
) -> SnapshotDiff:
    """Compare two snapshots path by path; with ``tables``, describe changed tables."""
    old = {f.path: f for f in a.files}
    new = {f.path: f for f in b.files}
    changes: list[FileChange] = []
    unchanged = 0
    for path in sorted(old.keys() | new.keys()):
        before, after = old.get(path), new.get(path)
        if before is not None and after is not None and before.digest == after.digest:
            unchanged += 1
            continue
        shape_before = table_shape(before, artifacts) if tables and before else None
        shape_after = table_shape(after, artifacts) if tables and after else None
        changes.append(FileChange(path, before, after, shape_before, shape_after))
    return SnapshotDiff(a.id, b.id, tuple(changes), unchanged)
