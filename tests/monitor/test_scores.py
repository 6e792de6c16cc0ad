"""Class scores in the prediction log: kept when a watched metric needs them (roc_auc,
log_loss, brier), computed by the log writer off the request path, and turned into live
score-based metrics with intervals, and degradation alerts on them."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score, roc_auc_score
from sklearn.tree import DecisionTreeClassifier

from mlgate.config import Settings
from mlgate.deploy.model import ServedModel
from mlgate.deploy.predlog import LogRecord, PredictionLog, read_log
from mlgate.deploy.run import log_folder
from mlgate.monitor import monitor
from mlgate.monitor._live import scored_predictions
from mlgate.spec import Window
from mlgate.train.signature import infer_signature

from ..deploy.helpers import COLUMNS, register, rows, running, training_frame
from . import helpers


def _served(model: Any, frame: pd.DataFrame, *, array_input: bool = False) -> ServedModel:
    signature = infer_signature(frame, label="target")
    return ServedModel("churn", 1, model, signature, 0.0, array_input=array_input)


def _fitted(target: Any = None) -> tuple[LogisticRegression, pd.DataFrame]:
    frame = training_frame()
    y = frame["target"] if target is None else target
    return LogisticRegression(max_iter=500).fit(frame[COLUMNS], y), frame


def _write(folder: Path, records: list[LogRecord]) -> pd.DataFrame:
    log = PredictionLog(folder, flush_every=3600)
    log.start()
    for record in records:
        assert log.append(record)
    log.close()
    return read_log(folder)


def test_the_writer_scores_each_models_rows_in_one_call(tmp_path: Path) -> None:
    model, frame = _fitted()
    served = _served(model, frame)
    x = frame[COLUMNS].to_numpy(dtype=np.float64)
    records = [
        # the all-number fast path queues arrays; other paths queue checked frames
        LogRecord("a", 1.0, "churn", 1, "primary", x[0:3], [0, 1, 1], served.columns, served),
        LogRecord("b", 2.0, "churn", 1, "primary", frame[COLUMNS].iloc[3:5], [1, 1], (), served),
        LogRecord("c", 3.0, "churn", 1, "primary", x[5:6], [0], served.columns),  # no scorer
    ]
    logged = _write(tmp_path / "log", records)
    expected = model.predict_proba(frame[COLUMNS].iloc[:5])[:, 1]
    assert np.allclose(logged["score"].to_numpy()[:5], expected, rtol=0, atol=1e-12)
    assert logged["score_label"].tolist()[:5] == ["1"] * 5
    assert np.isnan(logged["score"].iloc[5])
    assert pd.isna(logged["score_label"].iloc[5])


def test_more_classes_get_one_score_each_and_a_failing_model_none(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    frame = training_frame()
    three = DecisionTreeClassifier(max_depth=3, random_state=0).fit(
        frame[COLUMNS], pd.cut(frame["radius"], 3, labels=["small", "mid", "large"])
    )
    served = _served(three, frame)
    x = frame[COLUMNS].to_numpy(dtype=np.float64)

    class Broken:  # a model whose predict_proba fails: the log is still written
        classes_ = np.array([0, 1])

        def predict(self, rows: Any) -> Any:
            return np.zeros(len(rows))

        def predict_proba(self, rows: Any) -> Any:
            raise ValueError("no probabilities today")

    broken = _served(Broken(), frame)
    two, _ = _fitted()
    binary = _served(two, frame)
    records = [
        LogRecord("a", 1.0, "churn", 1, "primary", x[:3], ["small"] * 3, served.columns, served),
        LogRecord("b", 2.0, "churn", 2, "primary", x[3:5], [0, 0], broken.columns, broken),
        LogRecord("c", 3.0, "churn", 3, "primary", x[5:6], [1], binary.columns, binary),
    ]
    with caplog.at_level(logging.WARNING, logger="mlgate.deploy.predlog"):
        logged = _write(tmp_path / "log", records)
    assert len(logged) == 6
    expected = three.predict_proba(frame[COLUMNS].iloc[:3])
    assert np.allclose(np.stack(logged["scores"].iloc[:3].to_list()), expected, atol=1e-12)
    assert (
        logged["score_classes"].iloc[:3].map(json.loads).to_list()
        == [[str(c) for c in three.classes_]] * 3
    )
    assert logged["score"].iloc[:5].isna().all()
    assert logged["scores"].iloc[3:].isna().all()  # the failing model's rows and the binary one
    assert logged["score"].iloc[5] == pytest.approx(
        two.predict_proba(frame[COLUMNS].iloc[5:6])[0, 1]
    )
    assert "could not score 2 logged rows: no probabilities today" in caplog.text


def test_live_roc_auc_of_a_model_with_three_classes(tmp_path: Path) -> None:
    settings = helpers.make_project(
        tmp_path / "proj",
        evaluate={"metrics": ["accuracy", "roc_auc"], "bootstrap": {"resamples": 400}},
        monitor={"window": 300},
    )
    register(settings)
    frame = training_frame()
    target = pd.cut(frame["radius"] + frame["texture"] / 3, 3, labels=False).to_numpy()
    three = LogisticRegression(max_iter=2000).fit(frame[COLUMNS].to_numpy() / 10, target)
    served = _served(_Scaled(three), frame)
    rows = frame.iloc[:300]
    _write(
        log_folder(settings, "churn"),
        _scored_records(served, rows, start=helpers.T0, prefix="m"),
    )
    helpers.add_labels(settings, [(f"m-{i}", 0, int(target[i])) for i in range(300)])
    (window,) = monitor("churn", settings=settings, window=Window(count=300)).windows
    proba = three.predict_proba(rows[COLUMNS].to_numpy() / 10)
    expected = roc_auc_score(target[:300], proba, multi_class="ovr", average="macro")
    assert window.metrics["roc_auc"].estimate == pytest.approx(expected, abs=1e-9)
    assert not [n for n in window.notes if "class score" in n]


class _Scaled:
    """A three-class model of the scaled inputs (a plain class: the log calls its methods)."""

    def __init__(self, model: LogisticRegression) -> None:
        self.model = model
        self.classes_ = model.classes_

    def predict(self, rows: Any) -> Any:
        return self.model.predict(np.asarray(rows, dtype=float) / 10)

    def predict_proba(self, rows: Any) -> Any:
        return self.model.predict_proba(np.asarray(rows, dtype=float) / 10)


def test_scored_predictions_keep_rows_with_a_score_of_one_class() -> None:
    found, positive, note = scored_predictions(
        [1, 0, 1.0, "0"], [1, 1, 0, 0], [0.9, float("nan"), 0.4, 0.2], ["1", None, "1", "1"]
    )
    assert found is not None
    assert positive == "1"
    assert found.y_true.tolist() == ["1", "1", "0"]
    assert found.y_score is not None
    assert found.y_score.tolist() == [0.9, 0.4, 0.2]
    assert note == "1 labelled row(s) have no logged class score"
    for scores, labels, why in [
        ([float("nan")] * 2, [None, None], "none of the labelled rows has a logged class score"),
        ([0.1, 0.2], ["1", "yes"], "not all for the same class"),
    ]:
        nothing, _, said = scored_predictions([1, 0], [1, 0], scores, labels)
        assert nothing is None
        assert why in said
    three, _, said = scored_predictions([0, 1, 2], [0, 1, 1], [0.1, 0.2, 0.3], ["1"] * 3)
    assert three is None
    assert "more than the two classes the scores are for" in said


def _scored_records(
    served: ServedModel | None,
    frame: pd.DataFrame,
    *,
    start: float,
    prefix: str,
    model: Any = None,
    version: int = 1,
    route: str = "primary",
) -> list[LogRecord]:
    """One-row requests answered by ``served`` (its scores kept), or by ``model`` without
    scores."""
    x = frame[COLUMNS].to_numpy(dtype=np.float64)
    outputs = (served.model if served is not None else model).predict(frame[COLUMNS])
    columns = served.columns if served is not None else tuple(COLUMNS)
    return [
        LogRecord(
            f"{prefix}-{i}",
            start + i,
            "churn",
            version,
            route,
            x[i : i + 1],
            outputs[i : i + 1],
            columns,
            served,
        )
        for i in range(len(frame))
    ]


def test_a_canary_judged_on_roc_auc(tmp_path: Path) -> None:
    from mlgate.monitor import decide_canary

    canary = {"min_requests": 200, "metric": "roc_auc", "max_drop": 0.02}
    settings = helpers.make_project(
        tmp_path / "proj",
        evaluate={"metrics": ["accuracy", "roc_auc"], "bootstrap": {"resamples": 400}},
        deploy={"production": {"strategy": "canary", "traffic": 0.5, "canary": canary}},
    )
    register(settings)
    register(settings, seed=1, alias="candidate")
    frame = training_frame()
    good, _ = _fitted()
    bad, _ = _fitted(np.random.default_rng(7).integers(0, 2, len(frame)))
    primary, served_canary = frame.iloc[:250], frame.iloc[250:500]
    folder = log_folder(settings, "churn")
    _write(folder, _scored_records(_served(good, frame), primary, start=helpers.T0, prefix="p"))
    # first the canary's rows without scores: nothing can be decided on roc_auc
    unscored = _scored_records(
        None, served_canary, start=helpers.T0 + 1, prefix="c", model=bad, version=2, route="canary"
    )
    _write(folder, unscored)
    ids = [f"p-{i}" for i in range(250)] + [f"c-{i}" for i in range(250)]
    helpers.add_labels(
        settings, [(i, 0, int(v)) for i, v in zip(ids, frame["target"].iloc[:500], strict=True)]
    )
    waiting = decide_canary("churn", settings=settings)
    assert waiting is not None
    assert (waiting.decision, waiting.state) == ("wait", "waiting")
    assert waiting.sentence == (
        "waiting for labels: the canary has 0 and the primary 250 labelled rows with a logged "
        "class score; a decision needs 20 each"
    )

    shutil.rmtree(folder)  # the same traffic again, the canary's scores kept this time
    _write(folder, _scored_records(_served(good, frame), primary, start=helpers.T0, prefix="p"))
    scored = _served(bad, frame)
    _write(
        folder,
        _scored_records(
            scored, served_canary, start=helpers.T0 + 1, prefix="c", version=2, route="canary"
        ),
    )
    verdict = decide_canary("churn", settings=settings)
    assert verdict is not None
    assert (verdict.decision, verdict.state) == ("abort", "moved")
    assert verdict.metric == "roc_auc"
    assert verdict.difference is not None
    assert verdict.difference.high < -0.02
    assert verdict.sentence.startswith("canary aborted: roc_auc 0.")
    assert "on 250 and 250 labelled rows with a logged class score" in verdict.sentence


def test_degradation_on_live_roc_auc(tmp_path: Path) -> None:
    settings = helpers.make_project(
        tmp_path / "proj",
        evaluate={"metrics": ["roc_auc"], "bootstrap": {"resamples": 400}},
        triggers={"degradation": {"metric": "roc_auc", "min": 0.8}},
        monitor={"window": 250},
    )
    register(settings)  # v1, which the log below says answered
    frame = training_frame()
    good, _ = _fitted()
    # a model that learned another question: its scores say little about the target
    noise = np.random.default_rng(7).integers(0, 2, len(frame))
    bad, _ = _fitted(noise)
    first, second = frame.iloc[:250], frame.iloc[250:500]
    folder = log_folder(settings, "churn")
    _write(folder, _scored_records(_served(good, frame), first, start=helpers.T0, prefix="g"))
    _write(folder, _scored_records(_served(bad, frame), second, start=helpers.T0 + 1e4, prefix="b"))
    ids = [f"g-{i}" for i in range(250)] + [f"b-{i}" for i in range(250)]
    helpers.add_labels(
        settings, [(i, 0, int(v)) for i, v in zip(ids, frame["target"].iloc[:500], strict=True)]
    )

    report = monitor("churn", settings=settings, window=Window(count=250))
    held, fell = (w.metrics["roc_auc"] for w in report.windows)
    expected = roc_auc_score(first["target"], good.predict_proba(first[COLUMNS])[:, 1])
    assert held.estimate == pytest.approx(expected, abs=1e-12)
    assert held.low > 0.8
    assert fell.high < 0.8
    (alert,) = [a for a in report.alerts if a.kind == "degradation"]
    assert alert.window == "count:250:1"
    assert alert.sentence.startswith("live roc_auc 0.")
    assert "even its upper 95% bound is below the floor 0.8 (triggers.degradation)" in (
        alert.sentence
    )


@pytest.mark.parametrize("pos_label", [None, 0, 1])
def test_live_metrics_follow_evaluate_pos_label(tmp_path: Path, pos_label: int | None) -> None:
    """With ``evaluate.pos_label: 0`` recall is the recall of class 0. The two-class score
    metrics (roc_auc, log_loss, brier) are the same whichever class is positive, so they use
    the logged scores of the model's second class as they are."""
    evaluate: dict[str, Any] = {"metrics": ["recall", "roc_auc"], "bootstrap": {"resamples": 400}}
    if pos_label is not None:
        evaluate["pos_label"] = pos_label
    settings = helpers.make_project(tmp_path / "proj", evaluate=evaluate, monitor={"window": 300})
    register(settings)
    frame = training_frame()
    model, _ = _fitted()
    rows = frame.iloc[:300]
    _write(
        log_folder(settings, "churn"),
        _scored_records(_served(model, frame), rows, start=helpers.T0, prefix="p"),
    )
    truth = rows["target"].to_numpy()
    helpers.add_labels(settings, [(f"p-{i}", 0, int(v)) for i, v in enumerate(truth)])
    (window,) = monitor("churn", settings=settings, window=Window(count=300)).windows
    predicted = model.predict(rows[COLUMNS])
    positive = 1 if pos_label is None else pos_label
    assert window.metrics["recall"].estimate == pytest.approx(
        recall_score(truth, predicted, pos_label=positive), abs=1e-12
    )
    score = model.predict_proba(rows[COLUMNS])[:, 1]
    assert window.metrics["roc_auc"].estimate == pytest.approx(
        roc_auc_score(truth, score), abs=1e-12
    )


def _project(root: Path, metrics: list[str]) -> Settings:
    (root / ".mlgate").mkdir(parents=True)
    spec = {
        "project": {"name": "churn"},
        "data": {"label": "target"},
        "train": {"function": "train:train"},
        "evaluate": {"metrics": metrics, "bootstrap": {"resamples": 400}},
        "deploy": {"production": {"strategy": "direct"}},
    }
    (root / "mlgate.yaml").write_text(json.dumps(spec))
    settings = Settings.load(project=root)
    register(settings)
    return settings


def test_a_server_keeps_no_scores_when_no_watched_metric_needs_them(tmp_path: Path) -> None:
    settings = _project(tmp_path / "proj", ["accuracy", "f1"])
    with running(settings) as server:
        body = {"dataframe_split": {"columns": COLUMNS, "data": rows(3)}}
        assert httpx.post(f"{server.url}/invocations", json=body).status_code == 200
    logged = read_log(log_folder(settings, "churn"))
    assert len(logged) == 3
    assert "score" not in logged.columns
    assert "score_label" not in logged.columns


def test_a_real_server_keeps_scores_when_a_metric_needs_them(tmp_path: Path) -> None:
    settings = _project(tmp_path / "proj", ["accuracy", "roc_auc", "brier"])
    frame = training_frame()
    data = rows(120)
    with running(settings) as server:
        for index in range(60):  # 60 requests of two rows, half through each protocol
            chunk = data[2 * index : 2 * index + 2]
            if index % 2:
                body: dict[str, Any] = {"dataframe_split": {"columns": COLUMNS, "data": chunk}}
                response = httpx.post(
                    f"{server.url}/invocations", json=body, headers={"X-Request-ID": f"r{index}"}
                )
            else:
                tensor = [value for row in chunk for value in row]
                body = {
                    "id": f"r{index}",
                    "inputs": [{"name": "input-0", "shape": [2, 4], "datatype": "FP64",
                                "data": tensor}],
                }  # fmt: skip
                response = httpx.post(f"{server.url}/v2/models/churn/infer", json=body)
            assert response.status_code == 200, response.text
        labels = [
            {"request_id": f"r{i}", "row": row, "label": int(frame["target"].iloc[2 * i + row])}
            for i in range(60)
            for row in (0, 1)
        ]
        stored = httpx.post(f"{server.url}/v2/models/churn/feedback", json={"labels": labels})
        assert stored.json()["inserted"] == 120
    logged = read_log(log_folder(settings, "churn"))
    logged = logged.sort_values(["request_id", "row"], key=_natural).reset_index(drop=True)
    model = LogisticRegression(max_iter=200, C=1.0).fit(frame[COLUMNS], frame["target"])
    expected = model.predict_proba(frame[COLUMNS].iloc[:120])[:, 1]
    assert np.allclose(logged["score"].to_numpy(), expected, atol=1e-9)
    assert set(logged["score_label"]) == {"1"}

    report = monitor("churn", settings=settings, window=Window(count=120))
    (window,) = report.windows
    assert set(window.metrics) == {"accuracy", "roc_auc", "brier"}
    truth = frame["target"].iloc[:120]
    assert window.metrics["roc_auc"].estimate == pytest.approx(
        roc_auc_score(truth, expected), abs=1e-9
    )
    assert window.metrics["brier"].estimate == pytest.approx(
        float(np.mean((expected - truth.to_numpy()) ** 2)), abs=1e-9
    )
    assert not [n for n in window.notes if "class score" in n]


def _natural(column: pd.Series) -> pd.Series:
    """r2 before r10: request ids and rows in the order they were sent."""
    if column.name == "request_id":
        return column.str[1:].astype(int)
    return column


def test_a_canary_waits_when_the_routes_scores_are_for_different_classes(
    tmp_path: Path,
) -> None:
    from mlgate.monitor._canary import _compare
    from mlgate.monitor._config import monitor_config
    from mlgate.monitor._log import WindowData

    settings = helpers.make_project(tmp_path / "proj")
    rng = np.random.default_rng(0)

    def window(route: str, positive: str) -> WindowData:
        data = WindowData(version=1, route=route, index=0, key="all", complete=True)
        data.y_true = rng.integers(0, 2, 50).tolist()
        data.y_pred = rng.integers(0, 2, 50).tolist()
        data.y_score = rng.random(50).tolist()
        data.score_label = [positive] * 50
        return data

    base: dict[str, Any] = {
        "model": "churn",
        "alias": "production",
        "primary": 1,
        "candidate": 2,
        "metric": "roc_auc",
        "canary_requests": 50,
        "min_requests": 10,
        "canary_labelled": 50,
        "primary_labelled": 50,
        "max_drop": 0.0,
    }
    verdict = _compare(
        settings,
        window("canary", "1"),
        window("primary", "0"),
        metric="roc_auc",
        config=monitor_config(settings),
        base=base,
    )
    assert (verdict.decision, verdict.state) == ("wait", "waiting")
    assert verdict.sentence == (
        "waiting: the canary's and the primary's logged scores are for different classes "
        "(0, 1), so roc_auc cannot be compared"
    )
