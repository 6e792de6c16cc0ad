"""Metrics as statistics of weighted rows: the form the bootstrap resamples.

A bootstrap resample of ``n`` rows is a vector of counts ``w`` (how often each
row was drawn, summing to ``n``). Every built-in metric is evaluated here for a
whole matrix of such count vectors at once, for several models scored on the
same rows (champion, challenger, one column per training seed):

* :class:`SumsStatistic`: metrics that are a function of weighted sums of
  per-row numbers (accuracy, F1 from true/false positives, R² from sums of y,
  y² and squared errors, …): ``values = combine(W @ M)``, one matrix product.
* :class:`AUCStatistic`: the area under the ROC curve as a weighted
  Mann–Whitney statistic, from one sort per model and cumulative sums of the
  resampled weights.
* :class:`CustomStatistic`: a user's ``module:function``, called once per
  resample (the only path with a Python loop over resamples: the function is a
  black box).

Rows that are identical for a statistic (same label, same predictions) are
interchangeable, so :meth:`Statistic.key` lets the bootstrap merge them and
draw exact multinomial counts over the distinct rows instead of over all rows.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "AUCStatistic",
    "Combine",
    "CustomStatistic",
    "FloatArray",
    "IntArray",
    "Statistic",
    "SumsStatistic",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: Sums of the per-row columns, shape (..., p) → metric values, shape (...).
Combine = Callable[[FloatArray], FloatArray]


class Statistic(ABC):
    """A metric of ``m`` models on the same ``n`` rows, evaluated under row weights."""

    n: int
    m: int

    @abstractmethod
    def values(self, weights: IntArray) -> FloatArray:
        """Metric values for weights of shape (c, n): shape (c, m); NaN where undefined."""

    @abstractmethod
    def leave_one_out(self, counts: IntArray) -> tuple[FloatArray, FloatArray]:
        """Jackknife values under ``counts`` (n,): values (g, m) with one unit of weight
        removed per row (or per group of rows), and how many rows each stands for (g,)."""

    def key(self) -> FloatArray | None:
        """Per-row numbers that determine the statistic (n, d), or None: rows with equal
        keys are interchangeable and may be merged before resampling."""
        return None

    @abstractmethod
    def subset(self, rows: IntArray) -> Statistic:
        """The same statistic on the given rows only."""


class SumsStatistic(Statistic):
    """``combine(weights @ M)``: a function of weighted sums of per-row columns.

    ``columns`` has shape (n, m, p): p numbers per row for each of m models.
    ``discrete`` says the columns take few distinct values (indicators), so
    merging identical rows pays off.
    """

    def __init__(self, columns: FloatArray, combine: Combine, *, discrete: bool) -> None:
        self.columns = columns
        self.combine = combine
        self.discrete = discrete
        self.n, self.m, self.p = columns.shape

    def values(self, weights: IntArray) -> FloatArray:
        flat = self.columns.reshape(self.n, self.m * self.p)
        sums = weights.astype(np.float64) @ flat
        return self.combine(sums.reshape(-1, self.m, self.p))

    def leave_one_out(self, counts: IntArray) -> tuple[FloatArray, FloatArray]:
        total = np.tensordot(counts.astype(np.float64), self.columns, axes=(0, 0))
        return self.combine(total[None, :, :] - self.columns), counts.astype(np.float64)

    def key(self) -> FloatArray | None:
        return self.columns.reshape(self.n, -1) if self.discrete else None

    def subset(self, rows: IntArray) -> SumsStatistic:
        return SumsStatistic(self.columns[rows], self.combine, discrete=self.discrete)


class _Ranking:
    """One model's scores against one binary label, sorted once."""

    def __init__(self, positive: npt.NDArray[np.bool_], score: FloatArray) -> None:
        self.order = np.argsort(score, kind="stable")
        ordered = score[self.order]
        self.positive = positive[self.order]
        self.identity = bool(np.all(self.order[1:] > self.order[:-1]))
        tie = np.concatenate(([True], ordered[1:] != ordered[:-1]))
        self.starts = np.flatnonzero(tie)
        self.tied = len(self.starts) < len(ordered)
        self.positions = np.flatnonzero(self.positive)

    def auc(self, weights: IntArray) -> FloatArray:
        """Weighted Mann–Whitney AUC for weights (c, n) in row order: shape (c,)."""
        w = weights if self.identity else np.take(weights, self.order, axis=1)
        if self.tied:
            return self._auc_ties(w)
        cumulative = np.cumsum(w, axis=1)
        w_pos = np.take(w, self.positions, axis=1)
        positives = w_pos.sum(axis=1)
        negatives = w.sum(axis=1) - positives
        # Σ over positives of (weight × all weight up to it), minus the positive pairs.
        below = np.einsum("ij,ij->i", w_pos, np.take(cumulative, self.positions, axis=1))
        pairs = below - (positives * positives + np.einsum("ij,ij->i", w_pos, w_pos)) / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(pairs / (positives * negatives), dtype=np.float64)

    def _auc_ties(self, w: IntArray) -> FloatArray:
        pos_w = np.add.reduceat(np.where(self.positive, w, 0), self.starts, axis=1)
        neg_w = np.add.reduceat(w, self.starts, axis=1) - pos_w
        below = np.cumsum(neg_w, axis=1) - neg_w
        pairs = np.einsum("ij,ij->i", pos_w, 2 * below + neg_w) / 2
        positives, negatives = pos_w.sum(axis=1), neg_w.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(pairs / (positives * negatives), dtype=np.float64)

    def auc_leave_one_out(self, counts: IntArray) -> FloatArray:
        """AUC with one unit of weight removed from each row in turn (n,), row order."""
        c = counts[self.order].astype(np.float64)
        pos_c = np.add.reduceat(np.where(self.positive, c, 0.0), self.starts)
        neg_c = np.add.reduceat(c, self.starts) - pos_c
        positives, negatives = pos_c.sum(), neg_c.sum()
        neg_below = np.cumsum(neg_c) - neg_c
        pos_above = positives - np.cumsum(pos_c)
        pairs = float(np.dot(pos_c, neg_below + neg_c / 2))
        group = np.repeat(np.arange(len(self.starts)), np.diff(np.append(self.starts, len(c))))
        lost = np.where(
            self.positive,
            neg_below[group] + neg_c[group] / 2,
            pos_above[group] + pos_c[group] / 2,
        )
        size = np.where(
            self.positive, (positives - 1) * negatives, positives * (negatives - 1)
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            sorted_values = (pairs - lost) / size
        values = np.empty_like(sorted_values)
        values[self.order] = sorted_values
        return values


class AUCStatistic(Statistic):
    """Area under the ROC curve for each of m models; one-vs-rest macro average over
    classes when there are more than two.

    ``labels`` are class codes (n,); ``scores`` has shape (m, n) for two classes
    (score of class 1) or (m, n, k) for k classes.
    """

    def __init__(self, labels: IntArray, scores: FloatArray, *, classes: int) -> None:
        self.labels = labels
        self.scores = scores
        self.classes = classes
        self.n = len(labels)
        self.m = scores.shape[0]
        if classes <= 2:
            self.rankings = [[_Ranking(labels == 1, scores[j])] for j in range(self.m)]
        else:
            self.rankings = [
                [_Ranking(labels == k, scores[j, :, k]) for k in range(classes)]
                for j in range(self.m)
            ]

    def values(self, weights: IntArray) -> FloatArray:
        out = np.empty((weights.shape[0], self.m))
        for j, per_class in enumerate(self.rankings):
            out[:, j] = np.mean([ranking.auc(weights) for ranking in per_class], axis=0)
        return out

    def leave_one_out(self, counts: IntArray) -> tuple[FloatArray, FloatArray]:
        out = np.empty((self.n, self.m))
        for j, per_class in enumerate(self.rankings):
            out[:, j] = np.mean([r.auc_leave_one_out(counts) for r in per_class], axis=0)
        return out, counts.astype(np.float64)

    def key(self) -> FloatArray | None:
        flat = self.scores.reshape(self.m, self.n, -1)
        distinct = len(np.unique(flat[0, :, -1]))
        if distinct * 32 > self.n:
            return None
        return np.column_stack([self.labels, flat.transpose(1, 0, 2).reshape(self.n, -1)])

    def subset(self, rows: IntArray) -> AUCStatistic:
        return AUCStatistic(self.labels[rows], self.scores[:, rows], classes=self.classes)


#: A user's metric on one model's rows: (y_true, y_pred, y_score or None) → number.
RowMetric = Callable[[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any] | None], float]


class CustomStatistic(Statistic):
    """A user's metric, called on the rows of each resample (repeated as drawn).

    The jackknife for BCa's acceleration deletes one of at most ``groups``
    random groups of rows at a time (a delete-d jackknife; the same acceleration
    in expectation as deleting single rows) to bound the number of calls.
    """

    groups = 100

    def __init__(
        self,
        metric: RowMetric,
        y_true: npt.NDArray[Any],
        predictions: Sequence[tuple[npt.NDArray[Any], npt.NDArray[Any] | None]],
    ) -> None:
        self.metric = metric
        self.y_true = y_true
        self.predictions = list(predictions)
        self.n = len(y_true)
        self.m = len(self.predictions)

    def _on(self, rows: IntArray) -> FloatArray:
        return np.array(
            [
                self.metric(self.y_true[rows], pred[rows], None if score is None else score[rows])
                for pred, score in self.predictions
            ],
            dtype=np.float64,
        )

    def values(self, weights: IntArray) -> FloatArray:
        everything = np.arange(self.n)
        return np.stack([self._on(np.repeat(everything, row)) for row in weights])

    def leave_one_out(self, counts: IntArray) -> tuple[FloatArray, FloatArray]:
        rows = np.repeat(np.arange(self.n), counts)
        groups = min(self.groups, len(rows))
        shuffled = np.random.default_rng(0).permutation(len(rows))
        parts = np.array_split(shuffled, groups)
        values = np.stack([self._on(np.delete(rows, part)) for part in parts])
        return values, np.ones(groups)

    def subset(self, rows: IntArray) -> CustomStatistic:
        return CustomStatistic(
            self.metric,
            self.y_true[rows],
            [(p[rows], None if s is None else s[rows]) for p, s in self.predictions],
        )
