"""Blobs behind any fsspec URL (``s3://bucket/prefix``, ``gcs://…``, ``file://…``).

Bytes are staged in a local temporary file (hashed as they are written), then
uploaded. Object stores publish an object atomically on upload; other file
systems get the upload under a temporary key and a rename.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

from mlgate.errors import StorageError
from mlgate.store.artifacts.base import Blobs, LinkMode
from mlgate.store.artifacts.cas import copy_and_hash

__all__ = ["ATOMIC_PUT", "RemoteBlobs"]

#: Protocols whose uploads are atomic (a reader never sees half an object).
ATOMIC_PUT = {"s3", "s3a", "gcs", "gs", "az", "abfs", "abfss", "memory"}


class RemoteBlobs(Blobs):
    """Blobs in an fsspec file system."""

    def __init__(self, url: str, fs: Any, root: str) -> None:
        self.url = url
        self.fs = fs
        self.root = root.rstrip("/")
        protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
        self._atomic = protocol in ATOMIC_PUT

    def _path(self, key: str) -> str:
        return f"{self.root}/{key}"

    def _upload(self, local: Path, key: str) -> bool:
        target = self._path(key)
        try:
            if self.fs.exists(target):
                return False
            if self._atomic:
                self.fs.put_file(str(local), target)
            else:
                staging = self._path(f"tmp/{uuid.uuid4().hex}")
                self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
                self.fs.put_file(str(local), staging)
                self.fs.mv(staging, target)
            return True
        except OSError as exc:
            raise StorageError(
                f"cannot upload {key}: {exc}; nothing was recorded",
                where=self.url,
                hint="Check the store's URL, credentials and free space.",
            ) from exc

    def put_new_file(
        self, source: Path, *, key_of: Callable[[str], str], link: LinkMode = "copy"
    ) -> tuple[str, bool]:
        fd, name = tempfile.mkstemp(prefix="mlgate-")
        os.close(fd)
        temp = Path(name)
        try:
            digest = copy_and_hash(source, temp)
            written = self._upload(temp, key_of(digest))
        finally:
            temp.unlink(missing_ok=True)
        return digest, written

    def put_bytes(self, key: str, data: bytes) -> None:
        fd, name = tempfile.mkstemp(prefix="mlgate-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            self._upload(Path(name), key)
        finally:
            Path(name).unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        return cast(BinaryIO, self.fs.open(self._path(key), "rb"))

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self._path(key)))

    def size(self, key: str) -> int:
        return int(self.fs.size(self._path(key)))

    def list(self, prefix: str = "") -> Iterator[str]:
        base = self._path("objects")
        try:
            found = self.fs.find(base)
        except FileNotFoundError:
            return
        start = len(self.root) + 1
        for path in sorted(found):
            key = str(path)[start:] if str(path).startswith(self.root) else str(path)
            if key.startswith(prefix) and not key.startswith("tmp/"):
                yield key

    def delete(self, key: str) -> None:
        if self.fs.exists(self._path(key)):
            self.fs.rm_file(self._path(key))

    def url_of(self, key: str) -> str:
        return f"{self.url.rstrip('/')}/{key}"
