"""Fixtures for registry tests: a project folder, its settings, and who is acting."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mlgate.config import Settings


@pytest.fixture(autouse=True)
def _loopback_webhooks(_isolated: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never send a webhook off this machine; the default actor is ``ci``."""
    monkeypatch.setenv("MLGATE_WEBHOOKS_LOOPBACK_ONLY", "1")
    monkeypatch.setenv("MLGATE_USER", "ci")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    (root / ".mlgate").mkdir(parents=True)
    monkeypatch.setenv("MLGATE_PROJECT", str(root))
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def settings(project: Path) -> Settings:
    return Settings.load()


@pytest.fixture
def as_user(monkeypatch: pytest.MonkeyPatch, project: Path) -> Callable[[str], Settings]:
    """Act as ``name`` from now on; returns the settings to pass."""

    def act(name: str) -> Settings:
        monkeypatch.setenv("MLGATE_USER", name)
        return Settings.load()

    return act
