"""``mlgate`` as a real subprocess, with none of this process's MLGATE_* settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def mlgate(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m mlgate ARGS`` in ``cwd``; never raises for a non-zero exit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLGATE_")}
    return subprocess.run(
        [sys.executable, "-m", "mlgate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
