"""Blobs in a dict: the memory twin of the local and remote backends, for tests."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from mlgate.store.artifacts.base import Blobs, LinkMode
from mlgate.store.artifacts.cas import hash_bytes

__all__ = ["MemoryBlobs"]


class MemoryBlobs(Blobs):
    """Blobs held in this process's memory (``memory://``)."""

    def __init__(self, name: str = "memory://") -> None:
        self.url = name
        self.data: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put_new_file(
        self, source: Path, *, key_of: Callable[[str], str], link: LinkMode = "copy"
    ) -> tuple[str, bool]:
        content = source.read_bytes()
        digest = hash_bytes(content)
        key = key_of(digest)
        written = key not in self.data
        self.put_bytes(key, content)
        return digest, written

    def put_bytes(self, key: str, data: bytes) -> None:
        with self._lock:
            self.data.setdefault(key, bytes(data))

    def open(self, key: str) -> BinaryIO:
        with self._lock:
            if key not in self.data:
                raise FileNotFoundError(key)
            return io.BytesIO(self.data[key])

    def exists(self, key: str) -> bool:
        return key in self.data

    def size(self, key: str) -> int:
        if key not in self.data:
            raise FileNotFoundError(key)
        return len(self.data[key])

    def list(self, prefix: str = "") -> Iterator[str]:
        yield from sorted(k for k in list(self.data) if k.startswith(prefix))

    def delete(self, key: str) -> None:
        with self._lock:
            self.data.pop(key, None)

    def url_of(self, key: str) -> str:
        return f"{self.url.rstrip('/')}/{key}"
