"""One run at a time per project: an advisory lock on ``.mlgate/run.lock``.

The kernel releases a ``flock`` when its process dies, SIGKILL included, so a
crashed run never leaves the project locked. The file names the holder (pid,
run id) so the waiting command can say whom it waits for.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from mlgate.errors import ConflictError, StorageError

__all__ = ["project_lock"]


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return "another mlgate process"
    return f"run {info.get('run', '?')} (pid {info.get('pid', '?')})"


@contextlib.contextmanager
def project_lock(
    state_dir: Path,
    *,
    run_id: str,
    wait: bool = True,
    on_wait: Callable[[str], None] | None = None,
    timeout: float | None = None,
) -> Iterator[None]:
    """Hold the project's run lock; wait for it (telling ``on_wait`` once), or refuse."""
    path = state_dir / "run.lock"
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StorageError(
            f"cannot open the run lock: {exc.strerror or exc}",
            where=str(path),
            hint="Make .mlgate/ writable.",
        ) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(path)
            if not wait:
                raise ConflictError(
                    f"another run is in progress in this project: {holder}",
                    where=str(path),
                    hint="Wait for it to finish (drop --no-wait to queue behind it).",
                ) from None
            if on_wait is not None:
                on_wait(f"waiting for {holder} to finish…")
            started = time.monotonic()
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if timeout is not None and time.monotonic() - started > timeout:
                        raise ConflictError(
                            f"gave up after {timeout:.0f} s waiting for {holder}",
                            where=str(path),
                        ) from None
                    time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "run": run_id}).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock
