"""Helpers for data tests: file trees, old mtimes, read-only folders."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

#: A time safely older than the stat cache's "too fresh to trust" window.
OLD_NS = 1_600_000_000 * 10**9


def age(*paths: Path) -> None:
    """Give files an old mtime, as data that has sat on disk for a while has."""
    for path in paths:
        os.utime(path, ns=(OLD_NS, OLD_NS))


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path → bytes), ignoring mlgate's state."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".mlgate" not in p.parts
    }


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` really read-only, also for root (a read-only bind mount)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot make a read-only bind mount here: {mounted.stderr.decode().strip()}")
    try:
        subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(folder)], check=True, capture_output=True
        )
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True, capture_output=True)
