"""Snapshots: content addressing, the stat cache, names and prefixes, bad inputs."""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import pytest

from mlgate import data
from mlgate.config import Settings
from mlgate.errors import DataError, NotFoundError, StorageError
from mlgate.store.artifacts.cas import hash_bytes

from .helpers import read_only, tree


def test_snapshot_records_every_file_and_leaves_them_untouched(
    project: Path, settings: Settings
) -> None:
    before = tree(project / "data")
    stat_before = {p: p.stat().st_mtime_ns for p in (project / "data").rglob("*")}
    result = data.snapshot(project / "data", name="v1", settings=settings)
    snap = result.snapshot
    assert result.created
    assert [f.path for f in snap.files] == ["notes.txt", "sub/extra.bin", "train.csv"]
    for entry in snap.files:
        assert entry.digest == hash_bytes(before[entry.path])
        assert entry.size == len(before[entry.path])
    assert snap.name == "v1"
    assert snap.source == "data"
    assert result.bytes_stored == sum(len(b) for b in before.values())
    assert tree(project / "data") == before
    assert {p: p.stat().st_mtime_ns for p in (project / "data").rglob("*")} == stat_before


def test_same_content_gives_the_same_id_anywhere(project: Path, settings: Settings) -> None:
    first = data.snapshot(project / "data", settings=settings).snapshot
    copy = project / "copy"
    copy.mkdir()
    for rel, content in tree(project / "data").items():
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        (copy / rel).write_bytes(content)
    again = data.snapshot(copy, settings=settings)
    assert again.snapshot.id == first.id
    assert again.bytes_stored == 0


def test_resnapshot_unchanged_reads_nothing(project: Path, settings: Settings) -> None:
    data.snapshot(project / "data", settings=settings)
    again = data.snapshot(project / "data", settings=settings)
    assert not again.created
    assert again.files_read == 0
    assert again.files_cached == 3


def test_touched_file_is_rehashed_but_not_stored_again(project: Path, settings: Settings) -> None:
    first = data.snapshot(project / "data", settings=settings).snapshot
    target = project / "data" / "sub" / "extra.bin"
    os.utime(target, ns=(1_700_000_000 * 10**9,) * 2)  # mtime only: same bytes
    again = data.snapshot(project / "data", settings=settings)
    assert again.snapshot.id == first.id
    assert again.files_read == 1
    assert again.bytes_stored == 0


def test_one_changed_byte_gives_a_new_snapshot(project: Path, settings: Settings) -> None:
    first = data.snapshot(project / "data", settings=settings).snapshot
    target = project / "data" / "notes.txt"
    target.write_text("hellO\n")  # same size; a later (but still old) mtime
    os.utime(target, ns=(1_700_000_000 * 10**9,) * 2)
    second = data.snapshot(project / "data", settings=settings)
    assert second.created
    assert second.snapshot.id != first.id
    assert second.files_read == 1
    changed = data.diff(first.id, second.snapshot.id, settings=settings)
    assert [(c.path, c.kind) for c in changed.changes] == [("notes.txt", "modified")]


def test_single_file_and_glob(project: Path, settings: Settings) -> None:
    one = data.snapshot(project / "data" / "train.csv", settings=settings).snapshot
    assert [f.path for f in one.files] == ["train.csv"]
    globbed = data.snapshot(str(project / "data" / "**" / "*.bin"), settings=settings).snapshot
    assert [f.path for f in globbed.files] == ["sub/extra.bin"]


def test_list_show_by_name_and_prefix(project: Path, settings: Settings) -> None:
    first = data.snapshot(project / "data", name="train", settings=settings).snapshot
    (project / "data" / "new.txt").write_text("more")
    second = data.snapshot(project / "data", name="train", settings=settings).snapshot
    listed = data.list_snapshots(settings=settings)
    assert [r.id for r in listed] == [second.id, first.id]
    assert data.show("train", settings=settings).id == second.id  # a name is a moving tag
    assert data.show(first.id[:10], settings=settings).id == first.id
    assert data.show(second.id, settings=settings).files[0].path == "new.txt"


def test_unknown_and_ambiguous_references(project: Path, settings: Settings) -> None:
    ids = []
    for i in range(20):  # 20 ids over 16 hex digits: two must share a first character
        (project / "data" / "n.txt").write_text(str(i))
        ids.append(data.snapshot(project / "data", settings=settings).snapshot.id)
    with pytest.raises(NotFoundError, match="no snapshot has the id or name 'nosuch'"):
        data.show("nosuch", settings=settings)
    first_chars = [i[0] for i in ids]
    shared = next(c for c in first_chars if first_chars.count(c) > 1)
    with pytest.raises(NotFoundError, match=f"the prefix '{shared}' is ambiguous"):
        data.show(shared, settings=settings)


def test_missing_path_is_a_data_error_and_creates_nothing(tmp_path: Path) -> None:
    settings = Settings.load(project=tmp_path)
    with pytest.raises(DataError, match="the data path 'nowhere' does not exist"):
        data.snapshot("nowhere", settings=settings)
    assert list(tmp_path.iterdir()) == []


def test_empty_folder_and_empty_glob(project: Path, settings: Settings) -> None:
    (project / "empty").mkdir()
    with pytest.raises(DataError, match="holds no files"):
        data.snapshot(project / "empty", settings=settings)
    with pytest.raises(DataError, match="matches no files"):
        data.snapshot(str(project / "data" / "*.nothing"), settings=settings)
    assert not (project / ".mlgate" / "mlgate.db").exists()


def test_symlink_outside_the_project_is_refused(
    project: Path, settings: Settings, tmp_path: Path
) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("not yours")
    (project / "data" / "link.txt").symlink_to(outside)
    with pytest.raises(DataError, match="points outside the project") as info:
        data.snapshot(project / "data", settings=settings)
    assert "link.txt" in str(info.value)
    assert data.list_snapshots(settings=settings) == []


def test_symlink_inside_the_project_is_followed(project: Path, settings: Settings) -> None:
    (project / "data" / "alias.csv").symlink_to(project / "data" / "train.csv")
    snap = data.snapshot(project / "data", settings=settings).snapshot
    assert snap.file("alias.csv") is not None
    assert snap.file("alias.csv").digest == snap.file("train.csv").digest  # type: ignore[union-attr]


def test_unreadable_file_is_a_data_error(
    project: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = project / "data" / "train.csv"
    if os.geteuid() != 0:
        target.chmod(0)
    else:  # root reads anything: make the read itself fail as it would for a user
        real_open = builtins.open

        def guarded(file, *args, **kwargs):  # type: ignore[no-untyped-def]
            if Path(str(file)) == target:
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", guarded)
    with pytest.raises(DataError, match=r"train.csv cannot be read \(permission denied\)"):
        data.snapshot(project / "data", settings=settings)
    monkeypatch.undo()
    target.chmod(0o644)
    assert data.list_snapshots(settings=settings) == []


def test_read_only_state_folder_is_a_storage_error(project: Path, settings: Settings) -> None:
    before = tree(project)
    with read_only(project / ".mlgate"), pytest.raises(StorageError):
        data.snapshot(project / "data", settings=settings)
    assert tree(project) == before
    assert list((project / ".mlgate").iterdir()) == []
