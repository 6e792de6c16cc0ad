"""Input drift and prediction drift per window: few false alarms, the right columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlgate.config import Settings
from mlgate.monitor import monitor
from mlgate.spec import Window

from .helpers import NAME, T0, features, make_project, register, truth, write_log


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """v1 in production: a reference profile of 5000 rows and holdout predictions."""
    settings = make_project(tmp_path / "proj")
    register(settings, features(5000, seed=1), holdout_predictions=truth(features(2000, seed=2)))
    return settings


def test_no_drift_over_200_windows_raises_at_most_2_alarms(settings: Settings) -> None:
    live = features(200 * 250, seed=11)
    write_log(settings, live, truth(live), version=1, step=0.5, batch=50, segment=5000)
    report = monitor(NAME, settings=settings, window=Window(count=250))
    assert len(report.windows) == 200
    assert all(w.complete and w.drift is not None for w in report.windows)
    assert all(w.prediction_drift is not None for w in report.windows)
    alarms = [a for a in report.alerts if a.kind in {"drift", "prediction_drift"}]
    assert len(alarms) <= 2, [a.sentence for a in alarms]


def test_drifted_traffic_is_flagged_with_its_columns(settings: Settings) -> None:
    steady = features(1000, seed=12)
    moved = features(1000, seed=13, shift={"x2": 1.0, "x3": 1.5})
    write_log(settings, steady, truth(steady), version=1, batch=20)
    write_log(settings, moved, truth(moved), version=1, batch=20, start=T0 + 5000, prefix="m")
    report = monitor(NAME, settings=settings, window=Window(count=500))
    assert [w.drifted_columns for w in report.windows] == [(), (), ("x2", "x3"), ("x2", "x3")]
    assert [w.max_effect for w in report.windows[:2]] == [0.0, 0.0]
    assert all(w.max_effect > 0.4 for w in report.windows[2:])
    drift = [a for a in report.alerts if a.kind == "drift"]
    assert [a.window for a in drift] == ["count:500:2", "count:500:3"]
    largest = report.windows[2].max_effect
    assert drift[0].sentence == f"drift on 2/5 features (x2, x3), largest effect {largest:.2f}"
    assert set(drift[0].evidence["drifted_columns"]) == {"x2", "x3"}
    assert drift[0].version == 1
    assert drift[0].route == "primary"


def test_prediction_drift_against_the_holdout(settings: Settings) -> None:
    live = features(1000, seed=14)
    always_one = np.ones(len(live), dtype=np.int64)  # the holdout's predictions are mixed
    write_log(settings, live, always_one, version=1, batch=20)
    report = monitor(NAME, settings=settings, window=Window(count=500))
    kinds = [a.kind for a in report.alerts]
    assert kinds == ["prediction_drift", "prediction_drift"]
    assert report.alerts[0].sentence.startswith(
        "prediction drift: the mix of predicted classes moved away from the holdout's"
    )
    assert all(w.drifted_columns == () for w in report.windows)


def test_versions_without_references_are_noted(tmp_path: Path) -> None:
    settings = make_project(tmp_path / "proj")
    register(settings, features(500, seed=1), profile=False)
    live = features(600, seed=15, shift={"x1": 3.0})
    write_log(settings, live, truth(live), version=1, batch=20)
    report = monitor(NAME, settings=settings, window=Window(count=300))
    assert all(w.drift is None and w.prediction_drift is None for w in report.windows)
    assert all(w.max_effect == 0.0 for w in report.windows)
    assert report.alerts == ()
    assert any("v1 has no reference profile" in note for note in report.notes)
    assert any("v1 was not registered by a run" in note for note in report.notes)
