"""Fixtures for training tests: the breast-cancer data, a project with training code in it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from mlgate.spec import RandomSplit
from mlgate.train.runner import TrainInputs, TrainJob, write_inputs
from mlgate.train.split import split_frame

from .user_code import USER_CODE

LABEL = "target"


@pytest.fixture(scope="session", autouse=True)
def _skops_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """skops' trusted-types cache goes to a folder of this session, never to ~/.cache."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture(scope="session")
def cancer() -> pd.DataFrame:
    """scikit-learn's bundled breast-cancer data: 569 rows, 30 features, label 'target'."""
    from sklearn.datasets import load_breast_cancer

    frame: pd.DataFrame = load_breast_cancer(as_frame=True).frame
    return frame


@pytest.fixture
def frame(cancer: pd.DataFrame) -> pd.DataFrame:
    """A copy of the data that a test may change."""
    return cancer.copy()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder whose train.py holds good and bad training functions."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "train.py").write_text(USER_CODE, encoding="utf-8")
    return root


@pytest.fixture
def inputs(project: Path, cancer: pd.DataFrame) -> TrainInputs:
    split = split_frame(cancer, split=RandomSplit(holdout=0.2, seed=0), label=LABEL)
    return write_inputs(split, folder=project / ".mlgate" / "inputs", label=LABEL)


@pytest.fixture
def make_job(project: Path, inputs: TrainInputs, tmp_path: Path) -> Callable[..., TrainJob]:
    """``make_job(function, seed=0, **options)``: a job with its own work folder."""
    counter = iter(range(1000))

    def make(function: str | None = None, *, seed: int = 0, **options: object) -> TrainJob:
        work = tmp_path / "work" / f"{next(counter)}-seed{seed}"
        return TrainJob(
            project=project,
            inputs=inputs,
            seed=seed,
            work_dir=work,
            function=function,
            **options,  # type: ignore[arg-type]
        )

    return make


@pytest.fixture
def clean_imports(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Modules a test imports from a project are forgotten afterwards."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        del sys.modules[name]
