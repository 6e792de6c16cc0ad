"""Fixtures for deploy tests: one project with a registered model per test module."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.config import Settings

from .helpers import make_project, register


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A project whose ``production`` alias points at v1 (direct strategy)."""
    root: Path = tmp_path_factory.mktemp("deploy") / "proj"
    settings = make_project(root)
    register(settings)
    return settings
