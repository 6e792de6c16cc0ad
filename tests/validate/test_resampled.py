"""The fast resampling paths give exactly what the plain ones give: AUC of two resamples
side by side in 64-bit lanes, resamples drawn a few at a time, sums on every path."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

import mlgate.validate._statistics as statistics_module
from mlgate.validate import Predictions, bootstrap_metric, metric_spec
from mlgate.validate._statistics import LANE_LIMIT, AUCStatistic, _lane_dots

from .conftest import Scored


def _pair(n: int, *, ties: bool, seed: int = 0) -> list[Predictions]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int64)  # the positives are the smaller class
    models = []
    for noise in (1.0, 1.5):
        score = y + noise * rng.random(n)
        if ties:
            score = np.round(score, 1)
        models.append(Predictions(y, (score > 1).astype(np.int64), score))
    return models


def _drawn(seed: int, resamples: int, n: int) -> list[np.ndarray]:
    """The row numbers of each resample, drawn as the bootstrap draws them."""
    rng = np.random.default_rng(seed)
    return [rng.integers(0, n, size=n) for _ in range(resamples)]


@pytest.mark.parametrize("reordered", [False, True], ids=["rows as given", "reordered"])
@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize("n", [300, 5_000], ids=["few rows", "many rows"])
def test_resampled_auc_is_sklearns_on_the_drawn_rows(n: int, ties: bool, reordered: bool) -> None:
    """Three resamples (an odd one out pairs with an empty lane), checked against sklearn on
    the rows each one repeats; the rows are drawn anew from the same seed, one call each."""
    models = _pair(n, ties=ties)
    statistic = metric_spec("roc_auc").statistic(models)
    if reordered:  # rows by class, then by the first model's score: no gathers for it
        statistic = statistic.reordered()
        order = np.lexsort((models[0].y_score, models[0].y_true))
        models = [model.take(order) for model in models]
    values = statistic.resampled(np.random.default_rng(7), 3)
    for resample, rows in enumerate(_drawn(7, 3, n)):
        for column, model in enumerate(models):
            expected = skm.roc_auc_score(model.y_true[rows], model.y_score[rows])
            assert values[resample, column] == pytest.approx(expected, abs=1e-12)


def test_resampled_and_values_agree_bit_for_bit_with_more_classes(wine: Scored) -> None:
    """One-vs-rest rankings gather their rows (no class is a slice); the mean over classes
    is the same whether the counts come from draws or are given."""
    statistic = metric_spec("roc_auc").statistic([wine.challenger, wine.champion])
    n = wine.challenger.n
    values = statistic.resampled(np.random.default_rng(3), 5)
    counts = np.stack([np.bincount(rows, minlength=n) for rows in _drawn(3, 5, n)])
    np.testing.assert_array_equal(values, statistic.values(counts))
    for resample, rows in enumerate(_drawn(3, 5, n)):
        repeated = wine.challenger.take(rows)
        expected = skm.roc_auc_score(
            repeated.y_true, repeated.y_score, multi_class="ovr", labels=wine.challenger.classes
        )
        assert values[resample, 0] == pytest.approx(expected, abs=1e-12)


def test_totals_too_large_to_share_a_lane_take_one_lane_each() -> None:
    """Weights summing past LANE_LIMIT cannot be packed two to an int64: each resample
    gets its own, and the sums run in int64."""
    models = _pair(60, ties=True, seed=3)
    statistic = metric_spec("roc_auc").statistic(models)
    weights = np.random.default_rng(5).integers(2**25, 2**26, size=(3, 60))
    assert weights.sum(axis=1).min() >= LANE_LIMIT
    values = statistic.values(weights)
    for resample, w in enumerate(weights):
        for column, model in enumerate(models):
            expected = skm.roc_auc_score(model.y_true, model.y_score, sample_weight=w)
            assert values[resample, column] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("weight", "below"),
    [(3, 2**15), (3, 2**29), (2**20, 2**20)],
    ids=["sums fit 32 bits", "products fit 31 bits", "neither"],
)
def test_lane_dots_are_exact_on_every_path(weight: int, below: int) -> None:
    rng = np.random.default_rng(1)
    w = rng.integers(0, weight + 1, size=(2, 100, 2)).astype(np.int32)
    b = rng.integers(0, below + 1, size=(2, 100, 2)).astype(np.int32)
    exact = [[int(np.dot(w[p, :, c].astype(object), b[p, :, c])) for c in (0, 1)] for p in (0, 1)]
    most = max(max(row) for row in exact)
    got = _lane_dots(w, b.copy(), most=most, largest=int(b.max()))
    assert got.tolist() == exact


@pytest.mark.parametrize("n", [300, 20_000])
def test_results_do_not_depend_on_how_many_resamples_a_call_draws(
    n: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The generator's stream is the same however the draws are split into calls, so the
    bootstrap is the same with one pair of resamples per call as with many."""
    models = _pair(n, ties=False, seed=4)
    default = bootstrap_metric("roc_auc", *models, resamples=400, seed=9, threads=1)
    monkeypatch.setattr(statistics_module, "_LANE_CELLS", 1)
    assert AUCStatistic(np.zeros(n, np.int64), np.zeros((1, n)), classes=2).batch == 2
    paired = bootstrap_metric("roc_auc", *models, resamples=400, seed=9, threads=2)
    assert default.difference is not None
    assert paired.difference is not None
    np.testing.assert_array_equal(default.difference.distribution, paired.difference.distribution)


@pytest.mark.parametrize("n", [300, 5_000])
def test_other_statistics_count_the_same_draws(n: int) -> None:
    """Metrics of sums get the counts of the same draws, one resample after the other."""
    models = _pair(n, ties=False, seed=6)
    statistic = metric_spec("log_loss").statistic(models)
    counts = np.stack([np.bincount(rows, minlength=n) for rows in _drawn(2, 3, n)])
    values = statistic.resampled(np.random.default_rng(2), 3)
    np.testing.assert_array_equal(values, statistic.values(counts))
