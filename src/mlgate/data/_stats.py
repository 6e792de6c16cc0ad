"""Two-sample statistics for drift, vectorized over numpy arrays (no per-row Python).

Each function matches its scipy counterpart on the same data (tests check 1e-9):

* :func:`ks_two_sample` — ``scipy.stats.ks_2samp(..., method="asymp")``: the largest
  distance between the two empirical CDFs, and Smirnov's asymptotic p-value
  (Kolmogorov–Smirnov, 1939; valid for continuous data, conservative with ties).
* :func:`wasserstein` — ``scipy.stats.wasserstein_distance``: the area between the CDFs.
* :func:`jensen_shannon` — ``scipy.spatial.distance.jensenshannon(p, q, base=2)``: in [0, 1].
* :func:`chi2_two_sample` — ``scipy.stats.chi2_contingency`` on the 2×k table of reference
  and current counts (Pearson; Yates' correction when k = 2, as scipy does), a
  two-sample test: it does not treat the reference frequencies as exact.
* :func:`psi` — the population stability index, sum (c − r) ln(c / r) over bins.

p-values are adjusted across columns with :func:`holm` or :func:`benjamini_hochberg`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "StatResult",
    "adjust",
    "benjamini_hochberg",
    "chi2_two_sample",
    "holm",
    "jensen_shannon",
    "ks_binned",
    "ks_two_sample",
    "psi",
    "sorted_cdfs",
    "wasserstein",
    "wasserstein_binned",
]

Floats = NDArray[np.float64]
#: Proportions below this are clipped in PSI (empty bins would make it infinite).
PSI_EPS = 1e-4


@dataclass(frozen=True, slots=True)
class StatResult:
    """A statistic, its p-value and degrees of freedom (0 when not applicable)."""

    statistic: float
    p_value: float
    dof: int = 0


def sorted_cdfs(a: Floats, b: Floats) -> tuple[Floats, Floats, Floats]:
    """Both empirical CDFs evaluated at the pooled sorted values.

    ``a`` and ``b`` must be sorted. Returns ``(values, cdf_a, cdf_b)``; inside a run of
    equal values only the last position carries the right CDF (the others are used with
    a zero-width step, so they never count).
    """
    pooled = np.concatenate([a, b])
    order = np.argsort(pooled, kind="stable")  # two sorted runs: a linear merge
    values = pooled[order]
    from_a = order < a.size
    cdf_a = np.cumsum(from_a) / a.size
    cdf_b = np.cumsum(~from_a) / b.size
    return values, cdf_a, cdf_b


def ks_two_sample(
    a: Floats, b: Floats, *, cdfs: tuple[Floats, Floats, Floats] | None = None
) -> StatResult:
    """Two-sided two-sample Kolmogorov–Smirnov test on sorted samples (asymptotic p).

    >>> r = ks_two_sample(np.array([0.0, 1.0, 2.0]), np.array([0.5, 1.5, 2.5, 3.5]))
    >>> round(r.statistic, 4)
    0.5
    """
    values, cdf_a, cdf_b = cdfs if cdfs is not None else sorted_cdfs(a, b)
    last = np.ones(values.size, dtype=bool)
    last[:-1] = values[1:] != values[:-1]
    d = float(np.max(np.abs(cdf_a[last] - cdf_b[last]))) if values.size else 0.0
    return StatResult(d, _ks_p(d, a.size, b.size))


def _ks_p(d: float, n_a: int, n_b: int) -> float:
    from scipy.stats import kstwo  # type: ignore[import-untyped]

    m, n = sorted([float(n_a), float(n_b)], reverse=True)
    en = m * n / (m + n)
    return float(np.clip(kstwo.sf(d, np.round(en)), 0.0, 1.0))


def ks_binned(ref_counts: Floats, cur_counts: Floats) -> StatResult:
    """KS on two histograms over the same bins: the CDF distance at the bin edges.

    A lower bound of the exact statistic (it is looked at only at the edges), so the
    test is conservative; used when the reference is a stored profile.
    """
    n_a, n_b = float(ref_counts.sum()), float(cur_counts.sum())
    d = float(np.max(np.abs(np.cumsum(ref_counts) / n_a - np.cumsum(cur_counts) / n_b)))
    return StatResult(d, _ks_p(d, int(n_a), int(n_b)))


def wasserstein(
    a: Floats, b: Floats, *, cdfs: tuple[Floats, Floats, Floats] | None = None
) -> float:
    """The first Wasserstein distance between two samples (sorted), in their units.

    >>> wasserstein(np.array([0.0, 1.0]), np.array([1.0, 2.0]))
    1.0
    """
    values, cdf_a, cdf_b = cdfs if cdfs is not None else sorted_cdfs(a, b)
    if values.size < 2:
        return 0.0
    return float(np.sum(np.abs(cdf_a[:-1] - cdf_b[:-1]) * np.diff(values)))


def wasserstein_binned(edges: Floats, ref_counts: Floats, cur_counts: Floats) -> float:
    """Wasserstein distance between two histograms on the same interior bins (edges)."""
    cdf_a = np.cumsum(ref_counts) / ref_counts.sum()
    cdf_b = np.cumsum(cur_counts) / cur_counts.sum()
    return float(np.sum(np.abs(cdf_a[:-1] - cdf_b[:-1]) * np.diff(edges)))


def _proportions(counts: Floats) -> Floats:
    total = counts.sum()
    return counts / total if total > 0 else counts


def jensen_shannon(p: Floats, q: Floats) -> float:
    """Jensen–Shannon distance (base 2, in [0, 1]) between two count vectors.

    >>> jensen_shannon(np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    1.0
    """
    p, q = _proportions(p), _proportions(q)
    m = (p + q) / 2

    def kl(x: Floats) -> float:
        mask = x > 0
        return float(np.sum(x[mask] * np.log2(x[mask] / m[mask])))

    return float(np.sqrt(max((kl(p) + kl(q)) / 2, 0.0)))


def psi(ref_counts: Floats, cur_counts: Floats) -> float:
    """Population stability index between two count vectors over the same bins."""
    r = np.clip(_proportions(ref_counts), PSI_EPS, None)
    c = np.clip(_proportions(cur_counts), PSI_EPS, None)
    return float(np.sum((c - r) * np.log(c / r)))


def chi2_two_sample(ref_counts: Floats, cur_counts: Floats) -> StatResult:
    """Pearson's chi-square test of homogeneity on the 2×k table [reference; current].

    Categories empty in both rows are dropped. With a single category left there is
    nothing to test (statistic 0, p 1).
    """
    from scipy.special import chdtrc  # type: ignore[import-untyped]

    keep = (ref_counts + cur_counts) > 0
    table = np.vstack([ref_counts[keep], cur_counts[keep]]).astype(float)
    k = table.shape[1]
    if k < 2 or table[0].sum() == 0 or table[1].sum() == 0:
        return StatResult(0.0, 1.0, 0)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    diff = table - expected
    dof = k - 1
    if dof == 1:  # Yates' continuity correction, as scipy applies to a 2×2 table
        diff = diff - np.sign(diff) * np.minimum(0.5, np.abs(diff))
    stat = float(np.sum(diff**2 / expected))
    return StatResult(stat, float(chdtrc(dof, stat)), dof)


def holm(p_values: Any) -> Floats:
    """Holm's step-down adjusted p-values (family-wise error control)."""
    p = np.asarray(p_values, dtype=float)
    n = p.size
    if n == 0:
        return p
    order = np.argsort(p)
    adjusted = np.maximum.accumulate(p[order] * (n - np.arange(n)))
    out = np.empty(n)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def benjamini_hochberg(p_values: Any) -> Floats:
    """Benjamini–Hochberg adjusted p-values (false discovery rate control)."""
    p = np.asarray(p_values, dtype=float)
    n = p.size
    if n == 0:
        return p
    order = np.argsort(p)
    scaled = p[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def adjust(p_values: Any, method: str) -> Floats:
    """Adjust p-values by ``holm``, ``bh`` or ``none``."""
    if method == "holm":
        return holm(p_values)
    if method == "bh":
        return benjamini_hochberg(p_values)
    return np.asarray(p_values, dtype=float)
