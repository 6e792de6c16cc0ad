"""Shared output helpers for commands: JSON, sizes, times, progress bars."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, is_dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["ByteProgress", "console", "human_bytes", "interactive", "print_json", "short"]


def console(*, stderr: bool = False) -> Console:
    """A rich console (colours only on a terminal)."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Not a terminal (a pipe, CI logs): wide enough that tables keep ids whole.
    width = None if stream.isatty() else 200
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width, markup=False)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON on stdout (dataclasses, datetimes and paths included)."""
    sys.stdout.write(json.dumps(value, default=_default, indent=2, ensure_ascii=False) + "\n")


def human_bytes(n: int) -> str:
    """``1536`` → ``1.5 KiB``."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def short(digest: str) -> str:
    """The first 12 characters of an id, as shown in tables."""
    return digest[:12]


def interactive() -> bool:
    """Whether progress bars make sense: a terminal, and not CI."""
    return sys.stderr.isatty() and os.environ.get("CI", "").lower() not in {"1", "true", "yes"}


class ByteProgress:
    """A rich byte progress bar on stderr that appears only for large work.

    Pass ``start`` as a snapshot's ``on_files`` and ``advance`` as its ``progress``.
    """

    def __init__(
        self, description: str, *, enabled: bool, min_bytes: int = 64 * 1024 * 1024
    ) -> None:
        self.description = description
        self.enabled = enabled
        self.min_bytes = min_bytes
        self._bar: Any = None
        self._task: Any = None

    def start(self, _n_files: int, n_bytes: int) -> None:
        """Show the bar if ``n_bytes`` is worth one."""
        if not self.enabled or n_bytes < self.min_bytes:
            return
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self._bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(binary_units=True),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(self.description, total=n_bytes)

    def advance(self, n_bytes: int, _n_files: int) -> None:
        """Count work done."""
        if self._bar is not None:
            self._bar.advance(self._task, n_bytes)

    def __enter__(self) -> ByteProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
