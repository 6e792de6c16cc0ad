"""One engine per database and process: stores opened one after another share it, nothing
stays open after a store closes, and what cannot be shared never is."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from mlgate.store.metadata import open_metadata
from mlgate.store.metadata.sql import SqlMetadataStore


def _open(url: str) -> SqlMetadataStore:
    store = open_metadata(url)
    assert isinstance(store, SqlMetadataStore)
    return store


def _open_files(path: Path) -> int:
    """How many of this process's file descriptors point at ``path`` (or its WAL files)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        count += target.startswith(str(path))
    return count


def test_stores_of_one_database_share_an_engine_and_close_their_connections(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'a' / 'mlgate.db'}"
    first = _open(url)
    first.get_model("churn")
    first.close()
    assert _open_files(tmp_path / "a") == 0  # closing leaves no file open
    second = _open(url)
    assert second.engine is first.engine  # statements compiled once per process
    assert second.get_model("churn") is None
    other = _open(f"sqlite:///{tmp_path / 'b' / 'mlgate.db'}")
    assert other.engine is not second.engine
    second.close()
    other.close()


def test_a_removed_project_folder_is_made_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'proj' / '.mlgate' / 'mlgate.db'}"
    store = _open(url)
    store.close()
    shutil.rmtree(tmp_path / "proj")
    again = _open(url)  # the same engine, a new folder and a new database
    try:
        assert again.schema_revision() != ""
        assert again.list_models() == []
    finally:
        again.close()


def test_in_memory_databases_are_never_shared() -> None:
    first, second = _open("sqlite://"), _open("sqlite://")
    try:
        assert first.engine is not second.engine
    finally:
        first.close()
        second.close()


def test_a_forked_child_makes_its_own_engine(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mlgate.db'}"
    parent = _open(url)
    parent.close()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own engine, never the parent's connections
        try:
            child = _open(url)
            ok = child.engine is not parent.engine and child.list_models() == []
            child.close()
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.close(read)
    os.waitpid(pid, 0)
    assert answer == b"1"


def test_only_the_most_recently_used_engines_are_kept(tmp_path: Path) -> None:
    from mlgate.store.metadata.engines import KEEP

    def engine_of(name: str) -> object:
        store = _open(f"sqlite:///{tmp_path / name / 'mlgate.db'}")
        store.close()
        return store.engine

    first = engine_of("first")
    for number in range(KEEP - 1):
        engine_of(f"other-{number}")
    assert engine_of("first") is first  # still kept, and now the most recent
    for number in range(KEEP):
        engine_of(f"more-{number}")
    assert engine_of("first") is not first  # dropped: a new engine, the same database
