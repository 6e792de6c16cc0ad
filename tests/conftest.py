"""Fixtures for the whole suite: every test starts from a clean environment.

Folders below add their own fixtures in their own ``conftest.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No MLGATE_* setting leaks in from the caller (MLGATE_TEST_* variables, which
    switch on optional backends, stay), and the working directory is a fresh
    ``tmp_path``, so a test can never create ``.mlgate/`` in the repository."""
    for name in list(os.environ):
        if name.startswith("MLGATE_") and not name.startswith("MLGATE_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session", autouse=True)
def _no_stray_project(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests make projects in temporary folders; an mlgate project in a folder above
    them (say a stray /tmp/.mlgate) would be found instead and break them. Say so."""
    base = tmp_path_factory.getbasetemp().resolve()
    for folder in base.parents:
        for marker in (".mlgate", "mlgate.yaml"):
            if (folder / marker).exists():
                pytest.exit(
                    f"{folder / marker} exists above the test folders, so mlgate would take "
                    f"{folder} for the project of every test; remove it and run again",
                    returncode=3,
                )
