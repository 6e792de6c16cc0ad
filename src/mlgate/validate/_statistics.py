"""Metrics as statistics of weighted rows: the form the bootstrap resamples.

A bootstrap resample of ``n`` rows is a vector of counts ``w`` (how often each
row was drawn, summing to ``n``). Every built-in metric is evaluated here for a
whole matrix of such count vectors at once, for several models scored on the
same rows (champion, challenger, one column per training seed):

* :class:`SumsStatistic`: metrics that are a function of weighted sums of
  per-row numbers (accuracy, F1 from true/false positives, R² from sums of y,
  y² and squared errors, …): ``values = combine(W @ M)``, one matrix product.
* :class:`AUCStatistic`: the area under the ROC curve as a weighted
  Mann–Whitney statistic, from one sort per model (done once, before
  resampling) and one running sum of the resampled weights per model and
  resample; two resamples share each 64-bit running sum (see
  :meth:`_Ranking.auc`).
* :class:`CustomStatistic`: a user's ``module:function``, called once per
  resample (the only path with a Python loop over resamples: the function is a
  black box).

Rows that are identical for a statistic (same label, same predictions) are
interchangeable, so :meth:`Statistic.key` lets the bootstrap merge them and
draw exact multinomial counts over the distinct rows instead of over all rows.
"""

from __future__ import annotations

import functools
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "AUCStatistic",
    "Combine",
    "Counts",
    "CustomStatistic",
    "FloatArray",
    "IntArray",
    "Statistic",
    "SumsStatistic",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: Row weights (resample counts) of any integer dtype and memory layout.
Counts = npt.NDArray[np.integer[Any]]
#: Sums of the per-row columns, shape (..., p) → metric values, shape (...).
Combine = Callable[[FloatArray], FloatArray]


class Statistic(ABC):
    """A metric of ``m`` models on the same ``n`` rows, evaluated under row weights."""

    n: int
    m: int
    #: Whether chunks of resamples may be evaluated in parallel threads.
    thread_safe: bool = True
    #: How many resamples :meth:`resampled` is best given per call, so that its
    #: working set stays in cache (None: as many as a chunk of the bootstrap holds).
    batch: int | None = None

    @abstractmethod
    def values(self, weights: Counts) -> FloatArray:
        """Metric values for weights of shape (c, n): shape (c, m); NaN where undefined."""

    def resampled(self, rng: np.random.Generator, resamples: int) -> FloatArray:
        """Metric values of bootstrap resamples, each n row numbers drawn with
        ``rng.integers(0, n)``, one resample after the other: shape (resamples, m).

        numpy's generators give the same numbers however a draw is split into
        calls, so the values depend on the generator's state only.
        """
        return self.values(_counts(rng, resamples, self.n))

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

    def values(self, weights: Counts) -> FloatArray:
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


#: Two resamples share 64-bit lanes while each one's total weight is below this, so
#: that a lane's int32 halves can hold a running sum, or the sum of two (ties).
LANE_LIMIT = 2**30
_INT32, _UINT32 = 2**31, 2**32
#: Which int32 half of a 64-bit lane holds the first of its two resamples.
_FIRST = 0 if sys.byteorder == "little" else 1
#: Rows × pairs of resamples that AUC evaluates per call: 1 MiB of 64-bit lanes.
_LANE_CELLS = 1 << 17
#: From this many rows on, counts and running sums are made one resample (or one
#: pair) at a time: in cache, and in numpy calls that let other threads run.
_ROW_COUNTS = 1 << 12


def _counts(rng: np.random.Generator, resamples: int, n: int) -> IntArray:
    """Bootstrap resamples as counts (resamples, n): how often each of the n rows is
    drawn in n draws of ``rng.integers(0, n)``, one resample after the other."""
    if n < _ROW_COUNTS:
        cells = rng.integers(0, n, size=(resamples, n)) + (np.arange(resamples) * n)[:, None]
        return np.bincount(cells.reshape(-1), minlength=resamples * n).reshape(resamples, n)
    counts = np.empty((resamples, n), dtype=np.int64)
    for resample in range(resamples):  # one at a time: the draws stay in cache
        counts[resample] = np.bincount(rng.integers(0, n, size=n), minlength=n)
    return counts


def _rows(rows: IntArray) -> IntArray | slice:
    """A slice when the rows are consecutive (a view, no copy), else the row numbers."""
    if len(rows) and rows[-1] - rows[0] == len(rows) - 1 and np.all(np.diff(rows) == 1):
        return slice(int(rows[0]), int(rows[-1]) + 1)
    return rows


def _lane_dots(
    weights: npt.NDArray[Any], below: npt.NDArray[Any], *, most: int, largest: int
) -> IntArray:
    """Σ weights × below along the rows of lanes (p, len, c): exactly, shape (p, c).

    ``most`` is at least every one of these sums, ``largest`` every value of
    ``below``. The two int32 halves of each lane are multiplied at once, and the
    products summed as one unsigned 64-bit number per row of lanes: while every
    sum stays below 2**32 no carry crosses between the halves, and each half is
    one lane's sum; else the high halves are summed apart, and the low halves'
    sum is what remains (wrapping), while no product passes int32.
    """
    p, _, c = weights.shape
    if c == 2 and most < _UINT32:
        products = np.multiply(
            weights.view(np.uint32), below.view(np.uint32), out=below.view(np.uint32)
        )
        total = products.view(np.uint64).reshape(p, -1).sum(axis=1, dtype=np.uint64)
        low, high = total & np.uint64(_UINT32 - 1), total >> np.uint64(32)
    elif c == 2 and weights.size and int(weights.max()) * largest < _INT32:
        np.multiply(weights, below, out=below)  # below is scratch: the caller's gather
        packed = below.view(np.uint64).reshape(p, -1)
        total = packed.sum(axis=1, dtype=np.uint64)
        packed >>= np.uint64(32)
        high = packed.sum(axis=1, dtype=np.uint64)
        low = total - (high << np.uint64(32))
    else:
        dots = np.einsum("plc,plc->pc", weights, below, dtype=np.int64)
        return np.asarray(dots, dtype=np.int64)
    halves = (low, high) if _FIRST == 0 else (high, low)
    return np.stack(halves, axis=1).astype(np.int64)


def _take(values: IntArray, columns: IntArray) -> IntArray:
    """``values[:, columns]`` for a 2-D ``values`` (numpy's 1-D gather is faster)."""
    if len(values) == 1:
        row: IntArray = values[0].take(columns)
        return row[None, :]
    return np.take(values, columns, axis=1)


def _by_score(rows: IntArray, score: FloatArray) -> IntArray:
    """The rows in the order of their scores (ties in row order)."""
    return rows[np.argsort(score[rows], kind="stable")]


class _Ranking:
    """One model's scores against one binary label, each class sorted by score once.

    The weighted Mann–Whitney count is Σ over rows of the larger class ("outer")
    of weight × the weight of the smaller class ("inner") scoring below it (ties
    count one half), read off a running sum over the inner class in score order.
    The outer rows are summed in row order, which needs no gather when they are
    consecutive rows.
    """

    def __init__(self, positive: npt.NDArray[np.bool_], score: FloatArray) -> None:
        pos, neg = np.flatnonzero(positive), np.flatnonzero(~positive)
        self.pos, self.neg = _by_score(pos, score), _by_score(neg, score)
        self.pos_scores, self.neg_scores = score[self.pos], score[self.neg]
        self.inner_is_pos = len(self.pos) < len(self.neg)
        # The inner class in score order, the outer one in row order.
        inner, outer = (self.pos, neg) if self.inner_is_pos else (self.neg, pos)
        inner_scores = score[inner]
        self.lo = np.searchsorted(inner_scores, score[outer], side="left")
        self.hi = np.searchsorted(inner_scores, score[outer], side="right")
        self.tied = not np.array_equal(self.lo, self.hi)
        self.inner, self.outer = _rows(inner), _rows(outer)

    def auc(self, lanes: npt.NDArray[Any], totals: IntArray) -> FloatArray:
        """Weighted AUC of the resamples in ``lanes`` (p, n, c), whose total weights
        are ``totals`` (p, c): shape (p, c); NaN without both classes.

        A lane holds one resample's int64 counts (c = 1) or two resamples' int32
        counts side by side (c = 2), which read as one int64 per row: the running
        sum of those int64 holds both resamples' running sums, one in each half (a
        half's sums stay below its total, below :data:`LANE_LIMIT`, so no carry
        crosses over). Running sums and gathers, most of the work, then serve two
        resamples at once.
        """
        p, n, c = lanes.shape
        packed: IntArray = lanes.view(np.int64).reshape(p, n)
        if isinstance(self.inner, slice):
            inner = packed[:, self.inner]
        else:
            inner = _take(packed, self.inner)
        if isinstance(self.outer, slice):
            outer = lanes[:, self.outer]
        else:
            outer = _take(packed, self.outer).view(lanes.dtype).reshape(p, -1, c)
        cumulative = np.empty((p, inner.shape[1] + 1), dtype=np.int64)
        cumulative[:, 0] = 0
        if inner.shape[1] >= _ROW_COUNTS:  # 1-D running sums let other threads run
            for pair in range(p):
                np.cumsum(inner[pair], out=cumulative[pair, 1:])
        else:
            np.cumsum(inner, axis=1, out=cumulative[:, 1:])
        last = np.ascontiguousarray(cumulative[:, -1]).view(lanes.dtype).reshape(p, c)
        inner_total = last.astype(np.int64)
        outer_total = totals - inner_total
        pairs_total = inner_total * outer_total  # every (outer, inner) pair of rows
        # Σ outer weight × inner weight below it is at most the number of pairs.
        most, largest = int(pairs_total.max(initial=0)), int(totals.max(initial=0))
        below = _take(cumulative, self.lo)
        if self.tied:  # weight strictly below plus weight up to: ties count once of two
            below += _take(cumulative, self.hi)
            below_lanes = below.view(lanes.dtype).reshape(p, -1, c)
            pairs = _lane_dots(outer, below_lanes, most=2 * most, largest=2 * largest) / 2
        else:
            below_lanes = below.view(lanes.dtype).reshape(p, -1, c)
            pairs = _lane_dots(outer, below_lanes, most=most, largest=largest).astype(np.float64)
        everything = pairs_total.astype(np.float64)
        if self.inner_is_pos:  # the count is of positives above negatives
            pairs = everything - pairs
        auc = np.full((p, c), np.nan)
        np.divide(pairs, everything, out=auc, where=everything > 0)
        return auc

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
    (score of class 1) or (m, n, k) for k classes. Resamples are evaluated in
    pairs, side by side in 64-bit lanes (see :meth:`_Ranking.auc`), as many pairs
    per call as keep about a MiB of lanes in cache: one pair for 100,000 rows.
    """

    def __init__(self, labels: IntArray, scores: FloatArray, *, classes: int) -> None:
        self.labels = labels
        self.scores = scores
        self.classes = classes
        self.n = len(labels)
        self.m = scores.shape[0]
        self.batch = 2 * max(1, _LANE_CELLS // max(1, self.n))

    def _ranking(self, model: int, label: int) -> _Ranking:
        if self.classes <= 2:
            return _Ranking(self.labels == 1, self.scores[model])
        return _Ranking(self.labels == label, self.scores[model, :, label])

    @functools.cached_property
    def rankings(self) -> list[list[_Ranking]]:
        """Per model, one ranking per class (one for two classes); built when first used."""
        labels = range(1 if self.classes <= 2 else self.classes)
        return [[self._ranking(j, k) for k in labels] for j in range(self.m)]

    def values(self, weights: Counts) -> FloatArray:
        c = len(weights)
        totals: IntArray = weights.sum(axis=1, dtype=np.int64)
        width = 2 if c and int(totals.max()) < LANE_LIMIT else 1
        lanes = np.zeros((-(-c // width), self.n, width), np.int32 if width == 2 else np.int64)
        lane_totals = np.zeros(lanes.shape[0] * width, dtype=np.int64)
        for half in range(width):
            lanes[: len(weights[half::width]), :, half] = weights[half::width]
        lane_totals[:c] = totals
        return self._lane_values(lanes, lane_totals.reshape(-1, width))[:c]

    def resampled(self, rng: np.random.Generator, resamples: int) -> FloatArray:
        if self.n >= LANE_LIMIT:
            return super().resampled(rng, resamples)
        lanes = np.empty(((resamples + 1) // 2, self.n, 2), dtype=np.int32)
        totals = np.full(lanes.shape[0] * 2, self.n, dtype=np.int64)
        if resamples % 2:  # an odd one out: pair it with an empty resample
            lanes[-1, :, 1] = totals[-1] = 0
        # Resample r goes to lane r % 2 of pair r // 2.
        if self.n >= _ROW_COUNTS:  # one at a time: the draws stay in cache
            for resample in range(resamples):
                drawn = rng.integers(0, self.n, size=self.n)
                lanes[resample // 2, :, resample % 2] = np.bincount(drawn, minlength=self.n)
        else:
            counts = _counts(rng, resamples, self.n)
            lanes[:, :, 0] = counts[0::2]
            lanes[: resamples // 2, :, 1] = counts[1::2]
        return self._lane_values(lanes, totals.reshape(-1, 2))[:resamples]

    def _lane_values(self, lanes: npt.NDArray[Any], totals: IntArray) -> FloatArray:
        """Values (p × c, m) of the resamples in lanes (p, n, c), in lane order."""
        out = np.empty((totals.size, self.m))
        for j, per_class in enumerate(self.rankings):
            aucs = [ranking.auc(lanes, totals).reshape(-1) for ranking in per_class]
            out[:, j] = aucs[0] if len(aucs) == 1 else np.mean(aucs, axis=0)
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
        positive = self.labels == (1 if self.classes <= 2 else 0)
        score = self.scores[0] if self.classes <= 2 else self.scores[0, :, 0]
        order = np.concatenate(
            [
                _by_score(np.flatnonzero(~positive), score),
                _by_score(np.flatnonzero(positive), score),
            ]
        )
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

    def values(self, weights: Counts) -> FloatArray:
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
