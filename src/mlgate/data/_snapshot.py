"""Taking snapshots: hash every file (skipping unchanged ones via the stat cache),
store the bytes once, and record the manifest whose hash is the snapshot id.

Order of writes, so that a crash at any point leaves the stores consistent:
file contents and the manifest become durable artifacts first (in one batch),
then one metadata transaction records the stat cache and the snapshot row.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mlgate.config import Settings
from mlgate.data._files import FoundFile, find_files
from mlgate.data._manifest import ManifestEntry, Snapshot, decode_manifest, encode_manifest
from mlgate.errors import DataError, NotFoundError
from mlgate.store.artifacts.base import LinkMode
from mlgate.store.artifacts.cas import ArtifactStore, hash_file
from mlgate.store.metadata.base import SnapshotRecord, StatEntry
from mlgate.store.stores import Stores, open_stores

__all__ = [
    "Hashed",
    "Progress",
    "SnapshotResult",
    "hash_files",
    "load_snapshot",
    "resolve_snapshot",
    "snapshot",
]

#: Called with (bytes done, files done) as work progresses.
Progress = Callable[[int, int], None]
#: Files modified this recently are not trusted to the stat cache (mtime granularity).
_RACY_NS = 2_000_000_000


@dataclass(frozen=True, slots=True)
class SnapshotResult:
    """What ``snapshot`` did: the snapshot, and how much work the cache saved."""

    snapshot: Snapshot
    created: bool  # False when the same content was snapshotted before
    files_read: int  # files whose bytes were read and hashed
    files_cached: int  # files whose digest came from the stat cache
    bytes_read: int
    bytes_stored: int  # bytes newly written to the artifact store
    seconds: float


@dataclass(frozen=True, slots=True)
class Hashed:
    """Digests of a list of files, and the work it took."""

    digests: dict[str, str]  # relative path -> digest
    stat_entries: list[StatEntry]  # to (re)cache
    files_read: int
    bytes_read: int
    bytes_stored: int


def _read_error(path: Path, exc: OSError) -> DataError:
    reason = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
    return DataError(
        f"the file {path} cannot be read ({reason})",
        hint="Make it readable, or move it out of the snapshotted folder.",
    )


def _changed(path: Path) -> DataError:
    return DataError(
        f"the file {path} changed while mlgate was reading it",
        hint="Wait until whatever writes it has finished, then snapshot again.",
    )


def _digest_one(
    file: FoundFile, known: StatEntry | None, artifacts: ArtifactStore | None, link: LinkMode
) -> tuple[str, int]:
    """Digest of one file, stored when ``artifacts`` is given; returns (digest, bytes stored)."""
    try:
        if artifacts is None:
            digest, written = hash_file(file.path), False
        elif known is not None:
            # Seen before with other stat fields (touched?): hash first, copy only if new.
            digest, written = artifacts.store_file(
                file.path, expected=hash_file(file.path), link=link
            )
        else:
            # A new path: copy and hash in one pass.
            digest, written = artifacts.store_file(file.path, link=link)
        st = os.stat(file.path)
    except FileNotFoundError:
        raise DataError(
            f"the file {file.path} disappeared while mlgate was reading it",
            hint="Wait until whatever changes the folder has finished, then snapshot again.",
        ) from None
    except (PermissionError, IsADirectoryError) as exc:
        raise _read_error(file.path, exc) from None
    if (st.st_size, st.st_mtime_ns) != (file.size, file.mtime_ns):
        raise _changed(file.path)
    return digest, file.size if written else 0


def hash_files(
    files: list[FoundFile],
    stores: Stores,
    *,
    store: bool,
    progress: Progress | None = None,
) -> Hashed:
    """Digest of every file, via the stat cache where it still holds.

    With ``store``, contents the artifact store lacks are copied into it (inside
    the caller's batch); without, files are only hashed.
    """
    artifacts = stores.artifacts
    cached = stores.metadata.stat_lookup([str(f.path) for f in files])
    digests: dict[str, str] = {}
    todo: list[tuple[FoundFile, StatEntry | None]] = []
    for file in files:
        entry = cached.get(str(file.path))
        if (
            entry is not None
            and (entry.size, entry.mtime_ns, entry.inode) == (file.size, file.mtime_ns, file.inode)
            and (not store or artifacts.has(entry.digest))
        ):
            digests[file.rel] = entry.digest
        else:
            todo.append((file, entry))

    link = stores.settings.link
    target = artifacts if store else None
    racy_after = time.time_ns() - _RACY_NS
    entries: list[StatEntry] = []
    bytes_read = bytes_stored = 0
    if todo:
        workers = max(1, min(stores.settings.threads, len(todo)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mlgate-hash") as pool:
            results = pool.map(lambda item: _digest_one(item[0], item[1], target, link), todo)
            for (file, _), (digest, stored) in zip(todo, results, strict=True):
                digests[file.rel] = digest
                bytes_read += file.size
                bytes_stored += stored
                if file.mtime_ns < racy_after:  # too fresh to trust mtime granularity
                    entries.append(
                        StatEntry(str(file.path), file.size, file.mtime_ns, file.inode, digest)
                    )
                if progress is not None:
                    progress(file.size, 1)
    return Hashed(digests, entries, len(todo), bytes_read, bytes_stored)


def snapshot(
    path: str | Path,
    *,
    name: str | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
    on_files: Callable[[int, int], None] | None = None,
) -> SnapshotResult:
    """Snapshot a file, folder or glob into the artifact store; return the snapshot.

    The user's files are only read: never moved, changed or deleted.
    ``on_files(n_files, n_bytes)`` is called once the files are found.
    """
    started = time.perf_counter()
    settings = settings or Settings.load()
    _, source, files = find_files(path, project=settings.project)
    if on_files is not None:
        on_files(len(files), sum(f.size for f in files))
    with open_stores(settings) as stores:
        with stores.artifacts.batch():
            hashed = hash_files(files, stores, store=True, progress=progress)
            manifest = [ManifestEntry(f.rel, hashed.digests[f.rel], f.size) for f in files]
            snapshot_id = stores.artifacts.put_bytes(encode_manifest(manifest))
        existed = stores.metadata.get_snapshot(snapshot_id) is not None
        stores.metadata.stat_update(hashed.stat_entries)
        record = stores.metadata.add_snapshot(
            SnapshotRecord(
                id=snapshot_id,
                name=name,
                source=source,
                created_at=datetime.now(UTC),
                n_files=len(manifest),
                n_bytes=sum(f.size for f in manifest),
            )
        )
    return SnapshotResult(
        snapshot=Snapshot(
            id=record.id,
            name=record.name,
            source=record.source,
            created_at=record.created_at,
            files=tuple(manifest),
        ),
        created=not existed,
        files_read=hashed.files_read,
        files_cached=len(files) - hashed.files_read,
        bytes_read=hashed.bytes_read,
        bytes_stored=hashed.bytes_stored,
        seconds=time.perf_counter() - started,
    )


def resolve_snapshot(ref: str, stores: Stores) -> SnapshotRecord:
    """The snapshot named by ``ref``: a full id, a name, or a unique id prefix."""
    ref = ref.strip()
    if not ref:
        raise NotFoundError(
            "no snapshot given", hint="Pass a snapshot id or name (mlgate data list)."
        )
    exact = stores.metadata.get_snapshot(ref)
    if exact is not None:
        return exact
    matches = stores.metadata.find_snapshots(ref)
    named = [m for m in matches if not m.id.startswith(ref)]
    if named:
        return named[0]  # a name is a moving tag: its newest snapshot
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFoundError(
            f"no snapshot has the id or name {ref!r}",
            where=stores.metadata.url,
            hint="Run `mlgate data list` to see the snapshots.",
        )
    shown = ", ".join(m.id[:12] for m in matches[:5])
    raise NotFoundError(
        f"the prefix {ref!r} is ambiguous: it matches {len(matches)} snapshots ({shown})",
        hint="Give more characters of the id.",
    )


def load_snapshot(ref: str, stores: Stores) -> Snapshot:
    """Resolve ``ref`` and read its manifest from the artifact store (hash-verified)."""
    record = resolve_snapshot(ref, stores)
    data = stores.artifacts.get_bytes(record.id)
    files = decode_manifest(data, where=stores.artifacts.location(record.id))
    return Snapshot(record.id, record.name, record.source, record.created_at, files)
