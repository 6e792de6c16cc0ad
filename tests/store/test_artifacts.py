"""The artifact store: content addressing, verification, atomic writes, every backend."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import fsspec
import pytest

from mlgate.errors import ConfigError, DataError, IntegrityError, StorageError, UsageError
from mlgate.store.artifacts import open_artifacts
from mlgate.store.artifacts.cas import ArtifactStore, hash_bytes, hash_file, object_key
from mlgate.store.artifacts.local import LocalBlobs
from mlgate.store.artifacts.memory import MemoryBlobs
from mlgate.store.artifacts.remote import RemoteBlobs

BACKENDS = ["local", "memory", "fsspec-memory", "s3"]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ArtifactStore]:
    if request.param == "local":
        blobs: LocalBlobs | MemoryBlobs | RemoteBlobs = LocalBlobs(tmp_path / "store")
    elif request.param == "memory":
        blobs = MemoryBlobs()
    elif request.param == "s3":  # an S3 server on 127.0.0.1 (tests/conftest.py)
        bucket = request.getfixturevalue("s3_bucket")
        opened = open_artifacts(f"s3://{bucket}/store")
        assert isinstance(opened.blobs, RemoteBlobs)
        blobs = opened.blobs
    else:
        fs = fsspec.filesystem("memory")
        root = f"/mlgate-test-{uuid.uuid4().hex}"
        blobs = RemoteBlobs(f"memory://{root}", fs, root)
    cas = ArtifactStore(blobs)
    yield cas
    cas.close()


def test_bytes_round_trip_and_dedup(store: ArtifactStore) -> None:
    digest = store.put_bytes(b"hello mlgate")
    assert digest == hash_bytes(b"hello mlgate")
    assert store.get_bytes(digest) == b"hello mlgate"
    assert store.put_bytes(b"hello mlgate") == digest
    assert list(store.digests()) == [digest]
    assert store.has(digest)
    assert store.size(digest) == 12


def test_file_round_trip_leaves_the_source_alone(store: ArtifactStore, tmp_path: Path) -> None:
    source = tmp_path / "data.bin"
    payload = os.urandom(300_000)
    source.write_bytes(payload)
    before = source.stat()
    digest, written = store.store_file(source)
    assert written
    assert digest == hash_file(source) == hash_bytes(payload)
    assert store.store_file(source) == (digest, False)
    assert source.read_bytes() == payload
    assert source.stat().st_mtime_ns == before.st_mtime_ns
    out = tmp_path / "out.bin"
    store.export(digest, out)
    assert out.read_bytes() == payload


def test_large_file_hash_uses_mmap_path(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    payload = os.urandom(9 * 1024 * 1024)
    big.write_bytes(payload)
    assert hash_file(big) == hash_bytes(payload)


def test_expected_digest_that_does_not_match_is_a_data_error(
    store: ArtifactStore, tmp_path: Path
) -> None:
    source = tmp_path / "f"
    source.write_bytes(b"now")
    with pytest.raises(DataError, match="changed while mlgate was reading it"):
        store.put_file(source, expected=hash_bytes(b"before"))


def test_digest_keys_never_come_from_user_input(store: ArtifactStore) -> None:
    for bad in ("../../etc/passwd", "ABC", "a" * 63, "g" * 64):
        with pytest.raises(UsageError, match="is not an artifact digest"):
            store.get_bytes(bad)
    assert object_key("ab" + "0" * 62) == "objects/ab/" + "0" * 62


def _flip_one_byte(path: Path) -> None:
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_corrupted_artifact_is_an_integrity_error_naming_the_file(tmp_path: Path) -> None:
    cas = ArtifactStore(LocalBlobs(tmp_path / "store"))
    digest = cas.put_bytes(b"x" * 10_000)
    object_file = tmp_path / "store" / object_key(digest)
    _flip_one_byte(object_file)
    for read in (cas.get_bytes, cas.verify):
        with pytest.raises(IntegrityError, match="is corrupted") as info:
            read(digest)
        assert str(object_file) in str(info.value)
    target = tmp_path / "restored"
    with pytest.raises(IntegrityError):
        cas.export(digest, target)
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["store"]


def test_stored_objects_are_read_only_and_published_atomically(tmp_path: Path) -> None:
    cas = ArtifactStore(LocalBlobs(tmp_path / "store"))
    digest = cas.put_bytes(b"content")
    object_file = tmp_path / "store" / object_key(digest)
    assert object_file.stat().st_mode & 0o777 == 0o444
    assert list((tmp_path / "store" / "tmp").iterdir()) == []


def test_batch_publishes_on_exit_and_nothing_on_error(tmp_path: Path) -> None:
    root = tmp_path / "store"
    cas = ArtifactStore(LocalBlobs(root))
    with cas.batch():
        first = cas.put_bytes(b"one")
        assert cas.has(first)  # pending blobs count, and can be read
        assert cas.get_bytes(first) == b"one"
        assert not (root / object_key(first)).exists()
    assert (root / object_key(first)).exists()

    def crash_inside_batch() -> str:
        with cas.batch():
            cas.put_bytes(b"two")
            raise RuntimeError("crash in the middle")

    with pytest.raises(RuntimeError, match="crash in the middle"):
        crash_inside_batch()
    assert not cas.has(hash_bytes(b"two"))
    assert list((root / "tmp").iterdir()) == []


def test_leftover_temporaries_of_dead_writers_are_swept(tmp_path: Path) -> None:
    root = tmp_path / "store"
    (root / "tmp").mkdir(parents=True)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    leftover = root / "tmp" / f"{dead.stdout.strip()}-1-1"
    leftover.write_bytes(b"half written")
    ArtifactStore(LocalBlobs(root)).put_bytes(b"new")
    assert not leftover.exists()


def test_disk_full_during_a_write_is_a_storage_error_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlgate.store.artifacts.local as local

    def full(source: Path, target: Path) -> str:
        target.write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(local, "copy_and_hash", full)
    source = tmp_path / "f.csv"
    source.write_text("a,b\n1,2\n")
    cas = ArtifactStore(LocalBlobs(tmp_path / "store"))
    with pytest.raises(StorageError, match="the disk is full; nothing was recorded"):
        cas.put_file(source)
    assert list(cas.digests()) == []
    assert list((tmp_path / "store" / "tmp").iterdir()) == []
    assert source.read_text() == "a,b\n1,2\n"


def test_unwritable_store_is_a_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "store"
    blocker.write_text("a file where the store folder should be")
    cas = ArtifactStore(LocalBlobs(blocker))
    with pytest.raises(StorageError, match="cannot create the artifact store"):
        cas.put_bytes(b"x")
    assert blocker.read_text() == "a file where the store folder should be"


def test_open_artifacts_picks_the_backend(tmp_path: Path) -> None:
    assert isinstance(open_artifacts(str(tmp_path / "s")).blobs, LocalBlobs)
    assert isinstance(open_artifacts(f"file://{tmp_path}/s").blobs, LocalBlobs)
    assert isinstance(open_artifacts("memory://x").blobs, MemoryBlobs)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nosuchproto://bucket/x", "unknown protocol 'nosuchproto'"),
    ],
)
def test_bad_store_urls_are_config_errors(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        open_artifacts(url)


def test_s3_without_its_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # as if s3fs were not installed: the import fails, and fsspec has not registered it
    registry = sys.modules["fsspec.registry"]
    monkeypatch.setitem(sys.modules, "s3fs", None)
    monkeypatch.delitem(registry._registry, "s3", raising=False)
    with pytest.raises(ConfigError, match=r"pip install 'mlgate\[s3\]'"):
        open_artifacts("s3://bucket/prefix")
