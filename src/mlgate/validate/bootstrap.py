"""Paired bootstrap confidence intervals for any metric, vectorized over resamples.

**Test.** For a metric θ of a challenger (and, paired, of a champion and of
their difference), draw ``B`` resamples of the ``n`` holdout rows with
replacement, the *same* resamples for both models, compute θ on each, and
read a confidence interval off the resampled values: the percentile interval,
or the bias-corrected and accelerated (BCa) interval, which corrects for the
bias and skew of the bootstrap distribution (the acceleration comes from the
jackknife). With ``k`` training seeds the bootstrap has two levels: each
resample also draws ``k`` of the seed models with replacement and averages
their metric, so the interval holds the variation between training runs as
well as between holdout samples.

**Assumptions.** Holdout rows are independent draws from the population the
model will serve (no groups or time dependence inside the holdout); the
metric is a smooth enough function of the empirical distribution (true of
every built-in one); ``n`` is large enough that the resampled values vary
(a metric that is exactly 0 or 1 on every resample gives a zero-width
interval); seeds are exchangeable. When a resample has no value (AUC without
one of the classes) it is left out, and the interval is undefined (NaN) when
more than a tail's share of the resamples has no value.

**How it is fast.** Resamples are count vectors over the rows (n row numbers
drawn with replacement, counted), in chunks of at most ~2 M cells (so 1 M rows
use bounded memory), one seeded ``numpy.random.Generator`` stream per chunk
(``SeedSequence.spawn``: the same inputs give the same result, whatever the
threads). Chunks run on threads; a statistic takes its chunk a few resamples
at a time (its ``batch``) so its working set stays in cache, which does not
change the draws. Sums metrics cost one matrix product per chunk; AUC sorts
each model's scores once, before resampling, and then costs one running sum
per model and resample, with two resamples packed into each 64-bit lane
(``_statistics.py``). Rows that are identical for the metric (same label and
predictions: accuracy, F1, … have few distinct rows) are merged first and the
counts drawn exactly from a multinomial over the distinct rows.

**References.** B. Efron (1987), "Better bootstrap confidence intervals",
JASA 82(397):171–185 (BCa). B. Efron and R. Tibshirani (1993), *An
Introduction to the Bootstrap*, ch. 13–14 and 22. A. C. Davison and D. V.
Hinkley (1997), *Bootstrap Methods and their Application*, §3.8 (two-level
resampling of hierarchical data). H. B. Mann and D. R. Whitney (1947) for the
rank form of the AUC.

>>> import numpy as np
>>> from mlgate.validate.metrics import Predictions
>>> y = np.tile([0, 1], 500)
>>> new = np.where(np.arange(1000) % 10 == 0, 1 - y, y)   # wrong on 10 % of rows
>>> old = np.where(np.arange(1000) % 5 == 0, 1 - y, y)    # wrong on those and 10 % more
>>> result = bootstrap_metric("accuracy", Predictions(y, new), Predictions(y, old), seed=1)
>>> round(result.difference.estimate, 3)
0.1
>>> ci = result.difference.interval(0.95)
>>> bool(0.05 < ci.low < 0.1 < ci.high < 0.15)
True
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from mlgate.errors import ConfigError
from mlgate.validate._statistics import FloatArray, IntArray, Statistic
from mlgate.validate.metrics import MetricSpec, Predictions, Task, metric_spec

__all__ = [
    "BootstrapResult",
    "Interval",
    "Method",
    "MetricBootstrap",
    "acceleration",
    "bca_interval",
    "bootstrap_metric",
    "check_confidence",
    "percentile_interval",
]

Method = Literal["bca", "percentile"]
Alternative = Literal["greater", "less"]

#: Cells of one chunk's weight matrix (resamples × rows): bounds memory for any n.
CHUNK_CELLS = 1 << 21
_NORMAL = NormalDist()


def check_confidence(confidence: float) -> float:
    """``confidence`` if it is inside (0.5, 1); ConfigError otherwise."""
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        raise ConfigError(f"confidence must be a number, got {confidence!r}")
    if not 0.5 < confidence < 1:
        raise ConfigError(
            f"confidence must be between 0.5 and 1 (exclusive), got {confidence}",
            where="confidence",
            hint="Use e.g. 0.95 for 95 % intervals.",
        )
    return float(confidence)


@dataclass(frozen=True)
class Interval:
    """A point estimate and its confidence interval (NaN bounds: undefined)."""

    estimate: float
    low: float
    high: float
    confidence: float
    method: Method

    @property
    def defined(self) -> bool:
        """Whether both bounds are numbers."""
        return not (math.isnan(self.low) or math.isnan(self.high))


def percentile_interval(distribution: FloatArray, *, confidence: float) -> tuple[float, float]:
    """The (1 - confidence)/2 and (1 + confidence)/2 quantiles of the resampled values."""
    tail = (1 - check_confidence(confidence)) / 2
    low, high = np.quantile(distribution, [tail, 1 - tail])
    return float(low), float(high)


def acceleration(jackknife: FloatArray, weights: FloatArray | None = None) -> float:
    """BCa's acceleration from leave-one-out values (each standing for ``weights`` rows)."""
    w = np.ones(len(jackknife)) if weights is None else weights
    keep = np.isfinite(jackknife) & (w > 0)
    values, w = jackknife[keep], w[keep]
    if len(values) < 2:
        return 0.0
    spread = np.average(values, weights=w) - values
    second = float(np.sum(w * spread**2))
    if second <= 0:
        return 0.0
    return float(np.sum(w * spread**3) / (6 * second**1.5))


def _bias(estimate: float, distribution: FloatArray) -> float:
    below = np.count_nonzero(distribution < estimate) + np.count_nonzero(distribution <= estimate)
    share = below / (2 * len(distribution))
    return _NORMAL.inv_cdf(share) if 0 < share < 1 else math.copysign(math.inf, share - 0.5)


def _bca_levels(z0: float, a: float, levels: Sequence[float]) -> list[float]:
    out = []
    for level in levels:
        z = z0 + _NORMAL.inv_cdf(level)
        out.append(_NORMAL.cdf(z0 + z / (1 - a * z)))
    return out


def bca_interval(
    estimate: float,
    distribution: FloatArray,
    jackknife: FloatArray,
    *,
    confidence: float,
    weights: FloatArray | None = None,
) -> tuple[float, float]:
    """Efron's BCa interval (the same formulas as ``scipy.stats.bootstrap(method='BCa')``).

    NaN bounds when the bias correction is infinite (the estimate lies outside
    every resampled value); :meth:`BootstrapResult.interval` then falls back to
    the percentile interval.
    """
    tail = (1 - check_confidence(confidence)) / 2
    z0 = _bias(estimate, distribution)
    if not math.isfinite(z0):
        return math.nan, math.nan
    levels = _bca_levels(z0, acceleration(jackknife, weights), [tail, 1 - tail])
    low, high = np.quantile(distribution, levels)
    return float(low), float(high)


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """The bootstrap distribution of one statistic, and the intervals it gives.

    ``distribution`` holds the resampled values that are defined;
    ``undefined`` counts the others. ``seeds`` is how many training seeds were
    resampled (1: rows only).
    """

    estimate: float
    distribution: FloatArray
    acceleration: float
    n: int
    seeds: int
    resamples: int
    undefined: int = 0

    def _usable(self, confidence: float) -> bool:
        return (
            math.isfinite(self.estimate)
            and len(self.distribution) > 0
            and self.undefined <= self.resamples * (1 - confidence) / 2
        )

    def interval(self, confidence: float = 0.95, *, method: Method = "bca") -> Interval:
        """The confidence interval; BCa falls back to percentile where BCa is undefined."""
        check_confidence(confidence)
        if not self._usable(confidence):
            return Interval(self.estimate, math.nan, math.nan, confidence, method)
        if method == "bca":
            z0 = _bias(self.estimate, self.distribution)
            if math.isfinite(z0):
                tail = (1 - confidence) / 2
                levels = _bca_levels(z0, self.acceleration, [tail, 1 - tail])
                low, high = np.quantile(self.distribution, levels)
                return Interval(self.estimate, float(low), float(high), confidence, "bca")
        low, high = percentile_interval(self.distribution, confidence=confidence)
        return Interval(self.estimate, low, high, confidence, "percentile")

    def p_value(
        self, threshold: float, *, alternative: Alternative, method: Method = "bca"
    ) -> float:
        """One-sided bootstrap p-value for "the true value is above (``greater``) or below
        (``less``) ``threshold``": the smallest tail share at which the interval's bound
        on that side passes the threshold (the BCa mapping inverted)."""
        if not self._usable(0.5 + 1e-9):
            return math.nan
        count = len(self.distribution)
        below = np.count_nonzero(self.distribution < threshold)
        below += np.count_nonzero(self.distribution <= threshold)
        share = min(max(below / (2 * count), 0.5 / count), 1 - 0.5 / count)
        z0 = _bias(self.estimate, self.distribution) if method == "bca" else 0.0
        a = self.acceleration if method == "bca" else 0.0
        if not math.isfinite(z0):
            z0, a = 0.0, 0.0
        w = _NORMAL.inv_cdf(share) - z0
        z = w / (1 + a * w) - z0
        return _NORMAL.cdf(z) if alternative == "greater" else 1 - _NORMAL.cdf(z)


@dataclass(frozen=True, eq=False)
class MetricBootstrap:
    """One metric of a challenger, and paired with it a champion and their difference
    (challenger - champion, in the metric's units), all from the same resamples."""

    metric: str
    higher_is_better: bool
    challenger: BootstrapResult
    champion: BootstrapResult | None = None
    difference: BootstrapResult | None = None


def _as_models(value: Predictions | Sequence[Predictions], role: str) -> list[Predictions]:
    models = [value] if isinstance(value, Predictions) else list(value)
    if not models:
        raise ConfigError(f"no {role} predictions were given", hint="Pass at least one seed's.")
    return models


def bootstrap_metric(
    metric: str | MetricSpec,
    challenger: Predictions | Sequence[Predictions],
    champion: Predictions | Sequence[Predictions] | None = None,
    *,
    task: Task = "classification",
    resamples: int = 2000,
    seed: int = 0,
    custom: Mapping[str, MetricSpec] | None = None,
    pos_label: Any = None,
    threads: int | None = None,
) -> MetricBootstrap:
    """Bootstrap ``metric`` for the challenger (one Predictions per training seed) and,
    when given, paired with the champion on the same rows and resamples."""
    if isinstance(resamples, bool) or not isinstance(resamples, int) or resamples < 100:
        raise ConfigError(f"resamples must be an integer ≥ 100, got {resamples!r}")
    spec = (
        metric if isinstance(metric, MetricSpec) else metric_spec(metric, task=task, custom=custom)
    )
    mine = _as_models(challenger, "challenger")
    theirs = [] if champion is None else _as_models(champion, "champion")
    statistic = spec.statistic([*mine, *theirs], pos_label=pos_label)
    raw = _resample(statistic, resamples=resamples, seed=seed, threads=threads)
    seed_rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed).spawn(2)[1]))
    chal = _seed_level(raw, range(len(mine)), seed_rng)
    results = {"challenger": _result(chal, raw, len(mine))}
    if theirs:
        champ = _seed_level(raw, range(len(mine), len(mine) + len(theirs)), seed_rng)
        results["champion"] = _result(champ, raw, len(theirs))
        diff: _Level = (chal[0] - champ[0], chal[1] - champ[1], chal[2] - champ[2])
        results["difference"] = _result(diff, raw, max(len(mine), len(theirs)))
    return MetricBootstrap(spec.name, spec.higher_is_better, **results)


@dataclass(frozen=True, eq=False)
class _Raw:
    """Per-model values: on all rows (m,), per resample (B, m), leave-one-out (g, m)."""

    estimate: FloatArray
    resampled: FloatArray
    jackknife: FloatArray
    weights: FloatArray
    n: int


def _resample(statistic: Statistic, *, resamples: int, seed: int, threads: int | None) -> _Raw:
    n = statistic.n
    counts: IntArray = np.ones(n, dtype=np.int64)
    key = statistic.key()
    if key is not None:
        first, distinct = _distinct_rows(key)
        if len(first) * 32 <= n:
            statistic, counts = statistic.subset(first), distinct
    statistic = statistic.reordered()
    estimate = statistic.values(counts[None, :])[0]
    jackknife, weights = statistic.leave_one_out(counts)
    cells = len(counts) if len(counts) < n else n
    chunk = max(1, min(resamples, CHUNK_CELLS // cells))
    starts = list(range(0, resamples, chunk))
    streams = np.random.SeedSequence(seed).spawn(2)[0].spawn(len(starts))
    probabilities = counts / n

    def run(index: int) -> FloatArray:
        rng = np.random.Generator(np.random.PCG64(streams[index]))
        size = min(chunk, resamples - starts[index])
        if len(counts) < n:
            return statistic.values(rng.multinomial(n, probabilities, size=size))
        # A few resamples at a time (the statistic's ``batch``) keep its working set
        # in cache; the stream, and so the result, is the same however it is split.
        batch = min(statistic.batch or size, size)
        out = np.empty((size, statistic.m))
        for first in range(0, size, batch):
            out[first : first + batch] = statistic.resampled(rng, min(batch, size - first))
        return out

    workers = threads if threads is not None else min(4, os.cpu_count() or 1)
    if not statistic.thread_safe:
        workers = 1
    if workers > 1 and len(starts) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(run, range(len(starts))))
    else:
        parts = [run(index) for index in range(len(starts))]
    return _Raw(estimate, np.concatenate(parts), jackknife, weights, n)


def _distinct_rows(key: FloatArray) -> tuple[IntArray, IntArray]:
    """First row of each distinct key row, and how many rows share it (1-D sorts only)."""
    code = np.zeros(len(key), dtype=np.int64)
    for column in key.T:
        _, inverse = np.unique(column, return_inverse=True)
        size = int(inverse.max()) + 1
        if int(code.max()) >= 2**62 // size:  # renumber the codes before they overflow
            code = np.unique(code, return_inverse=True)[1].reshape(-1).astype(np.int64)
        code = code * size + inverse.reshape(-1)
    _, first, counts = np.unique(code, return_index=True, return_counts=True)
    return first.astype(np.int64), counts.astype(np.int64)


_Level = tuple[float, FloatArray, FloatArray]


def _seed_level(raw: _Raw, columns: range, rng: np.random.Generator) -> _Level:
    """Average over seeds; with k > 1 seeds, resample the seeds too (two-level bootstrap)."""
    cols = list(columns)
    if len(cols) == 1:
        c = cols[0]
        return float(raw.estimate[c]), raw.resampled[:, c], raw.jackknife[:, c]
    k = len(cols)
    picks = rng.multinomial(k, np.full(k, 1 / k), size=len(raw.resampled))
    values = raw.resampled[:, cols]
    drawn = np.where(picks > 0, values, 0.0) * picks
    undefined = np.any(np.isnan(values) & (picks > 0), axis=1)
    resampled = np.where(undefined, np.nan, drawn.sum(axis=1) / k)
    return float(raw.estimate[cols].mean()), resampled, raw.jackknife[:, cols].mean(axis=1)


def _result(level: _Level, raw: _Raw, seeds: int) -> BootstrapResult:
    estimate, resampled, jackknife = level
    defined: npt.NDArray[np.bool_] = np.isfinite(resampled)
    return BootstrapResult(
        estimate=estimate,
        distribution=resampled[defined],
        acceleration=acceleration(jackknife, raw.weights),
        n=raw.n,
        seeds=seeds,
        resamples=len(resampled),
        undefined=int(len(resampled) - defined.sum()),
    )
