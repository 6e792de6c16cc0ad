"""Live metrics with intervals once delayed labels arrive, and degradation alerts."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from mlgate.monitor import monitor
from mlgate.spec import Window

from .helpers import NAME, add_labels, features, labels_of, make_project, register, truth, write_log


def _wrong(share: float, n: int, seed: int) -> np.ndarray[tuple[int], np.dtype[np.bool_]]:
    return np.random.default_rng(seed).random(n) < share


def test_degradation_once_the_delayed_labels_arrive(tmp_path: Path) -> None:
    settings = make_project(
        tmp_path / "proj",
        gates=[{"metric": "accuracy", "min": 0.8}],
        triggers={"degradation": {"metric": "accuracy", "min": 0.85}},
    )
    register(settings, features(3000, seed=1))
    good, bad = features(800, seed=2), features(800, seed=3)
    good_out = np.where(_wrong(0.05, 800, 4), 1 - truth(good), truth(good))
    bad_out = np.where(_wrong(0.40, 800, 5), 1 - truth(bad), truth(bad))
    first = write_log(settings, good, good_out, version=1, batch=10)
    second = write_log(
        settings, bad, bad_out, version=1, batch=10, start=time.time() - 3600, prefix="b"
    )

    before = monitor(NAME, settings=settings, window=Window(count=400))
    assert [w.labelled for w in before.windows] == [0, 0, 0, 0]
    assert all(w.metrics == {} for w in before.windows)
    assert before.alerts == ()

    add_labels(settings, labels_of(first + second))  # the labels arrive days later
    after = monitor(NAME, settings=settings, window=Window(count=400))
    assert [w.labelled for w in after.windows] == [400, 400, 400, 400]
    accuracy = [w.metrics["accuracy"] for w in after.windows]
    assert all(i.low < i.estimate < i.high for i in accuracy)
    assert all(i.confidence == 0.95 for i in accuracy)
    assert accuracy[0].low > 0.85  # the good weeks hold
    assert accuracy[3].high < 0.8  # the bad ones are below both floors, with confidence
    degraded = [a for a in after.alerts if a.kind == "degradation"]
    assert {a.window for a in degraded} == {"count:400:2", "count:400:3"}
    assert {a.evidence["source"] for a in degraded} == {"gates", "triggers.degradation"}
    sentence = next(a.sentence for a in degraded if a.evidence["source"] == "gates")
    assert sentence.startswith("live accuracy 0.")
    assert "on 400 labelled rows: even its upper 95% bound is below the floor 0.8 (gates)" in (
        sentence
    )
    # the log was written without class scores: roc_auc is left out, and says why
    for window in after.windows:
        (note,) = [n for n in window.notes if n.startswith("roc_auc")]
        assert note.startswith("roc_auc not computed: none of the labelled rows has a logged")


def test_labels_later_than_max_delay_are_not_joined(tmp_path: Path) -> None:
    settings = make_project(
        tmp_path / "proj", monitor={"window": 200, "labels": {"max_delay": "1d"}}
    )
    register(settings, features(1000, seed=1))
    old, recent = features(200, seed=2), features(200, seed=3)
    two_days_ago = write_log(settings, old, truth(old), version=1, batch=10)  # starts at T0
    this_hour = write_log(
        settings, recent, truth(recent), version=1, batch=10, start=time.time() - 600, prefix="n"
    )
    add_labels(settings, labels_of(two_days_ago + this_hour))
    report = monitor(NAME, settings=settings)
    assert [(w.labelled, w.late) for w in report.windows] == [(0, 200), (200, 0)]
    assert report.windows[0].metrics == {}
    assert "200 label(s) came later than labels.max_delay and were left out" in (
        report.windows[0].notes
    )
    assert report.windows[1].metrics["accuracy"].estimate == 1.0


def test_too_few_labels_give_no_metrics(tmp_path: Path) -> None:
    settings = make_project(tmp_path / "proj", gates=[{"metric": "accuracy", "min": 0.99}])
    register(settings, features(1000, seed=1))
    live = features(500, seed=2)
    found = write_log(settings, live, 1 - truth(live), version=1, batch=1)
    add_labels(settings, labels_of(found[:10]))
    [window] = monitor(NAME, settings=settings).windows
    assert window.labelled == 10
    assert window.metrics == {}
    assert window.alerts == ()  # all ten wrong, but ten rows prove nothing
    assert "only 10 labelled row(s): live metrics need at least 20" in window.notes


def test_regression_metrics(tmp_path: Path) -> None:
    settings = make_project(
        tmp_path / "proj", evaluate={"task": "regression", "metrics": ["mae", "rmse"]}
    )
    holdout = features(1000, seed=9)["x2"].to_numpy()
    register(settings, features(1000, seed=1), holdout_predictions=holdout)
    live = features(300, seed=2)
    values = live["x2"].to_numpy()
    found = write_log(settings, live, values + 0.5, version=1, batch=3)
    add_labels(settings, labels_of(found, lambda frame: frame["x2"].round().astype(int)))
    [window] = monitor(NAME, settings=settings, window=Window(count=300)).windows
    assert window.labelled == 300
    assert set(window.metrics) == {"mae", "rmse"}
    assert 0.3 < window.metrics["mae"].estimate < 0.8
    assert window.prediction_drift is not None  # numbers: KS and Wasserstein on the values
    assert window.prediction_drift.columns[0].test == "ks (binned)"
    effect = window.prediction_drift.columns[0].effect_size
    assert effect is not None
    assert 0.1 < effect < 0.45  # shifted by 0.5, a quarter of the values' deviation


def test_labels_match_outputs_of_another_type(tmp_path: Path) -> None:
    settings = make_project(tmp_path / "proj")
    register(settings, features(1000, seed=1))
    live = features(100, seed=2)
    found = write_log(settings, live, truth(live), version=1)  # outputs are 0 and 1
    text = [(rid, row, str(value)) for rid, row, value in labels_of(found)]  # "0" and "1"
    text[:10] = [(rid, row, "yes") for rid, row, _ in text[:10]]  # no class the model knows
    add_labels(settings, text)
    [window] = monitor(NAME, settings=settings, window=Window(count=100)).windows
    assert window.metrics["accuracy"].estimate == 0.9
