"""The ``Blobs`` interface: raw bytes under store-made keys.

Keys are ``/``-separated relative names that mlgate makes from hashes
(``objects/ab/cdef…``); they never come from user input. Backends only move
bytes; hashing and verification live once in ``cas.py``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Literal

__all__ = ["Blobs", "LinkMode"]

LinkMode = Literal["auto", "reflink", "hardlink", "copy"]


class Blobs(ABC):
    """Bytes under keys, written atomically (a reader sees all of a blob or none)."""

    #: Where the blobs live, as the user configured it (folder or URL).
    url: str

    @abstractmethod
    def put_new_file(
        self, source: Path, *, key_of: Callable[[str], str], link: LinkMode = "copy"
    ) -> tuple[str, bool]:
        """Store the bytes of ``source`` under ``key_of(digest)``; return (digest, written).

        The digest is computed from the bytes actually stored (one pass), so a
        file that changes while it is read can never be stored under a wrong
        name. ``source`` is never moved or changed; if the key exists already,
        the new copy is discarded and ``written`` is False.
        """

    @abstractmethod
    def put_bytes(self, key: str, data: bytes) -> None:
        """Place ``data`` under ``key`` atomically."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Open ``key`` for reading; raise ``FileNotFoundError`` if absent."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether ``key`` holds a complete blob."""

    @abstractmethod
    def size(self, key: str) -> int:
        """Size of the blob in bytes; raise ``FileNotFoundError`` if absent."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys that start with ``prefix`` (complete blobs only, never temporaries)."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key``; absent keys are ignored."""

    @abstractmethod
    def url_of(self, key: str) -> str:
        """A URL or path for ``key`` that other tools can open."""

    def local_path(self, key: str) -> Path | None:
        """The blob's file on this machine, when the backend has one (for fast reads)."""
        return None

    def batch(self) -> AbstractContextManager[None]:
        """Group many puts so durability is settled once (one sync) at the end.

        Blobs put inside the batch become visible, already durable, when the
        ``with`` block exits without error; a crash inside leaves none of them
        visible. ``exists`` counts blobs pending in the open batch.
        """
        from contextlib import nullcontext

        return nullcontext()

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release connections or handles."""
