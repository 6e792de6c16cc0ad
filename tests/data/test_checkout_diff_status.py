"""Checkout (exact, verified bytes), diff (files, rows, columns) and status."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mlgate import data
from mlgate.config import Settings
from mlgate.errors import ConflictError, IntegrityError
from mlgate.store.artifacts.cas import object_key

from .helpers import age, tree


def test_checkout_restores_exact_bytes(project: Path, settings: Settings, tmp_path: Path) -> None:
    original = tree(project / "data")
    snap = data.snapshot(project / "data", settings=settings).snapshot
    dest = tmp_path / "restored"
    assert data.checkout(snap.id[:8], dest, settings=settings) == dest
    assert tree(dest) == original
    assert tree(project / "data") == original  # the user's files are still there, unchanged


def test_checkout_into_an_empty_folder_works(
    project: Path, settings: Settings, tmp_path: Path
) -> None:
    snap = data.snapshot(project / "data", settings=settings).snapshot
    dest = tmp_path / "empty"
    dest.mkdir()
    data.checkout(snap.id, dest, settings=settings)
    assert sorted(tree(dest)) == ["notes.txt", "sub/extra.bin", "train.csv"]


def test_checkout_into_a_non_empty_folder_is_refused(
    project: Path, settings: Settings, tmp_path: Path
) -> None:
    snap = data.snapshot(project / "data", settings=settings).snapshot
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    with pytest.raises(ConflictError, match="the folder is not empty"):
        data.checkout(snap.id, dest, settings=settings)
    assert tree(dest) == {"keep.txt": b"mine"}


def test_checkout_of_a_corrupted_artifact_writes_nothing(
    project: Path, settings: Settings, tmp_path: Path
) -> None:
    snap = data.snapshot(project / "data", settings=settings).snapshot
    entry = snap.file("train.csv")
    assert entry is not None
    stored = project / ".mlgate" / "store" / object_key(entry.digest)
    stored.chmod(0o644)
    raw = bytearray(stored.read_bytes())
    raw[0] ^= 1
    stored.write_bytes(bytes(raw))
    dest = tmp_path / "out"
    with pytest.raises(IntegrityError, match="is corrupted") as info:
        data.checkout(snap.id, dest, settings=settings)
    assert str(stored) in str(info.value)
    assert not dest.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def _parquet(path: Path, table: pa.Table) -> None:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    path.write_bytes(buffer.getvalue())
    age(path)


def test_diff_reports_rows_and_columns_of_tables(project: Path, settings: Settings) -> None:
    folder = project / "data"
    _parquet(folder / "t.parquet", pa.table({"a": [1, 2, 3], "b": ["x", "y", "z"]}))
    before = data.snapshot(folder, settings=settings).snapshot
    (folder / "train.csv").write_text("x,y,label,z\n1,2.5,a,0\n3,4.5,b,1\n")
    _parquet(folder / "t.parquet", pa.table({"a": [1.0, 2.0], "c": [True, False]}))
    (folder / "notes.txt").unlink()
    (folder / "added.csv").write_text("q\n1\n")
    age(folder / "train.csv", folder / "added.csv")
    after = data.snapshot(folder, settings=settings).snapshot
    result = data.diff(before.id, after.id, settings=settings)
    kinds = {c.path: c.kind for c in result.changes}
    assert kinds == {
        "added.csv": "added",
        "notes.txt": "removed",
        "t.parquet": "modified",
        "train.csv": "modified",
    }
    assert result.unchanged == 1
    by_path = {c.path: c for c in result.changes}
    csv = by_path["train.csv"]
    assert csv.rows_delta == -1
    assert csv.columns_added == ["z"]
    parquet = by_path["t.parquet"]
    assert (parquet.table_before.rows, parquet.table_after.rows) == (3, 2)  # type: ignore[union-attr]
    assert parquet.columns_removed == ["b"]
    assert parquet.columns_added == ["c"]
    assert parquet.columns_retyped == {"a": ("int64", "double")}
    assert by_path["added.csv"].table_after.rows == 1  # type: ignore[union-attr]


def test_status_sees_added_removed_and_modified(project: Path, settings: Settings) -> None:
    folder = project / "data"
    never = data.status(folder, settings=settings)
    assert never.last_snapshot is None
    assert never.changed
    snap = data.snapshot(folder, settings=settings).snapshot
    same = data.status(folder, settings=settings)
    assert not same.changed
    assert same.current_id == snap.id
    assert same.files_read == 0
    (folder / "notes.txt").write_text("changed")
    (folder / "sub" / "extra.bin").unlink()
    (folder / "new.txt").write_text("new")
    moved = data.status(folder, settings=settings)
    assert moved.changed
    assert (moved.added, moved.removed, moved.modified) == (
        ("new.txt",),
        ("sub/extra.bin",),
        ("notes.txt",),
    )
    assert data.list_snapshots(settings=settings)[0].id == snap.id  # status stores nothing
