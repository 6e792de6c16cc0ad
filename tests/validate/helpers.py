"""Simulated predictions with known properties, for the validate tests."""

from __future__ import annotations

import numpy as np

from mlgate.validate import Predictions

LABELS = np.random.default_rng(12345).integers(0, 2, 20_000)


def simulated(
    n: int, accuracy: float, *, seed: int, labels: np.ndarray | None = None
) -> Predictions:
    """A binary classifier that is right on each row with probability ``accuracy``; its score
    is informative (higher for predicted positives) with noise."""
    rng = np.random.default_rng(seed)
    y = labels if labels is not None else LABELS[:n]
    pred = np.where(rng.random(n) < accuracy, y, 1 - y)
    score = np.clip(np.where(pred == 1, 0.7, 0.3) + rng.normal(0, 0.15, n), 0.001, 0.999)
    return Predictions(y, pred, score)
