"""Windows streamed segment by segment equal the same windows computed on the whole log."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlgate.config import Settings
from mlgate.data._drift import drift
from mlgate.data._profile import Profile, profile_frame
from mlgate.deploy.predlog import read_log
from mlgate.deploy.run import log_folder
from mlgate.errors import DataError, NotFoundError, UsageError
from mlgate.monitor import MonitorReport, WindowResult, monitor, parse_window
from mlgate.spec import Window
from mlgate.store.stores import open_stores
from mlgate.validate.bootstrap import bootstrap_metric
from mlgate.validate.metrics import Predictions

from .helpers import (
    FEATURES,
    NAME,
    T0,
    add_labels,
    features,
    labels_of,
    make_project,
    records,
    register,
    truth,
    write_log,
    write_records,
)


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """v1 on the primary route and v2 on the canary route, interleaved in time, in
    segments that cut across windows; labels for every other request."""
    settings = make_project(tmp_path_factory.mktemp("windows") / "proj")
    reference = features(3000, seed=1)
    register(settings, reference, holdout_predictions=truth(features(600, seed=2)))
    register(settings, reference, alias="candidate")
    first = features(1300, seed=3)
    second = features(700, seed=4, shift={"x2": 0.5})
    noisy = truth(first)
    noisy[::7] = 1 - noisy[::7]
    found = records(first, noisy, version=1, step=5.0, batch=10)
    found += records(second, truth(second), version=2, route="canary", step=9.0, batch=10)
    found.sort(key=lambda r: r.at)
    write_records(settings, found, segment=330)
    add_labels(settings, labels_of(found[::2]))
    return settings


def _reference(settings: Settings, version: int) -> Profile:
    with open_stores(settings) as stores:
        record = stores.metadata.get_version(NAME, version)
    assert record is not None
    assert record.profile is not None
    profile = Profile.from_dict(record.profile)
    return Profile(profile.n, {k: v for k, v in profile.columns.items() if k in FEATURES})


def _whole(settings: Settings, window: Window) -> dict[tuple[int, str, str], dict[str, Any]]:
    """The windows computed from the whole log at once (the slow, obvious way)."""
    frame = read_log(log_folder(settings, NAME))
    with open_stores(settings) as stores:
        labels = pd.DataFrame(
            list(stores.metadata.get_labels(NAME)), columns=["request_id", "row", "label"]
        )
    frame = frame.merge(labels, how="left", on=["request_id", "row"], sort=False)
    nanos = frame["time"].astype("datetime64[ns, UTC]").astype("int64").to_numpy()
    frame["ns"] = nanos
    out = {}
    groups: Any = frame.groupby(["version", "route"], sort=False)
    for (version, route), group in groups:
        if window.count is not None:
            numbers = np.arange(len(group)) // window.count
            keys = [f"count:{window.count}:{n}" for n in numbers]
        else:
            assert window.seconds is not None
            numbers = group["ns"].to_numpy() // (window.seconds * 10**9)
            keys = [f"time:{window.seconds}:{n * window.seconds}" for n in numbers]
        reference = _reference(settings, int(version))
        for key, part in group.groupby(np.asarray(keys), sort=False):
            inputs = part[[f"input.{c}" for c in FEATURES]]
            inputs.columns = FEATURES
            current = profile_frame(inputs, like=reference)
            report = drift(reference, current, correction="holm", share=0.25, threads=1)
            labelled = part[part["label"].notna()]
            metric = None
            if len(labelled) >= 20:
                predictions = Predictions(
                    labelled["label"].to_numpy(dtype=float),
                    labelled["output"].to_numpy(dtype=float),
                )
                metric = bootstrap_metric(
                    "accuracy", predictions, resamples=400, threads=1
                ).challenger.interval(0.95)
            out[(int(version), str(route), str(key))] = {
                "rows": len(part),
                "drift": report,
                "labelled": len(labelled),
                "accuracy": metric,
            }
    return out


def _same(streamed: MonitorReport, whole: dict[tuple[int, str, str], dict[str, Any]]) -> None:
    assert {(w.version, w.route, w.key) for w in streamed.windows} == set(whole)
    for result in streamed.windows:
        expected = whole[(result.version, result.route, result.key)]
        assert result.rows == expected["rows"]
        assert result.labelled == expected["labelled"]
        assert result.drift is not None
        for got, want in zip(result.drift.columns, expected["drift"].columns, strict=True):
            assert got.column == want.column
            assert got.drifted == want.drifted
            assert got.statistic == pytest.approx(want.statistic, rel=1e-9, abs=1e-12)
            assert got.p_adjusted == pytest.approx(want.p_adjusted, rel=1e-6, abs=1e-12)
            assert got.effect_size == pytest.approx(want.effect_size, rel=1e-6, abs=1e-12)
        accuracy = expected["accuracy"]
        if accuracy is None:
            assert "accuracy" not in result.metrics
        else:
            got_metric = result.metrics["accuracy"]
            assert (got_metric.estimate, got_metric.low, got_metric.high) == (
                accuracy.estimate,
                accuracy.low,
                accuracy.high,
            )


def test_count_windows_equal_the_whole_log(logged: Settings) -> None:
    report = monitor(NAME, settings=logged, window=Window(count=250))
    assert report.window == "count:250"
    _same(report, _whole(logged, Window(count=250)))
    v1 = [w for w in report.windows if w.version == 1]
    assert [w.key for w in v1] == [f"count:250:{i}" for i in range(6)]
    assert [w.complete for w in v1] == [True] * 5 + [False]
    assert v1[-1].rows == 50
    assert v1[0].requests == 25
    assert v1[0].start == pd.Timestamp(T0, unit="s", tz="UTC")
    assert v1[0].labelled > 20
    assert 0.75 < v1[0].metrics["accuracy"].estimate < 0.95
    assert {w.route for w in report.windows if w.version == 2} == {"canary"}


def test_time_windows_equal_the_whole_log(logged: Settings) -> None:
    report = monitor(NAME, settings=logged, window=parse_window("10m"))
    assert report.window == "time:600"
    _same(report, _whole(logged, Window(seconds=600)))
    first = report.windows[0]
    assert first.key == f"time:600:{int(T0)}"
    assert (first.end - first.start).total_seconds() == 600
    assert all(w.complete for w in report.windows)  # two days ago: every window is over


def test_results_are_stored_per_window_and_replaced(logged: Settings) -> None:
    report = monitor(NAME, settings=logged, window=Window(count=250), version=1, last=2)
    assert [w.key for w in report.windows] == ["count:250:4", "count:250:5"]
    again = monitor(NAME, settings=logged, window=Window(count=250), version=1, last=2)
    assert [w.key for w in again.windows] == ["count:250:4", "count:250:5"]
    with open_stores(logged) as stores:
        stored = stores.metadata.list_windows(NAME, version=1, route="primary")
    keys = [w.key for w in stored]
    assert len(keys) == len(set(keys))  # replaced, not duplicated
    latest = next(w for w in stored if w.key == "count:250:5")
    assert latest.rows == 50
    assert latest.result["complete"] is False
    assert latest.result["drift"]["columns"]["x1"]["status"] in {"stable", "drift"}


def test_filters_by_version_and_route(logged: Settings) -> None:
    canary = monitor(NAME, settings=logged, window=Window(count=250), route="canary")
    assert {(w.version, w.route) for w in canary.windows} == {(2, "canary")}
    nothing = monitor(NAME, settings=logged, version=2, route="primary")
    assert nothing.windows == ()
    assert nothing.note == "no predictions logged for churn v2 on the primary route yet"


def test_open_windows_never_alert(tmp_path: Path) -> None:
    settings = make_project(tmp_path / "proj")
    register(settings, features(3000, seed=1))
    now = time.time()
    live = features(300, seed=5, shift={"x1": 2.0, "x2": 2.0, "x3": 2.0})
    write_log(settings, live, truth(live), version=1, start=now - 30, step=0.05, batch=5)
    by_count = monitor(NAME, settings=settings, window=Window(count=1000))
    by_time = monitor(NAME, settings=settings, window=Window(seconds=86400))
    for report in (by_count, by_time):
        [window] = report.windows
        assert not window.complete
        assert set(window.drifted_columns) >= {"x1", "x2"}  # measured, but not judged
        assert window.alerts == ()
        assert report.alerts == ()


def test_no_traffic_yet(tmp_path: Path) -> None:
    settings = make_project(tmp_path / "proj")
    register(settings, features(100, seed=1))
    report = monitor(NAME, settings=settings)
    assert report.windows == ()
    assert report.alerts == ()
    assert not report.alerting
    assert report.note == "no predictions logged for churn yet; serve it with mlgate serve churn"
    with open_stores(settings) as stores:
        assert stores.metadata.list_windows(NAME) == []


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"name": "chrun"}, NotFoundError, "no registered model is named 'chrun'; did you mean"),
        ({"version": 7}, NotFoundError, "churn has no version 7"),
        ({"route": "blue"}, UsageError, "'blue' is not a route of the model server"),
        ({"last": 0}, UsageError, "last must be at least 1"),
    ],
)
def test_bad_arguments_change_nothing(
    logged: Settings, options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with open_stores(logged) as stores:
        before = len(stores.metadata.list_windows(NAME))
    arguments = {"name": NAME, **options}
    with pytest.raises(error, match=message):
        monitor(arguments.pop("name"), settings=logged, **arguments)
    with open_stores(logged) as stores:
        assert len(stores.metadata.list_windows(NAME)) == before


def test_parse_window() -> None:
    assert parse_window("1000") == Window(count=1000)
    assert parse_window("1h30m") == Window(seconds=5400)
    with pytest.raises(UsageError, match="neither a number of predictions nor a duration"):
        parse_window("soon")
    with pytest.raises(UsageError, match="at least 1"):
        parse_window("0")


def test_report_json_is_plain(logged: Settings) -> None:
    report = monitor(NAME, settings=logged, window=Window(count=250), last=1)
    document = report.to_dict()
    window: WindowResult = report.windows[0]
    assert document["windows"][0]["key"] == window.key
    assert document["windows"][0]["max_effect"] == window.max_effect

    def finite(value: Any) -> bool:
        if isinstance(value, float):
            return math.isfinite(value)
        if isinstance(value, dict):
            return all(finite(v) for v in value.values())
        if isinstance(value, list):
            return all(finite(v) for v in value)
        return True

    assert finite(document)


def test_a_damaged_segment_is_named(tmp_path: Path) -> None:
    settings = make_project(tmp_path / "proj")
    register(settings, features(500, seed=1))
    live = features(100, seed=2)
    write_log(settings, live, truth(live), version=1)
    [day] = log_folder(settings, NAME).iterdir()
    (day / "999999999999-broken.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(DataError, match=r"cannot read the prediction log segment .*broken"):
        monitor(NAME, settings=settings)
    with open_stores(settings) as stores:
        assert stores.metadata.list_windows(NAME) == []
