"""One run at a time per project: an advisory lock on ``.mlgate/run.lock``.

The kernel releases a ``flock`` when its process dies, SIGKILL included, so a
crashed run never leaves the project locked. The file names the holder (pid,
run id) so a waiting command can say whom it waits for.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path
from types import TracebackType

from mlgate.errors import ConflictError, StorageError

__all__ = ["ProjectLock"]


class ProjectLock:
    """The project's run lock; use ``try_acquire``/``acquire``, or ``with`` to block."""

    def __init__(self, state_dir: Path, *, name: str = "run.lock") -> None:
        self.path = state_dir / name
        self._fd: int | None = None

    def _open(self) -> int:
        if self._fd is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise StorageError(
                    f"cannot open the run lock: {exc.strerror or exc}",
                    where=str(self.path),
                    hint="Make .mlgate/ writable.",
                ) from exc
        return self._fd

    def holder(self) -> str:
        """Who holds (or last held) the lock, for messages."""
        try:
            info = json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            return "another mlgate process"
        holder = info.get("run", "?")
        what = f"run {holder}" if self.path.name == "run.lock" else str(holder)
        return f"{what} (pid {info.get('pid', '?')})"

    def try_acquire(self, *, run_id: str) -> bool:
        """Take the lock if it is free; False if another process holds it."""
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "run": run_id}).encode(), 0)
        return True

    def acquire(self, *, run_id: str, timeout: float | None = None, poll: float = 0.2) -> None:
        """Wait for the lock (up to ``timeout`` seconds: then ConflictError)."""
        started = time.monotonic()
        while not self.try_acquire(run_id=run_id):
            if timeout is not None and time.monotonic() - started > timeout:
                raise ConflictError(
                    f"gave up after {timeout:.0f} s waiting for {self.holder()} to finish",
                    where=str(self.path),
                    hint="Try again later, or look at it with `mlgate runs`.",
                )
            time.sleep(poll)

    def release(self) -> None:
        """Let the next run go (closing the descriptor releases the lock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> ProjectLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
