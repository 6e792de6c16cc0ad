"""Metrics agree with scikit-learn, on whole holdouts and under resampling weights."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn import metrics as skm

from mlgate.errors import ConfigError, DataError
from mlgate.spec import CLASSIFICATION_METRICS, LOWER_IS_BETTER, REGRESSION_METRICS
from mlgate.validate import (
    METRICS,
    MetricFailed,
    Predictions,
    UndefinedMetric,
    compute_metric,
    custom_metric,
    load_custom_metrics,
    metric_spec,
)

from .conftest import Scored

Reference = Callable[[Predictions], float]

BINARY: dict[str, Reference] = {
    "accuracy": lambda p: skm.accuracy_score(p.y_true, p.y_pred),
    "balanced_accuracy": lambda p: skm.balanced_accuracy_score(p.y_true, p.y_pred),
    "precision": lambda p: skm.precision_score(p.y_true, p.y_pred),
    "recall": lambda p: skm.recall_score(p.y_true, p.y_pred),
    "f1": lambda p: skm.f1_score(p.y_true, p.y_pred),
    "precision_macro": lambda p: skm.precision_score(p.y_true, p.y_pred, average="macro"),
    "recall_macro": lambda p: skm.recall_score(p.y_true, p.y_pred, average="macro"),
    "f1_macro": lambda p: skm.f1_score(p.y_true, p.y_pred, average="macro"),
    "roc_auc": lambda p: skm.roc_auc_score(p.y_true, p.y_score),
    "log_loss": lambda p: skm.log_loss(p.y_true, p.y_score),
    "brier": lambda p: skm.brier_score_loss(p.y_true, p.y_score),
}

MULTICLASS: dict[str, Reference] = {
    "accuracy": lambda p: skm.accuracy_score(p.y_true, p.y_pred),
    "balanced_accuracy": lambda p: skm.balanced_accuracy_score(p.y_true, p.y_pred),
    "precision": lambda p: skm.precision_score(p.y_true, p.y_pred, average="macro"),
    "recall": lambda p: skm.recall_score(p.y_true, p.y_pred, average="macro"),
    "f1": lambda p: skm.f1_score(p.y_true, p.y_pred, average="macro"),
    "f1_macro": lambda p: skm.f1_score(p.y_true, p.y_pred, average="macro"),
    "roc_auc": lambda p: skm.roc_auc_score(
        p.y_true, p.y_score, multi_class="ovr", labels=list(p.classes or ())
    ),
    "log_loss": lambda p: skm.log_loss(p.y_true, p.y_score, labels=list(p.classes or ())),
    "brier": lambda p: skm.brier_score_loss(p.y_true, p.y_score, labels=list(p.classes or ())),
}

REGRESSION: dict[str, Reference] = {
    "mae": lambda p: skm.mean_absolute_error(p.y_true, p.y_pred),
    "rmse": lambda p: skm.root_mean_squared_error(p.y_true, p.y_pred),
    "r2": lambda p: skm.r2_score(p.y_true, p.y_pred),
    "mape": lambda p: skm.mean_absolute_percentage_error(p.y_true, p.y_pred),
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_metrics_match_sklearn(name: str, cancer: Scored) -> None:
    for p in (cancer.challenger, cancer.champion):
        assert compute_metric(name, p) == pytest.approx(BINARY[name](p), abs=1e-12)


@pytest.mark.parametrize("name", sorted(MULTICLASS))
def test_multiclass_metrics_match_sklearn(name: str, wine: Scored) -> None:
    for p in (wine.challenger, wine.champion):
        assert compute_metric(name, p) == pytest.approx(MULTICLASS[name](p), abs=1e-12)


@pytest.mark.parametrize("name", sorted(REGRESSION))
def test_regression_metrics_match_sklearn(name: str, diabetes: Scored) -> None:
    for p in (diabetes.challenger, diabetes.champion):
        got = compute_metric(name, p, task="regression")
        assert got == pytest.approx(REGRESSION[name](p), rel=1e-12)


def test_string_labels_take_the_larger_label_as_positive_unless_told() -> None:
    y = np.array(["no", "yes", "yes", "no", "yes", "no"])
    pred = np.array(["no", "yes", "no", "no", "yes", "yes"])
    p = Predictions(y, pred, np.array([0.1, 0.9, 0.4, 0.2, 0.8, 0.6]))
    assert compute_metric("precision", p) == skm.precision_score(y, pred, pos_label="yes")
    assert compute_metric("recall", p, pos_label="no") == skm.recall_score(y, pred, pos_label="no")


def test_zero_division_gives_zero_like_sklearn() -> None:
    y = np.array([0, 1, 1, 0])
    nothing = np.zeros(4, dtype=int)
    p = Predictions(y, nothing)
    assert compute_metric("precision", p) == 0.0
    assert compute_metric("f1", p) == skm.f1_score(y, nothing, zero_division=0)


def test_r2_of_a_constant_target_follows_sklearn() -> None:
    y = np.full(5, 3.0)
    assert compute_metric("r2", Predictions(y, y.copy()), task="regression") == 1.0
    assert compute_metric("r2", Predictions(y, y + 1), task="regression") == 0.0


@pytest.mark.parametrize("name", sorted(BINARY))
def test_weighted_values_equal_the_metric_on_repeated_rows(name: str, cancer: Scored) -> None:
    """What the bootstrap computes for a count vector is the metric of the rows it repeats;
    scores are rounded so that AUC meets ties within and across classes."""
    p = cancer.challenger
    assert p.y_score is not None
    rounded = Predictions(p.y_true, p.y_pred, np.round(p.y_score, 1))
    statistic = METRICS[name].statistic([rounded, cancer.champion])
    weights = np.random.default_rng(3).multinomial(p.n, np.full(p.n, 1 / p.n), size=5)
    values = statistic.values(weights)
    for row, counts in enumerate(weights):
        rows = np.repeat(np.arange(p.n), counts)
        for column, model in enumerate((rounded, cancer.champion)):
            expected = BINARY[name](model.take(rows))
            assert values[row, column] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("name", ["accuracy", "f1", "roc_auc", "log_loss"])
def test_leave_one_out_matches_brute_force(name: str, cancer: Scored) -> None:
    p = cancer.champion
    assert p.y_score is not None
    rounded = Predictions(p.y_true, p.y_pred, np.round(p.y_score, 2))
    statistic = METRICS[name].statistic([rounded])
    counts = np.random.default_rng(4).integers(1, 3, rounded.n)
    values, weights = statistic.leave_one_out(counts)
    brute = statistic.values(counts[None, :] - np.eye(rounded.n, dtype=np.int64))
    np.testing.assert_allclose(values, brute, atol=1e-12)
    np.testing.assert_array_equal(weights, counts)


def test_registry_matches_the_spec_names() -> None:
    classification = {n for n, s in METRICS.items() if "classification" in s.tasks}
    regression = {n for n, s in METRICS.items() if "regression" in s.tasks}
    assert classification == set(CLASSIFICATION_METRICS)
    assert regression == set(REGRESSION_METRICS)
    assert {n for n, s in METRICS.items() if not s.higher_is_better} == LOWER_IS_BETTER
    assert {n for n, s in METRICS.items() if s.needs_score} == {"roc_auc", "log_loss", "brier"}
    assert METRICS["accuracy"].decomposable
    assert not METRICS["f1"].decomposable


# -- bad input


def test_unknown_metric_suggests_the_nearest() -> None:
    with pytest.raises(ConfigError, match=r"unknown metric 'acuracy'; did you mean 'accuracy'\?"):
        metric_spec("acuracy")


def test_metric_of_the_other_task_says_which_task_it_needs() -> None:
    with pytest.raises(
        ConfigError, match=r"'roc_auc' is a classification metric, but the task is regression"
    ) as caught:
        metric_spec("roc_auc", task="regression")
    assert caught.value.hint is not None
    assert "mae, rmse, r2, mape" in caught.value.hint


def test_auc_on_one_class_says_why_and_what_to_do() -> None:
    y = np.ones(40, dtype=int)
    p = Predictions(y, y, np.linspace(0.1, 0.9, 40))
    with pytest.raises(UndefinedMetric, match=r"all 40 rows have the label 1") as caught:
        compute_metric("roc_auc", p)
    assert "needs rows of both classes" in caught.value.message
    assert caught.value.hint is not None
    assert "stratified holdout" in caught.value.hint
    assert isinstance(caught.value, DataError)


def test_score_metric_without_scores_is_a_data_error(cancer: Scored) -> None:
    p = Predictions(cancer.challenger.y_true, cancer.challenger.y_pred)
    with pytest.raises(DataError, match="needs scores"):
        compute_metric("log_loss", p)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Predictions(np.zeros(3), np.zeros(4)), "y_true has 3 rows but y_pred has 4"),
        (lambda: Predictions(np.zeros(0), np.zeros(0)), "no rows to evaluate"),
        (lambda: Predictions(np.zeros((2, 2)), np.zeros((2, 2))), "one-dimensional"),
        (lambda: Predictions(np.zeros(2), np.zeros(2), np.array([0.1, np.nan])), "1 missing"),
        (lambda: Predictions(np.zeros(2), np.zeros(2), np.zeros(3)), "shape"),
    ],
)
def test_malformed_predictions_are_data_errors(make: Callable[[], Any], message: str) -> None:
    with pytest.raises(DataError, match=message):
        make()


def test_models_on_different_rows_cannot_be_compared(cancer: Scored) -> None:
    other = cancer.champion.take(np.arange(10))
    with pytest.raises(DataError, match="different rows"):
        METRICS["accuracy"].statistic([cancer.challenger, other])


def test_regression_with_missing_values_is_a_data_error() -> None:
    p = Predictions(np.array([1.0, 2.0, 3.0]), np.array([1.0, np.nan, 2.0]))
    with pytest.raises(DataError, match="y_pred has 1 missing or infinite values"):
        compute_metric("mae", p, task="regression")


# -- user metrics


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module of user metrics, importable as ``user_metrics_mod``."""
    (tmp_path / "user_metrics_mod.py").write_text(
        textwrap.dedent(
            """
            import numpy as np

            def hit_rate(y_true, y_pred):
                return float(np.mean(y_true == y_pred))

            def mean_score(y_true, y_pred, y_score):
                return float(np.mean(y_score))

            def explode(y_true, y_pred):
                raise ValueError("the metric exploded")

            def text(y_true, y_pred):
                return "high"

            not_callable = 3
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "user_metrics_mod"
    sys.modules.pop("user_metrics_mod", None)


def test_custom_metrics_load_by_path_and_get_scores_when_they_take_them(
    user_module: str, cancer: Scored
) -> None:
    metrics = load_custom_metrics(
        {"hits": f"{user_module}:hit_rate", "mean_score": f"{user_module}:mean_score"}
    )
    p = cancer.challenger
    assert p.y_score is not None
    assert compute_metric("hits", p, custom=metrics) == pytest.approx(BINARY["accuracy"](p))
    assert compute_metric("mean_score", p, custom=metrics) == pytest.approx(p.y_score.mean())
    assert metrics["mean_score"].needs_score
    assert (
        metric_spec("hits", task="regression", custom=metrics).target == f"{user_module}:hit_rate"
    )


def test_custom_metric_that_raises_names_the_function_and_keeps_the_traceback(
    user_module: str, cancer: Scored
) -> None:
    spec = custom_metric("boom", f"{user_module}:explode")
    with pytest.raises(
        MetricFailed, match=r"'boom' \(user_metrics_mod:explode\) raised ValueError"
    ) as caught:
        compute_metric(spec, cancer.challenger)
    assert caught.value.where == f"{user_module}:explode"
    assert isinstance(caught.value.__cause__, ValueError)
    assert 'raise ValueError("the metric exploded")' in caught.value.detail
    assert "mlgate/validate" not in caught.value.detail


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("user_metrics_mod:text", r"returned 'high' \(str\); a metric returns one number"),
        ("user_metrics_mod:missing", r"'user_metrics_mod' has no 'missing'"),
        ("user_metrics_mod:not_callable", "is not a function"),
        ("no_such_module_xyz:f", "cannot import the metric's module 'no_such_module_xyz'"),
    ],
)
def test_broken_custom_metrics_say_what_is_wrong(
    user_module: str, cancer: Scored, target: str, message: str
) -> None:
    with pytest.raises(MetricFailed, match=message):
        compute_metric(custom_metric("mine", target), cancer.challenger)


def test_pos_label_must_be_one_of_the_labels() -> None:
    p = Predictions(np.array([0, 1, 1]), np.array([0, 1, 0]))
    with pytest.raises(DataError, match=r"pos_label 'yes' is not one of the labels \[0, 1\]"):
        compute_metric("precision", p, pos_label="yes")
