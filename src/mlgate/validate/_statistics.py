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
    #: Whether chunks of resamples may be evaluated in parallel threads.
    thread_safe: bool = True

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

    def reordered(self) -> Statistic:
        """The same statistic with its rows in the order it evaluates fastest (resamples
        are exchangeable, so the bootstrap may draw them in any fixed order)."""
        return self


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


def _rows(rows: IntArray) -> IntArray | slice:
    """A slice when the rows are consecutive (a view, no copy), else the row numbers."""
    if len(rows) and rows[-1] - rows[0] == len(rows) - 1 and np.all(np.diff(rows) == 1):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def _gather(weights: IntArray, rows: IntArray | slice) -> IntArray:
    if isinstance(rows, slice):
        return weights[:, rows]
    return np.take(weights, rows, axis=1)


class _Ranking:
    """One model's scores against one binary label, each class sorted by score once.

    The weighted Mann–Whitney count is Σ over rows of the larger class ("outer")
    of weight × the weight of the smaller class ("inner") scoring below it (ties
    count one half), read off a cumulative sum over the inner class only.
    """

    def __init__(self, positive: npt.NDArray[np.bool_], score: FloatArray) -> None:
        pos, neg = np.flatnonzero(positive), np.flatnonzero(~positive)
        self.pos = pos[np.argsort(score[pos], kind="stable")]
        self.neg = neg[np.argsort(score[neg], kind="stable")]
        self.pos_scores, self.neg_scores = score[self.pos], score[self.neg]
        self.inner_is_pos = len(self.pos) < len(self.neg)
        inner, outer = (self.pos, self.neg) if self.inner_is_pos else (self.neg, self.pos)
        inner_scores = score[inner]
        self.lo = np.searchsorted(inner_scores, score[outer], side="left")
        self.hi = np.searchsorted(inner_scores, score[outer], side="right")
        self.tied = not np.array_equal(self.lo, self.hi)
        self.inner, self.outer = _rows(inner), _rows(outer)

    def auc(self, weights: IntArray) -> FloatArray:
        """Weighted AUC for weights (c, n): shape (c,); NaN without both classes."""
        inner, outer = _gather(weights, self.inner), _gather(weights, self.outer)
        cumulative = np.empty((len(weights), inner.shape[1] + 1), dtype=weights.dtype)
        cumulative[:, 0] = 0
        np.cumsum(inner, axis=1, out=cumulative[:, 1:])
        below = np.take(cumulative, self.lo, axis=1)
        twice = below + np.take(cumulative, self.hi, axis=1) if self.tied else 2 * below
        pairs = np.einsum("ij,ij->i", outer, twice, dtype=np.int64) / 2
        inner_total = cumulative[:, -1].astype(np.float64)
        outer_total = outer.sum(axis=1).astype(np.float64)
        if self.inner_is_pos:
            pairs = inner_total * outer_total - pairs
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(pairs / (inner_total * outer_total), dtype=np.float64)

    def auc_leave_one_out(self, counts: IntArray) -> FloatArray:
        """AUC with one unit of weight removed from each row in turn: shape (n,)."""
        pos_c = counts[self.pos].astype(np.float64)
        neg_c = counts[self.neg].astype(np.float64)
        cum_neg = np.concatenate(([0.0], np.cumsum(neg_c)))
        cum_pos = np.concatenate(([0.0], np.cumsum(pos_c)))
        positives, negatives = cum_pos[-1], cum_neg[-1]
        # Negative weight below each positive, positive weight above each negative.
        place = (
            cum_neg[np.searchsorted(self.neg_scores, self.pos_scores, side="left")]
            + cum_neg[np.searchsorted(self.neg_scores, self.pos_scores, side="right")]
        ) / 2
        above = (
            positives
            - (
                cum_pos[np.searchsorted(self.pos_scores, self.neg_scores, side="left")]
                + cum_pos[np.searchsorted(self.pos_scores, self.neg_scores, side="right")]
            )
            / 2
        )
        pairs = float(np.dot(pos_c, place))
        values = np.empty(len(counts))
        with np.errstate(divide="ignore", invalid="ignore"):
            values[self.pos] = (pairs - place) / ((positives - 1) * negatives)
            values[self.neg] = (pairs - above) / (positives * (negatives - 1))
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
        if self.n < 2**30:
            # Gathers and running sums move half the bytes on 32-bit counts.
            weights = weights.astype(np.int32)
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

    def reordered(self) -> Statistic:
        # Rows by class, then by the first model's score: its ranking reads slices.
        first = self.rankings[0][0]
        order = np.concatenate([first.neg, first.pos])
        return self if np.array_equal(order, np.arange(self.n)) else self.subset(order)


#: A user's metric on one model's rows: (y_true, y_pred, y_score or None) → number.
RowMetric = Callable[[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any] | None], float]


class CustomStatistic(Statistic):
    """A user's metric, called on the rows of each resample (repeated as drawn).

    The jackknife for BCa's acceleration deletes one of at most ``groups``
    random groups of rows at a time (a delete-d jackknife; the same acceleration
    in expectation as deleting single rows) to bound the number of calls.
    """

    groups = 100
    thread_safe = False  # user code: called from one thread only

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
