"""The bootstrap against scipy.stats.bootstrap: the same intervals on the same resamples,
and within Monte-Carlo error on its own; deterministic; bounded in memory."""

from __future__ import annotations

import doctest
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

import mlgate.validate.bootstrap as bootstrap_module
from mlgate.errors import ConfigError
from mlgate.validate import (
    METRICS,
    Predictions,
    bca_interval,
    bootstrap_metric,
    percentile_interval,
)
from mlgate.validate import budgets as budgets_module
from mlgate.validate import gates as gates_module
from mlgate.validate import metrics as metrics_module
from mlgate.validate._statistics import Statistic

from .conftest import Scored
from .helpers import simulated

Metric = Callable[[Predictions], float]
SKLEARN: dict[str, Metric] = {
    "accuracy": lambda p: skm.accuracy_score(p.y_true, p.y_pred),
    "f1": lambda p: skm.f1_score(p.y_true, p.y_pred),
    "roc_auc": lambda p: skm.roc_auc_score(p.y_true, p.y_score),
    "log_loss": lambda p: skm.log_loss(p.y_true, p.y_score, labels=[0, 1]),
}


def _scipy_with_resamples(
    n: int, statistic: Callable[[np.ndarray], float], method: str, resamples: int = 2000
) -> tuple[Any, np.ndarray]:
    """scipy's interval for a statistic of row numbers, and the resamples scipy drew.

    Values are rounded to 12 decimals: a resample whose metric equals the estimate must
    compare equal on both sides (sklearn's AUC and mlgate's differ in the last bit)."""
    drawn: list[np.ndarray] = []

    def vectorized(rows: np.ndarray, axis: int = -1) -> np.ndarray:
        if rows.ndim == 2 and rows.shape == (resamples, n):
            drawn.append(rows.copy())
        flat = rows.reshape(-1, rows.shape[-1])
        return np.round([statistic(r) for r in flat], 12).reshape(rows.shape[:-1])

    result = stats.bootstrap(
        (np.arange(n),),
        vectorized,
        n_resamples=resamples,
        vectorized=True,
        method=method,
        confidence_level=0.95,
        rng=7,
    )
    return result, drawn[0]


def _weighted(statistic: Statistic, column: int = 0) -> Callable[[np.ndarray], float]:
    """The metric of the rows given by number, computed by mlgate from their counts."""
    return lambda rows: float(
        statistic.values(np.bincount(rows, minlength=statistic.n)[None, :])[0, column]
    )


@pytest.mark.parametrize("method", ["percentile", "BCa"])
@pytest.mark.parametrize("name", ["accuracy", "f1", "roc_auc", "log_loss", "balanced_accuracy"])
def test_same_resamples_give_scipys_interval(cancer: Scored, name: str, method: str) -> None:
    """scipy and mlgate read intervals off the same resamples: the same bounds (BCa's
    acceleration from scipy's jackknife of the metric, mlgate's from closed forms)."""
    p = cancer.champion
    statistic = METRICS[name].statistic([p])
    reference, drawn = _scipy_with_resamples(p.n, _weighted(statistic), method)
    weights = np.stack([np.bincount(rows, minlength=p.n) for rows in drawn])
    distribution = np.round(statistic.values(weights)[:, 0], 12)
    estimate = round(statistic.values(np.ones((1, p.n), dtype=np.int64))[0, 0], 12)
    if method == "BCa":
        jackknife, counts = statistic.leave_one_out(np.ones(p.n, dtype=np.int64))
        low, high = bca_interval(
            estimate, distribution, jackknife[:, 0], confidence=0.95, weights=counts
        )
    else:
        low, high = percentile_interval(distribution, confidence=0.95)
    assert low == pytest.approx(reference.confidence_interval.low, rel=1e-9)
    assert high == pytest.approx(reference.confidence_interval.high, rel=1e-9)


def test_same_resamples_paired_auc_difference(cancer: Scored) -> None:
    """The reference end to end: scipy with sklearn's AUC on each resample, paired."""
    chal, champ = cancer.challenger, cancer.champion

    def difference(rows: np.ndarray) -> float:
        return SKLEARN["roc_auc"](chal.take(rows)) - SKLEARN["roc_auc"](champ.take(rows))

    reference, drawn = _scipy_with_resamples(chal.n, difference, "BCa", resamples=1000)
    statistic = METRICS["roc_auc"].statistic([chal, champ])
    weights = np.stack([np.bincount(rows, minlength=chal.n) for rows in drawn])
    values = statistic.values(weights)
    jackknife, counts = statistic.leave_one_out(np.ones(chal.n, dtype=np.int64))
    estimate = round(difference(np.arange(chal.n)), 12)
    low, high = bca_interval(
        estimate,
        np.round(values[:, 0] - values[:, 1], 12),
        jackknife[:, 0] - jackknife[:, 1],
        confidence=0.95,
        weights=counts,
    )
    assert low == pytest.approx(reference.confidence_interval.low, rel=1e-9)
    assert high == pytest.approx(reference.confidence_interval.high, rel=1e-9)


@pytest.mark.parametrize("method", ["percentile", "bca"])
@pytest.mark.parametrize("name", ["accuracy", "roc_auc"])
def test_own_resamples_agree_with_scipy_within_monte_carlo_error(
    cancer: Scored, name: str, method: str
) -> None:
    chal, champ = cancer.challenger, cancer.champion
    statistic = METRICS[name].statistic([chal, champ])
    first, second = _weighted(statistic, 0), _weighted(statistic, 1)

    def difference(rows: np.ndarray) -> float:
        return first(rows) - second(rows)

    reference, _ = _scipy_with_resamples(
        chal.n, difference, "BCa" if method == "bca" else "percentile", resamples=4000
    )
    mine = bootstrap_metric(name, chal, champ, resamples=4000, seed=11).difference
    assert mine is not None
    ci = mine.interval(0.95, method=method)  # type: ignore[arg-type]
    width = reference.confidence_interval.high - reference.confidence_interval.low
    assert ci.estimate == pytest.approx(difference(np.arange(chal.n)), abs=1e-12)
    assert abs(ci.low - reference.confidence_interval.low) < 0.1 * width
    assert abs(ci.high - reference.confidence_interval.high) < 0.1 * width


def test_paired_difference_is_narrower_than_unpaired_intervals(cancer: Scored) -> None:
    result = bootstrap_metric("roc_auc", cancer.challenger, cancer.champion, seed=1)
    assert result.champion is not None
    assert result.difference is not None
    diff = result.difference.interval()
    chal, champ = result.challenger.interval(), result.champion.interval()
    assert diff.estimate == pytest.approx(chal.estimate - champ.estimate)
    assert diff.high - diff.low < (chal.high - chal.low) + (champ.high - champ.low)


def test_same_seed_same_result_whatever_the_threads(cancer: Scored) -> None:
    runs = [
        bootstrap_metric("roc_auc", cancer.challenger, cancer.champion, seed=5, threads=t)
        for t in (1, 1, 4)
    ]
    for run in runs[1:]:
        assert run.difference is not None
        assert runs[0].difference is not None
        np.testing.assert_array_equal(run.difference.distribution, runs[0].difference.distribution)
    other = bootstrap_metric("roc_auc", cancer.challenger, cancer.champion, seed=6)
    assert other.difference is not None
    assert runs[0].difference is not None
    assert not np.array_equal(other.difference.distribution, runs[0].difference.distribution)


def test_small_chunks_give_valid_deterministic_results(
    cancer: Scored, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = bootstrap_metric("log_loss", cancer.challenger, seed=2).challenger.interval()
    monkeypatch.setattr(bootstrap_module, "CHUNK_CELLS", 1000)
    first = bootstrap_metric("log_loss", cancer.challenger, seed=2).challenger
    second = bootstrap_metric("log_loss", cancer.challenger, seed=2).challenger
    np.testing.assert_array_equal(first.distribution, second.distribution)
    assert first.resamples == 2000
    assert first.interval().low == pytest.approx(whole.low, rel=0.05)


def test_seeds_are_resampled_so_training_noise_widens_the_interval() -> None:
    seeds = [simulated(2000, accuracy, seed=s) for s, accuracy in enumerate((0.80, 0.86, 0.92))]
    one = bootstrap_metric("accuracy", seeds[1], seed=3).challenger
    three = bootstrap_metric("accuracy", seeds, seed=3).challenger
    assert three.seeds == 3
    estimates = [bootstrap_metric("accuracy", s).challenger.estimate for s in seeds]
    assert three.estimate == pytest.approx(np.mean(estimates))
    width = three.interval().high - three.interval().low
    assert width > 3 * (one.interval().high - one.interval().low)


def test_undefined_resamples_are_counted_and_make_the_interval_undefined() -> None:
    y = np.zeros(30, dtype=int)
    y[0] = 1
    p = Predictions(y, y, np.linspace(0, 1, 30))
    result = bootstrap_metric("roc_auc", p, seed=0).challenger
    assert result.undefined > 0.3 * result.resamples  # no positive row in ~36 % of resamples
    assert len(result.distribution) == result.resamples - result.undefined
    assert not result.interval().defined


def test_p_values_follow_the_interval(cancer: Scored) -> None:
    result = bootstrap_metric("accuracy", cancer.challenger, seed=0).challenger
    ci = result.interval(0.95)
    assert result.p_value(ci.low - 0.05, alternative="greater") < 0.01
    assert result.p_value(ci.high + 0.05, alternative="less") < 0.01
    assert result.p_value(ci.estimate, alternative="greater") == pytest.approx(0.5, abs=0.1)
    # The bound of a 95 % interval is where the one-sided p-value is 2.5 %.
    assert result.p_value(ci.low, alternative="greater") == pytest.approx(0.025, abs=0.01)


def test_custom_metrics_are_bootstrapped_too(cancer: Scored) -> None:
    spec = metrics_module.custom_metric("hits", lambda t, p: float(np.mean(t == p)))
    custom = bootstrap_metric(spec, cancer.challenger, resamples=200, seed=1).challenger
    builtin = bootstrap_metric("accuracy", cancer.challenger, resamples=200, seed=1).challenger
    assert custom.estimate == pytest.approx(builtin.estimate)
    assert custom.interval().low == pytest.approx(builtin.interval().low, abs=0.02)


@pytest.mark.parametrize("confidence", [0.5, 1.0, 0.2, 1.5])
def test_confidence_outside_half_to_one_is_a_config_error(
    cancer: Scored, confidence: float
) -> None:
    result = bootstrap_metric("accuracy", cancer.challenger, resamples=100).challenger
    with pytest.raises(ConfigError, match=r"between 0.5 and 1 \(exclusive\)"):
        result.interval(confidence)


def test_too_few_resamples_is_a_config_error(cancer: Scored) -> None:
    with pytest.raises(ConfigError, match="resamples must be an integer ≥ 100"):
        bootstrap_metric("accuracy", cancer.challenger, resamples=10)


@pytest.mark.slow
def test_a_million_rows_fit_in_bounded_memory() -> None:
    rng = np.random.default_rng(0)
    n = 1_000_000
    y = rng.integers(0, 2, n)
    score = rng.random(n) + 0.2 * y
    p = Predictions(y, (score > 0.6).astype(int), score)
    tracemalloc.start()
    result = bootstrap_metric("roc_auc", p, p, resamples=100, seed=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.difference is not None
    assert result.difference.estimate == 0
    assert peak < 400e6, f"peak {peak / 1e6:.0f} MB"


@pytest.mark.parametrize("module", [bootstrap_module, metrics_module, budgets_module, gates_module])
def test_docstring_examples_run(module: object) -> None:
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert tried > 0
    assert failures == 0


def test_distinct_rows_match_numpy_unique_even_with_many_columns() -> None:
    key = np.random.default_rng(0).integers(0, 3, size=(5000, 60)).astype(float)
    key[::2] = key[1::2]  # every row appears at least twice
    first, counts = bootstrap_module._distinct_rows(key)
    _, expected_first, expected_counts = np.unique(
        key, axis=0, return_index=True, return_counts=True
    )
    assert sorted(first.tolist()) == sorted(expected_first.tolist())
    assert counts.sum() == len(key)
    assert sorted(counts.tolist()) == sorted(expected_counts.tolist())
