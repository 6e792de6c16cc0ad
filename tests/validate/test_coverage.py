"""Coverage: 95 % intervals hold the true value 93–97 % of the time (issue 5's proof).

Each repetition draws a fresh holdout from a population whose metric is known
exactly, computes a BCa interval with 1,000 resamples, and checks whether the
interval holds the truth. 1,000 repetitions give a Monte-Carlo standard error of
about 0.7 points on the coverage.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

from mlgate.validate import Predictions, bootstrap_metric

REPETITIONS = 1000
ROWS = 500


def _accuracy_holdout(rng: np.random.Generator) -> tuple[Predictions, None, float]:
    y = rng.integers(0, 2, ROWS)
    right = rng.random(ROWS) < 0.85
    return Predictions(y, np.where(right, y, 1 - y)), None, 0.85


def _auc_holdout(rng: np.random.Generator) -> tuple[Predictions, None, float]:
    # Binormal scores: positives N(1, 1), negatives N(0, 1); AUC = Φ(1/√2).
    y = rng.integers(0, 2, ROWS)
    score = rng.normal(0.0, 1.0, ROWS) + y
    return Predictions(y, (score > 0.5).astype(int), score), None, NormalDist().cdf(2**-0.5)


def _paired_holdout(rng: np.random.Generator) -> tuple[Predictions, Predictions, float]:
    # Two classifiers whose errors overlap: accuracies 0.88 and 0.85, difference 0.03.
    y = rng.integers(0, 2, ROWS)
    u = rng.random(ROWS)
    first, second = np.where(u < 0.88, y, 1 - y), np.where(u < 0.85, y, 1 - y)
    return Predictions(y, first), Predictions(y, second), 0.03


@pytest.mark.slow
@pytest.mark.parametrize(
    ("metric", "holdout"),
    [("accuracy", _accuracy_holdout), ("roc_auc", _auc_holdout), ("accuracy", _paired_holdout)],
    ids=["accuracy", "roc_auc", "paired-accuracy-difference"],
)
def test_95_percent_intervals_cover_the_truth_93_to_97_percent(
    metric: str, holdout: object
) -> None:
    covered = 0
    for repetition in range(REPETITIONS):
        rng = np.random.default_rng(1_000 + repetition)
        challenger, champion, truth = holdout(rng)  # type: ignore[operator]
        result = bootstrap_metric(
            metric, challenger, champion, resamples=1000, seed=repetition, threads=1
        )
        target = result.difference if champion is not None else result.challenger
        assert target is not None
        ci = target.interval(0.95, method="bca")
        covered += ci.low <= truth <= ci.high
    coverage = covered / REPETITIONS
    assert 0.93 <= coverage <= 0.97, f"{metric}: 95 % intervals covered {coverage:.1%}"
