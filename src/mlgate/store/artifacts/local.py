"""Blobs in a local folder: temp file + fsync + rename + directory fsync.

Layout: ``<root>/objects/ab/cdef…`` for blobs and ``<root>/tmp/`` for writes in
progress (named by process id, so a killed writer's leftovers are recognised
and removed later). A blob is visible only once complete and durable.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import itertools
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from mlgate._process import pid_alive
from mlgate.errors import StorageError
from mlgate.store.artifacts.base import Blobs, LinkMode
from mlgate.store.artifacts.cas import copy_and_hash, hash_file

__all__ = ["LocalBlobs"]

_FICLONE = 0x40049409  # linux/fs.h: share the source's extents (copy-on-write clone)
_counter = itertools.count()


def _storage_error(exc: OSError, action: str, where: Path | str) -> StorageError:
    if exc.errno == errno.ENOSPC:
        what, hint = "the disk is full", "Free some space, then run the command again."
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what, hint = (
            "permission denied (read-only?)",
            "Make the folder writable or set MLGATE_STORE.",
        )
    else:
        what, hint = exc.strerror or str(exc), "Check the folder and the disk."
    return StorageError(
        f"cannot {action}: {what}; nothing was recorded", where=str(where), hint=hint
    )


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _syncfs(path: Path) -> None:
    """Flush every dirty page of the file system holding ``path`` (one call for a batch)."""
    libc_name = ctypes.util.find_library("c")
    syncfs = getattr(ctypes.CDLL(libc_name, use_errno=True), "syncfs", None) if libc_name else None
    if syncfs is None:
        os.sync()
        return
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


class LocalBlobs(Blobs):
    """Blobs in a folder on this machine."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = str(root)
        self._lock = threading.Lock()
        self._pending: dict[str, Path] | None = None  # key -> temp, while a batch is open
        self._reflink_works: bool | None = None
        self._swept = False

    # --- paths ----------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        return self.root / key

    def _new_temp(self) -> Path:
        tmp = self.root / "tmp"
        if not self._swept:  # once per process: create the folder, clear dead writers' files
            try:
                tmp.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _storage_error(exc, "create the artifact store", self.root) from exc
            self._sweep(tmp)
        return tmp / f"{os.getpid()}-{threading.get_ident()}-{next(_counter)}"

    def _sweep(self, tmp: Path) -> None:
        """Remove temporaries left by writers that no longer run (killed, crashed)."""
        self._swept = True
        for entry in os.scandir(tmp):
            pid = entry.name.split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)

    # --- writing --------------------------------------------------------------------------

    def _fill(self, source: Path, temp: Path, link: LinkMode) -> str:
        """Put ``source``'s bytes at ``temp`` and return their digest."""
        if link == "hardlink":
            os.link(source, temp)
            return hash_file(temp)
        if link in ("reflink", "auto") and self._reflink_works is not False:
            try:
                with open(source, "rb") as src, open(temp, "wb") as dst:
                    fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
                self._reflink_works = True
                return hash_file(temp)  # the clone cannot change under us
            except OSError as exc:
                temp.unlink(missing_ok=True)
                if link == "reflink":
                    raise StorageError(
                        f"cannot reflink {source}: {exc.strerror}",
                        where=str(self.root),
                        hint="This file system has no copy-on-write clones; "
                        "set MLGATE_LINK=auto or copy.",
                    ) from exc
                self._reflink_works = False
        return copy_and_hash(source, temp)

    def put_new_file(
        self, source: Path, *, key_of: Callable[[str], str], link: LinkMode = "copy"
    ) -> tuple[str, bool]:
        temp = self._new_temp()
        try:
            digest = self._fill(source, temp, link)
            if link != "hardlink":
                os.chmod(temp, 0o444)  # stored bytes are immutable; never on the user's inode
            written = self._publish(temp, key_of(digest))
        except OSError as exc:
            temp.unlink(missing_ok=True)
            if exc.filename is not None and Path(exc.filename) == source:
                raise  # the source cannot be read: the caller's problem, not the store's
            raise _storage_error(exc, f"store {source}", self.root) from exc
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return digest, written

    def put_bytes(self, key: str, data: bytes) -> None:
        temp = self._new_temp()
        try:
            with open(temp, "wb") as fh:
                fh.write(data)
            os.chmod(temp, 0o444)
            self._publish(temp, key)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise _storage_error(exc, f"write {key}", self.root) from exc
        except BaseException:
            temp.unlink(missing_ok=True)
            raise

    def _publish(self, temp: Path, key: str) -> bool:
        """Make ``temp`` the blob ``key``; False (and ``temp`` removed) if it existed."""
        with self._lock:
            if self._pending is not None:
                if key in self._pending or self._path(key).exists():
                    temp.unlink()
                    return False
                self._pending[key] = temp
                return True
        target = self._path(key)
        if target.exists():
            temp.unlink()
            return False
        fd = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        self._rename_all({key: temp})
        return True

    def _rename_all(self, items: dict[str, Path]) -> None:
        dirs: set[Path] = set()
        for key, temp in items.items():
            target = self._path(key)
            if not target.parent.is_dir():
                target.parent.mkdir(parents=True, exist_ok=True)
                dirs.add(target.parent.parent)
            os.replace(temp, target)
            dirs.add(target.parent)
        for folder in dirs:
            _fsync_dir(folder)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        with self._lock:
            if self._pending is not None:  # nested: the outer batch settles everything
                nested = True
            else:
                nested = False
                self._pending = {}
        if nested:
            yield
            return
        try:
            yield
        except BaseException:
            with self._lock:
                pending, self._pending = self._pending or {}, None
            for temp in pending.values():
                temp.unlink(missing_ok=True)
            raise
        with self._lock:
            pending, self._pending = self._pending or {}, None
        if not pending:
            return
        try:
            _syncfs(self.root)  # every temp's bytes are durable before any becomes visible
            self._rename_all(pending)
        except OSError as exc:
            for temp in pending.values():
                temp.unlink(missing_ok=True)
            raise _storage_error(exc, "publish artifacts", self.root) from exc

    # --- reading --------------------------------------------------------------------------

    def open(self, key: str) -> BinaryIO:
        with self._lock:
            pending = self._pending.get(key) if self._pending else None
        return open(pending or self._path(key), "rb")

    def exists(self, key: str) -> bool:
        with self._lock:
            if self._pending and key in self._pending:
                return True
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def list(self, prefix: str = "") -> Iterator[str]:
        base = self.root / "objects"
        if not base.is_dir():
            return
        for shard in sorted(os.scandir(base), key=lambda e: e.name):
            if not shard.is_dir():
                continue
            for entry in sorted(os.scandir(shard.path), key=lambda e: e.name):
                key = f"objects/{shard.name}/{entry.name}"
                if key.startswith(prefix):
                    yield key

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def url_of(self, key: str) -> str:
        return str(self._path(key))

    def local_path(self, key: str) -> Path | None:
        with self._lock:
            pending = self._pending.get(key) if self._pending else None
        return pending or self._path(key)
