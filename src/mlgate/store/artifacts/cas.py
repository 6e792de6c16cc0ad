"""Content addressing written once: hashing, verification and atomic publication.

An artifact's name is the BLAKE3 hex digest of its bytes; it lives under the
key ``objects/<first two hex>/<the rest>``. Writes hash the bytes as they are
written (so the name always matches what was stored), reads verify the hash
and raise :class:`~mlgate.errors.IntegrityError` naming the file on mismatch.
Identical content is stored once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO

import blake3

from mlgate.errors import DataError, IntegrityError, NotFoundError, StorageError, UsageError
from mlgate.store.artifacts.base import Blobs, LinkMode

__all__ = ["CHUNK", "ArtifactStore", "hash_bytes", "hash_file", "object_key"]

#: Bytes read per step when streaming; large enough for BLAKE3 to use every core.
CHUNK = 8 * 1024 * 1024
#: Files at least this large are hashed with memory mapping and all cores.
_MMAP_MIN = 4 * 1024 * 1024
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def _hasher(size_hint: int) -> blake3.blake3:
    threads = blake3.blake3.AUTO if size_hint >= _MMAP_MIN else 1
    return blake3.blake3(max_threads=threads)


def hash_bytes(data: bytes | memoryview) -> str:
    """BLAKE3 hex digest of ``data``."""
    return str(_hasher(len(data)).update(data).hexdigest())


def hash_file(path: Path) -> str:
    """BLAKE3 hex digest of a file's bytes; large files use every core (memory mapped)."""
    size = path.stat().st_size
    if size >= _MMAP_MIN:
        return str(_hasher(size).update_mmap(path).hexdigest())
    with open(path, "rb") as fh:
        return str(_hasher(size).update(fh.read()).hexdigest())


def object_key(digest: str) -> str:
    """The blob key of an artifact; refuses anything that is not a digest."""
    if not _DIGEST.match(digest):
        raise UsageError(
            f"{digest!r} is not an artifact digest (64 lowercase hex characters)",
            hint="Pass the full digest printed by mlgate.",
        )
    return f"objects/{digest[:2]}/{digest[2:]}"


def copy_and_hash(source: Path, target: Path) -> str:
    """Copy ``source`` to ``target`` in one pass, hashing the bytes written."""
    size = source.stat().st_size
    hasher = _hasher(size)
    buffer = bytearray(min(CHUNK, max(size, 1)))
    view = memoryview(buffer)
    with open(source, "rb", buffering=0) as src, open(target, "wb", buffering=0) as dst:
        while n := src.readinto(buffer):
            chunk = view[:n]
            hasher.update(chunk)
            written = 0
            while written < n:
                written += dst.write(chunk[written:])
    return str(hasher.hexdigest())


class ArtifactStore:
    """Artifacts by digest over any :class:`Blobs` backend."""

    def __init__(self, blobs: Blobs) -> None:
        self.blobs = blobs

    @property
    def url(self) -> str:
        """Where the store lives, as configured."""
        return self.blobs.url

    def batch(self) -> AbstractContextManager[None]:
        """Group many puts: they become visible and durable together (see ``Blobs.batch``)."""
        return self.blobs.batch()

    # --- writing --------------------------------------------------------------------------

    def put_bytes(self, data: bytes) -> str:
        """Store ``data``; returns its digest. Existing content is not written again."""
        digest = hash_bytes(data)
        key = object_key(digest)
        if not self.blobs.exists(key):
            self.blobs.put_bytes(key, data)
        return digest

    def put_file(self, path: Path, *, expected: str | None = None, link: LinkMode = "copy") -> str:
        """Store the bytes of ``path`` (never moved or changed); returns their digest."""
        return self.store_file(path, expected=expected, link=link)[0]

    def store_file(
        self, path: Path, *, expected: str | None = None, link: LinkMode = "copy"
    ) -> tuple[str, bool]:
        """Like :meth:`put_file`, also saying whether new bytes were written.

        ``expected`` is a digest the caller believes the file has (from a stat
        cache or a first pass): if the store holds it, nothing is read; if the
        bytes written turn out different, the file changed underneath and a
        :class:`DataError` says so.
        """
        if expected is not None and self.has(expected):
            return expected, False
        digest, written = self.blobs.put_new_file(path, link=link, key_of=object_key)
        if expected is not None and digest != expected:
            raise DataError(
                f"the file {path} changed while mlgate was reading it",
                hint="Wait until whatever writes it has finished, then snapshot again.",
            )
        return digest, written

    # --- reading --------------------------------------------------------------------------

    def has(self, digest: str) -> bool:
        """Whether the store holds a complete artifact with this digest."""
        return self.blobs.exists(object_key(digest))

    def size(self, digest: str) -> int:
        """Size in bytes of a stored artifact."""
        return self.blobs.size(object_key(digest))

    def location(self, digest: str) -> str:
        """Path or URL of the artifact's bytes, for messages and other tools."""
        return self.blobs.url_of(object_key(digest))

    def get_bytes(self, digest: str) -> bytes:
        """The artifact's bytes, verified against its digest."""
        key = object_key(digest)
        with self._open(digest, key) as fh:
            data = fh.read()
        self._check(digest, hash_bytes(data))
        return data

    def verify(self, digest: str) -> None:
        """Re-hash a stored artifact; :class:`IntegrityError` if its bytes changed."""
        key = object_key(digest)
        local = self.blobs.local_path(key)
        if local is not None:
            try:
                actual = hash_file(local)
            except FileNotFoundError:
                raise self._missing(digest) from None
        else:
            hasher = blake3.blake3(max_threads=blake3.blake3.AUTO)
            with self._open(digest, key) as fh:
                while chunk := fh.read(CHUNK):
                    hasher.update(chunk)
            actual = str(hasher.hexdigest())
        self._check(digest, actual)

    def export(self, digest: str, target: Path) -> None:
        """Write the artifact to ``target`` (a new file), verifying the bytes on the way.

        The file appears under its name only once complete and verified.
        """
        key = object_key(digest)
        temp = target.with_name(f".{target.name}.mlgate-tmp-{os.getpid()}")
        try:
            hasher = blake3.blake3(max_threads=blake3.blake3.AUTO)
            with self._open(digest, key) as src, open(temp, "wb") as dst:
                while chunk := src.read(CHUNK):
                    hasher.update(chunk)
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            self._check(digest, str(hasher.hexdigest()))
            os.replace(temp, target)
        except OSError as exc:
            raise StorageError(
                f"cannot write {target}: {exc.strerror or exc}",
                hint="Check free space and permissions.",
            ) from exc
        finally:
            temp.unlink(missing_ok=True)

    def digests(self) -> Iterator[str]:
        """Every stored digest."""
        for key in self.blobs.list("objects/"):
            parts = key.split("/")
            if len(parts) == 3:
                yield parts[1] + parts[2]

    def delete(self, digest: str) -> None:
        """Remove an artifact (garbage collection only: artifacts are otherwise immutable)."""
        self.blobs.delete(object_key(digest))

    def close(self) -> None:
        """Release the backend."""
        self.blobs.close()

    # --- helpers --------------------------------------------------------------------------

    def _open(self, digest: str, key: str) -> BinaryIO:
        try:
            return self.blobs.open(key)
        except FileNotFoundError:
            raise self._missing(digest) from None

    def _missing(self, digest: str) -> NotFoundError:
        return NotFoundError(
            f"artifact {digest[:12]}… is not in the store",
            where=self.blobs.url,
            hint="The store may have been pruned or MLGATE_STORE points elsewhere.",
        )

    def _check(self, digest: str, actual: str) -> None:
        if actual != digest:
            raise IntegrityError(
                f"stored artifact {digest[:12]}… is corrupted: "
                f"its bytes now hash to {actual[:12]}…",
                where=self.location(digest),
                hint="Restore the file from a backup or re-create the artifact; "
                "do not trust anything read from it.",
            )
