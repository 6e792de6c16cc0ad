"""Child processes that cannot take mlgate down: their own process group, a log file,
a timeout that dumps their stacks and then kills the whole group, no stray process left.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["MLGATE_SRC", "child_env", "run_logged", "stack_at_timeout", "tail"]

#: The folder holding the mlgate package (frames there are mlgate's, not the user's).
MLGATE_SRC = str(Path(__file__).resolve().parent.parent)
#: Seconds the child gets to dump its stacks after a timeout, before it is killed.
_DUMP_GRACE = 0.3


def _installed_in_site() -> bool:
    """Whether mlgate lives in a site-packages folder (a fresh interpreter finds it)."""
    import site

    folders = [*site.getsitepackages(), site.getusersitepackages()]
    return os.path.realpath(MLGATE_SRC) in {os.path.realpath(f) for f in folders}


def child_env(seed: int) -> dict[str, str]:
    """This process's environment with ``PYTHONHASHSEED`` set from ``seed``, unbuffered
    output, and (in a source checkout) this mlgate on ``PYTHONPATH``."""
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = str(seed % 2**32)
    env["PYTHONUNBUFFERED"] = "1"
    if not _installed_in_site():
        paths = [MLGATE_SRC, *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def _exited(proc: subprocess.Popen[bytes], timeout: float | None) -> bool:
    """Wait until the child exits, without reaping it (so its process group id stays
    taken until the group is killed); False when the timeout passes first."""
    deadline = None if timeout is None else time.monotonic() + timeout
    if not hasattr(os, "waitid"):  # pragma: no cover - Windows
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    delay = 0.001
    while True:
        state = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if state is not None:
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.02)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the child's whole process group (its own children too)."""
    if os.name == "nt":  # pragma: no cover
        with contextlib.suppress(OSError):
            proc.kill()
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _stop(proc: subprocess.Popen[bytes], *, dump: bool) -> None:
    if dump and hasattr(signal, "SIGUSR1"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGUSR1)
        _exited(proc, _DUMP_GRACE)
    _kill_group(proc)
    proc.wait()


def run_logged(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log_path: Path,
    timeout: float | None,
) -> tuple[int | None, float]:
    """Run ``argv`` with stdout and stderr in ``log_path``; its exit code (None when it
    ran past ``timeout`` and was stopped) and the seconds it took.

    The child runs in a new session; when it ends, or is stopped, or the caller is
    interrupted, its whole process group is killed. Before a timeout kill it gets
    SIGUSR1, on which mlgate's child dumps its stacks into the log.
    """
    start = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=os.name != "nt",
        )
        try:
            finished = _exited(proc, timeout)
        except BaseException:
            _stop(proc, dump=False)
            raise
        if not finished:
            _stop(proc, dump=True)
            return None, time.monotonic() - start
        _kill_group(proc)
        code = proc.wait()
    return code, time.monotonic() - start


def tail(log_path: Path, lines: int = 25) -> str:
    """The last ``lines`` lines of a log (of its last 16 KiB)."""
    try:
        with open(log_path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 16384))
            text = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def stack_at_timeout(log_path: Path) -> str:
    """The user's frames from the stack dump the child wrote when it was stopped."""
    text = tail(log_path, 400)
    marker = text.rfind("(most recent call first):")
    if marker < 0:
        return ""
    block = text[text.rfind("\n", 0, marker) + 1 :]
    lines = [
        line
        for line in block.splitlines()
        if line.strip() and MLGATE_SRC not in line and "<frozen " not in line
    ]
    return "\n".join(lines[:20])
