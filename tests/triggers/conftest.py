"""A real project whose triggers are configured for tests (no debounce, no cooldown)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.config import Settings
from mlgate.project import init

from ..pipeline.conftest import write_spec

TRIGGERS = """\
triggers:
  cooldown: 0s
  data: {debounce: 0s}
executor: local"""


def write_triggers(project: Path, triggers: str = TRIGGERS, **replace: str) -> None:
    """mlgate.yaml of the pipeline tests with a ``triggers:`` section."""
    write_spec(project, **{"executor: local": triggers, **replace})


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "cancer"
    init(root, name="cancer")
    write_triggers(root)
    return root


@pytest.fixture
def settings(project: Path) -> Settings:
    return Settings.load(project=project)
