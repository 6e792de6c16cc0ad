"""The drift statistics match scipy on the same data (within 1e-9)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats  # type: ignore[import-untyped]
from scipy.spatial.distance import jensenshannon  # type: ignore[import-untyped]

from mlgate.data._stats import (
    benjamini_hochberg,
    chi2_two_sample,
    holm,
    jensen_shannon,
    ks_two_sample,
    psi,
    wasserstein,
)

TOL = 1e-9


def _samples(seed: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if kind == "continuous":
        a, b = rng.normal(size=800), rng.normal(0.15, 1.2, size=1300)
    elif kind == "ties":
        a, b = rng.integers(0, 6, 400).astype(float), rng.integers(0, 7, 650).astype(float)
    else:  # tiny and unequal
        a, b = rng.exponential(size=7), rng.exponential(2.0, size=3)
    return np.sort(a), np.sort(b)


@pytest.mark.parametrize("kind", ["continuous", "ties", "tiny"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ks_and_wasserstein_match_scipy(kind: str, seed: int) -> None:
    a, b = _samples(seed, kind)
    ours = ks_two_sample(a, b)
    ref = stats.ks_2samp(a, b, method="asymp")
    assert ours.statistic == pytest.approx(ref.statistic, abs=TOL)
    assert ours.p_value == pytest.approx(ref.pvalue, abs=TOL)
    assert wasserstein(a, b) == pytest.approx(stats.wasserstein_distance(a, b), abs=TOL)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_chi2_two_sample_matches_chi2_contingency(seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = int(rng.integers(3, 12))
    ref = rng.integers(5, 200, k).astype(float)
    cur = rng.integers(5, 200, k).astype(float)
    ours = chi2_two_sample(ref, cur)
    theirs = stats.chi2_contingency(np.vstack([ref, cur]))
    assert ours.statistic == pytest.approx(theirs.statistic, abs=TOL)
    assert ours.p_value == pytest.approx(theirs.pvalue, abs=TOL)
    assert ours.dof == theirs.dof


def test_chi2_on_two_categories_uses_yates_like_scipy() -> None:
    ours = chi2_two_sample(np.array([10.0, 20.0]), np.array([15.0, 9.0]))
    theirs = stats.chi2_contingency([[10, 20], [15, 9]])
    assert ours.statistic == pytest.approx(theirs.statistic, abs=TOL)
    assert ours.p_value == pytest.approx(theirs.pvalue, abs=TOL)


def test_chi2_drops_categories_empty_on_both_sides_and_handles_one_category() -> None:
    with_empty = chi2_two_sample(np.array([10.0, 0.0, 30.0]), np.array([12.0, 0.0, 25.0]))
    without = chi2_two_sample(np.array([10.0, 30.0]), np.array([12.0, 25.0]))
    assert with_empty == without
    single = chi2_two_sample(np.array([10.0]), np.array([12.0]))
    assert (single.statistic, single.p_value) == (0.0, 1.0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jensen_shannon_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = rng.integers(0, 50, 9).astype(float)
    q = rng.integers(0, 50, 9).astype(float)
    p[0] = 0.0  # a bin empty on one side
    assert jensen_shannon(p, q) == pytest.approx(jensenshannon(p, q, base=2), abs=TOL)
    assert jensen_shannon(p, p) == pytest.approx(0.0, abs=1e-7)


def test_psi_is_zero_for_equal_and_grows_with_shift() -> None:
    ref = np.array([25.0, 25.0, 25.0, 25.0])
    assert psi(ref, ref) == 0.0
    expected = sum(
        (c - r) * np.log(c / r) for r, c in zip([0.25] * 4, [0.1, 0.2, 0.3, 0.4], strict=True)
    )
    assert psi(ref, np.array([10.0, 20.0, 30.0, 40.0])) == pytest.approx(expected, abs=TOL)


def _holm_reference(p: list[float]) -> list[float]:
    n = len(p)
    order = sorted(range(n), key=lambda i: p[i])
    out = [0.0] * n
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (n - rank) * p[i]))
        out[i] = running
    return out


def _bh_reference(p: list[float]) -> list[float]:
    n = len(p)
    order = sorted(range(n), key=lambda i: p[i])
    out = [0.0] * n
    running = 1.0
    for rank in range(n - 1, -1, -1):
        i = order[rank]
        running = min(running, p[i] * n / (rank + 1))
        out[i] = min(running, 1.0)
    return out


def test_holm_and_bh_match_their_definitions() -> None:
    p = [0.01, 0.04, 0.03, 0.005, 0.5, 0.2]
    assert holm(p).tolist() == pytest.approx(_holm_reference(p), abs=TOL)
    assert benjamini_hochberg(p).tolist() == pytest.approx(_bh_reference(p), abs=TOL)
    assert holm([]).size == 0
