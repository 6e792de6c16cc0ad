"""What the benchmark scripts share: progress output, throw-away venvs for the peers,
and a description of the machine. Each script runs as ``python bench/NAME.py``, so
this folder is on ``sys.path`` and ``from _common import …`` finds this module."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["command_output", "cpu_model", "ensure_venv", "say"]


def say(message: str) -> None:
    """Progress on stderr, so stdout holds only the Markdown."""
    print(message, file=sys.stderr, flush=True)


def ensure_venv(venv: Path, *, probe: str, packages: Sequence[str]) -> Path:
    """A throw-away venv holding ``packages`` (a peer such as DVC or MLflow, never a
    dependency of mlgate); created or completed only when ``probe`` (Python code run
    by the venv's interpreter) fails. Returns the venv's ``python``."""
    python = venv / "bin" / "python"
    if python.exists():
        check = subprocess.run([str(python), "-c", probe], capture_output=True, check=False)
        if check.returncode == 0:
            return python
    else:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    say(f"installing {', '.join(packages)} into {venv} (once)")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", *packages],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return python


def command_output(cmd: Sequence[str | Path]) -> str:
    """A command's stripped stdout, or ``?`` when it cannot run or fails."""
    try:
        return subprocess.run(
            [str(c) for c in cmd], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def cpu_model() -> str:
    """The processor's model name from /proc/cpuinfo (``?`` when unknown)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"
