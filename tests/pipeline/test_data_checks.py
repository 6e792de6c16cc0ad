"""The run's check stage: data that the production model cannot read stops the run
before training (exit 3, each column named); each version carries its reference profile."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from mlgate.config import Settings
from mlgate.data import Profile
from mlgate.pipeline.api import run
from mlgate.pipeline.query import show_run
from mlgate.store.stores import open_stores

from .conftest import write_spec

DATA = "data/breast_cancer.parquet"


def test_renamed_retyped_and_dropped_columns_stop_the_run_before_training(
    project: Path, settings: Settings
) -> None:
    first = run(settings=settings)
    assert first.exit_code == 0, first.run.error
    with open_stores(settings) as stores:
        version = stores.metadata.get_version("cancer", 1)
        assert version is not None
        assert version.profile is not None
        profile = Profile.from_dict(version.profile)
        assert "mean radius" in profile.columns
        assert "target" in profile.columns
        assert profile.n > 0

    frame = pd.read_parquet(project / DATA)
    frame = frame.rename(columns={"mean radius": "mean radius (mm)"})
    frame["mean texture"] = frame["mean texture"].map(lambda v: f"{v:.2f} units")
    frame = frame.drop(columns=["worst area"])
    frame.to_parquet(project / DATA, index=False)

    outcome = run(settings=settings)
    assert outcome.exit_code == 3
    assert outcome.run.status == "failed"
    error = outcome.run.error or ""
    assert (
        "the column 'mean radius' (float64) that the production model (cancer v1) reads "
        "is missing; was it renamed to 'mean radius (mm)'?" in error
    )
    assert (
        "the column 'mean texture' is str (string), but the production model (cancer v1) "
        "was trained on float64 (float)" in error
    )
    assert (
        "the column 'worst area' (float64) that the production model (cancer v1) reads "
        "is missing" in error
    )
    stages = {s.name for s in show_run(outcome.run.id, settings=settings).stages}
    assert not any(name.startswith("train") for name in stages)
    with open_stores(settings) as stores:
        assert [v.version for v in stores.metadata.list_versions("cancer")] == [1]


def test_compatibility_off_lets_the_run_through_to_evaluation(
    project: Path, settings: Settings
) -> None:
    write_spec(project, **{"label: target": "label: target\n  checks: {compatibility: warn}"})
    assert run(settings=settings).exit_code == 0
    frame = pd.read_parquet(project / DATA).drop(columns=["worst area"])
    frame.to_parquet(project / DATA, index=False)
    outcome = run(settings=settings)
    check = next(s for s in show_run(outcome.run.id, settings=settings).stages if s.name == "check")
    assert check.status == "passed"
    with open_stores(settings) as stores:
        assert check.output_digest is not None
        output = json.loads(stores.artifacts.get_bytes(check.output_digest))
    assert any("'worst area'" in w for w in output["warnings"])
