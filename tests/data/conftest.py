"""Fixtures for data tests: a project folder with a small data set in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlgate.config import Settings

from .helpers import age


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    data = root / "data"
    (data / "sub").mkdir(parents=True)
    (data / "train.csv").write_text("x,y,label\n1,2.5,a\n3,4.5,b\n5,6.5,a\n")
    (data / "sub" / "extra.bin").write_bytes(bytes(range(256)) * 40)
    (data / "notes.txt").write_text("hello\n")
    (root / ".mlgate").mkdir()
    age(*[p for p in data.rglob("*") if p.is_file()])
    return root


@pytest.fixture
def settings(project: Path) -> Settings:
    return Settings.load(project=project)
