"""Drift: does the current data come from the same distribution as the reference?

Per column, the test and the effect size are chosen by type and by what is at hand:

* numeric, both raw: two-sample Kolmogorov–Smirnov (exact statistic, asymptotic p);
  effect: Wasserstein distance divided by the reference standard deviation.
* numeric, reference is a stored profile: KS on the profile's histogram bins (a
  conservative lower bound of the statistic) and the binned Wasserstein distance.
* categorical (text, category, boolean): Pearson's chi-square on the 2×k contingency
  table of reference and current counts; categories too rare for the test (expected
  count below 5) are pooled, so small samples keep a valid test. Effect: the
  Jensen–Shannon distance (base 2). A value never seen in the reference is a category
  of its own.

PSI and Jensen–Shannon are reported for every column. A column drifts only if the
test rejects (after Holm or Benjamini–Hochberg across columns) *and* the effect size
exceeds the threshold: a million rows do not flag a 0.1 % shift. The data set
drifts when the share of drifted columns reaches ``share``. Empty, all-null and
one-sided columns are reported, never a crash.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from mlgate.data._profile import (
    ColumnProfile,
    Profile,
    column_kind,
    numeric_profile,
    numeric_values,
    profile_frame,
)
from mlgate.data._stats import (
    Floats,
    adjust,
    chi2_two_sample,
    jensen_shannon,
    ks_binned,
    ks_two_sample,
    psi,
    sorted_cdfs,
    wasserstein,
    wasserstein_binned,
)
from mlgate.errors import DataError, UsageError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ColumnDrift", "DriftReport", "drift"]

Status = Literal["drift", "stable", "empty", "missing", "new", "retyped", "skipped"]
#: Expected cell count below which chi-square categories are pooled (Cochran's rule).
MIN_EXPECTED = 5.0


@dataclass(frozen=True, slots=True)
class ColumnDrift:
    """One column's drift: test, p-values, effect size, and the verdict with a note."""

    column: str
    kind: str
    status: Status
    drifted: bool
    test: str | None = None
    statistic: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    effect: str | None = None
    effect_size: float | None = None
    psi: float | None = None
    jensen_shannon: float | None = None
    n_reference: int = 0
    n_current: int = 0
    note: str = ""


@dataclass(frozen=True, slots=True)
class DriftReport:
    """Per-column drift and the data set's verdict."""

    columns: tuple[ColumnDrift, ...]
    n_reference: int
    n_current: int
    alpha: float
    effect_threshold: float
    correction: str
    share: float

    @property
    def tested(self) -> tuple[ColumnDrift, ...]:
        """Columns a test was run on."""
        return tuple(c for c in self.columns if c.test is not None)

    @property
    def drifted_columns(self) -> tuple[str, ...]:
        """Names of the drifted columns."""
        return tuple(c.column for c in self.columns if c.drifted)

    @property
    def share_drifted(self) -> float:
        """Drifted columns among the compared ones (tested or retyped)."""
        compared = [c for c in self.columns if c.test is not None or c.status == "retyped"]
        return len(self.drifted_columns) / len(compared) if compared else 0.0

    @property
    def drifted(self) -> bool:
        """The data-set verdict: the share of drifted columns reaches ``share``."""
        return bool(self.drifted_columns) and self.share_drifted >= self.share


@dataclass(frozen=True, slots=True)
class _Raw:
    frame: pd.DataFrame | None
    profile: Profile


def _side(data: pd.DataFrame | Profile, *, like: Profile | None, role: str) -> _Raw:
    if isinstance(data, Profile):
        if data.n == 0:
            raise DataError(f"the {role} profile has no rows: there is nothing to compare")
        return _Raw(None, data)
    if len(data) == 0:
        raise DataError(
            f"the {role} data has no rows: there is nothing to compare",
            hint="Point the drift check at a snapshot with rows.",
        )
    return _Raw(data, Profile(n=len(data), columns={}))  # profiled column by column


def _column(name: str, ref: _Raw, cur: _Raw, *, in_current: bool) -> ColumnDrift:
    """One reference column against the current data (raw or profiled)."""
    ref_values: Floats | None = None
    if ref.frame is not None:
        series = ref.frame[name]
        kind = column_kind(series)
        if kind == "numeric":
            ref_values = numeric_values(series)
            rp = numeric_profile(name, str(series.dtype), len(series), ref_values)
        else:
            rp = profile_frame(series.to_frame(name)).columns[name]
    else:
        rp = ref.profile.columns[name]
    base: dict[str, Any] = {"column": name, "kind": rp.kind, "n_reference": rp.count}
    if not in_current:
        return ColumnDrift(status="missing", drifted=False, note="not in the current data", **base)
    cur_series = cur.frame[name] if cur.frame is not None else None
    cp = cur.profile.columns.get(name) if cur.frame is None else None
    kind = column_kind(cur_series) if cur_series is not None else (cp.kind if cp else "other")
    if kind != rp.kind:
        note = f"{rp.kind} in the reference, {kind} in the current data"
        return ColumnDrift(status="retyped", drifted=True, note=note, **base)
    if kind == "numeric":
        return _numeric(name, rp, cur_series, cp, ref_values)[0]
    if kind == "categorical":
        if cp is None:
            assert cur_series is not None
            cp = profile_frame(cur_series.to_frame(name)).columns[name]
        return _categorical(name, rp, cp)
    return ColumnDrift(status="skipped", drifted=False, note="no drift test for this type", **base)


def _cat_vectors(a: ColumnProfile, b: ColumnProfile) -> tuple[Floats, Floats]:
    keys = list(a.categories) + [k for k in b.categories if k not in a.categories]
    ref = np.array([a.categories.get(k, 0) for k in keys] + [a.other], dtype=float)
    cur = np.array([b.categories.get(k, 0) for k in keys] + [b.other], dtype=float)
    return ref, cur


def _pool(ref: Floats, cur: Floats) -> tuple[Floats, Floats]:
    """Pool categories whose expected count is below MIN_EXPECTED into one."""
    total = ref.sum() + cur.sum()
    expected = (ref + cur) * min(ref.sum(), cur.sum()) / total
    rare = expected < MIN_EXPECTED
    if not rare.any():
        return ref, cur
    return (
        np.append(ref[~rare], ref[rare].sum()),
        np.append(cur[~rare], cur[rare].sum()),
    )


def _numeric(
    name: str,
    ref: ColumnProfile,
    cur_series: pd.Series | None,
    cur: ColumnProfile | None,
    ref_values: Floats | None,
) -> tuple[ColumnDrift, ColumnProfile]:
    cur_values = numeric_values(cur_series) if cur_series is not None else None
    if cur is None:
        assert cur_series is not None
        assert cur_values is not None
        cur = numeric_profile(
            name, str(cur_series.dtype), len(cur_series), cur_values, edges=ref.edges or None
        )
    base: dict[str, Any] = {
        "column": name,
        "kind": "numeric",
        "n_reference": ref.count,
        "n_current": cur.count,
    }
    if ref.count == 0 or cur.count == 0:
        side = "reference" if ref.count == 0 else "current"
        return ColumnDrift(
            status="empty", drifted=False, note=f"no values in the {side} data", **base
        ), cur
    ref_counts, cur_counts = np.asarray(ref.counts), np.asarray(cur.counts)
    std = ref.std
    if ref_values is not None and cur_values is not None:
        cdfs = sorted_cdfs(ref_values, cur_values)
        test = ks_two_sample(ref_values, cur_values, cdfs=cdfs)
        distance = wasserstein(ref_values, cur_values, cdfs=cdfs)
        test_name = "ks"
    else:
        test = ks_binned(ref_counts, cur_counts)
        assert cur.max is not None
        right = np.append(np.asarray(ref.edges), max(ref.edges[-1], cur.max))
        distance = wasserstein_binned(right, ref_counts, cur_counts)
        test_name = "ks (binned)"
    effect = distance / std if std > 0 else (0.0 if distance == 0 else float("inf"))
    return ColumnDrift(
        status="stable",
        drifted=False,
        test=test_name,
        statistic=test.statistic,
        p_value=test.p_value,
        effect="wasserstein (normalized)",
        effect_size=effect,
        psi=psi(ref_counts, cur_counts),
        jensen_shannon=jensen_shannon(ref_counts, cur_counts),
        **base,
    ), cur


def _categorical(name: str, ref: ColumnProfile, cur: ColumnProfile) -> ColumnDrift:
    base: dict[str, Any] = {"column": name, "kind": "categorical", "n_reference": ref.count}
    base["n_current"] = cur.count
    if ref.count == 0 or cur.count == 0:
        side = "reference" if ref.count == 0 else "current"
        return ColumnDrift(
            status="empty", drifted=False, note=f"no values in the {side} data", **base
        )
    ref_counts, cur_counts = _cat_vectors(ref, cur)
    test = chi2_two_sample(*_pool(ref_counts, cur_counts))
    new = [k for k in cur.categories if k not in ref.categories]
    note = f"{len(new)} new value(s), e.g. {new[:3]}" if new else ""
    return ColumnDrift(
        status="stable",
        drifted=False,
        test="chi2",
        statistic=test.statistic,
        p_value=test.p_value,
        effect="jensen-shannon",
        effect_size=jensen_shannon(ref_counts, cur_counts),
        psi=psi(ref_counts, cur_counts),
        jensen_shannon=jensen_shannon(ref_counts, cur_counts),
        note=note,
        **base,
    )


def drift(
    reference: pd.DataFrame | Profile,
    current: pd.DataFrame | Profile,
    *,
    alpha: float = 0.05,
    effect_size: float = 0.1,
    correction: str = "holm",
    share: float = 0.5,
    columns: Sequence[str] | None = None,
    threads: int | None = None,
) -> DriftReport:
    """Per-column and data-set drift of ``current`` against ``reference``.

    Either side may be a raw frame or a :class:`Profile` (a stored reference profile, or
    a live window profiled with ``like=reference``). A column drifts if its adjusted
    p-value is below ``alpha`` and its effect size exceeds ``effect_size``. Columns are
    compared on ``threads`` threads (default: up to 4, one per core, when a side is a raw
    frame; one when both are profiles, whose comparisons hold the GIL).
    """
    if not 0 < alpha < 1:
        raise UsageError(f"alpha must be between 0 and 1, not {alpha}")
    if correction not in {"holm", "bh", "none"}:
        raise UsageError(f"unknown correction {correction!r}", hint="Use holm, bh or none.")
    if effect_size < 0 or not 0 < share <= 1:
        raise UsageError(f"effect_size ({effect_size}) must be ≥ 0 and share ({share}) in (0, 1]")
    ref = _side(reference, like=None, role="reference")
    cur = _side(current, like=ref.profile, role="current")
    ref_names = (
        [str(c) for c in ref.frame.columns] if ref.frame is not None else list(ref.profile.columns)
    )
    cur_names = (
        [str(c) for c in cur.frame.columns] if cur.frame is not None else list(cur.profile.columns)
    )
    if columns is not None:
        unknown = [c for c in columns if c not in ref_names and c not in cur_names]
        if unknown:
            raise UsageError(f"unknown column(s) {unknown}: not in either data set")
        ref_names = [c for c in ref_names if c in columns]
        cur_names = [c for c in cur_names if c in columns]
    common = [c for c in ref_names if c in cur_names]
    if not common:
        raise DataError(
            "the two data sets have no column in common "
            f"(reference: {ref_names[:5]}, current: {cur_names[:5]})",
            hint="Compare snapshots of the same table.",
        )

    def one(name: str) -> ColumnDrift:
        return _column(name, ref, cur, in_current=name in cur_names)

    if threads is None:  # raw columns sort in numpy, which releases the GIL; profiles do not
        raw = ref.frame is not None or cur.frame is not None
        threads = min(4, os.cpu_count() or 1) if raw else 1
    if threads > 1 and len(ref_names) > 1:  # numpy sorts release the GIL
        with ThreadPoolExecutor(max_workers=threads) as pool:
            results = list(pool.map(one, ref_names))
    else:
        results = [one(name) for name in ref_names]
    known = set(ref_names)
    for name in cur_names:
        if name not in known:
            results.append(
                ColumnDrift(
                    column=name,
                    kind="?",
                    status="new",
                    drifted=False,
                    note="not in the reference data",
                )
            )
    return _verdicts(
        results,
        n_reference=len(ref.frame) if ref.frame is not None else ref.profile.n,
        n_current=len(cur.frame) if cur.frame is not None else cur.profile.n,
        alpha=alpha,
        effect_size=effect_size,
        correction=correction,
        share=share,
    )


def _verdicts(
    results: list[ColumnDrift],
    *,
    n_reference: int,
    n_current: int,
    alpha: float,
    effect_size: float,
    correction: str,
    share: float,
) -> DriftReport:
    from dataclasses import replace

    tested = [i for i, r in enumerate(results) if r.p_value is not None]
    adjusted = adjust([results[i].p_value for i in tested], correction)
    for i, p_adj in zip(tested, adjusted, strict=True):
        r = results[i]
        assert r.effect_size is not None
        drifted = bool(p_adj < alpha and r.effect_size > effect_size)
        results[i] = replace(
            r, p_adjusted=float(p_adj), drifted=drifted, status="drift" if drifted else "stable"
        )
    return DriftReport(
        columns=tuple(results),
        n_reference=n_reference,
        n_current=n_current,
        alpha=alpha,
        effect_threshold=effect_size,
        correction=correction,
        share=share,
    )
