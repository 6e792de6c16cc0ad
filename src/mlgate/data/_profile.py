"""Reference profiles: compact, mergeable per-column statistics of a table.

A profile holds, per column, the row count and null count and either

* numeric columns: min, max, mean and the sum of squared deviations (merged with
  Chan et al.'s parallel formula), and a fixed-bin histogram: up to ``bins``
  equal-depth edges from the reference quantiles, with one underflow and one overflow
  bin so values outside the reference range still count; or
* categorical columns (text, category, boolean): the counts of the most frequent
  values (up to ``max_categories``) and the count of all the others.

A profile is a few kilobytes per column whatever the rows. Profiles built with the
same edges (``profile_frame(frame, like=reference)``) merge exactly, so monitoring can
add up live windows and measure drift against the reference without its raw rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from mlgate.data._stats import Floats
from mlgate.errors import DataError, IntegrityError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ColumnProfile",
    "Profile",
    "bin_counts",
    "column_kind",
    "merge_profiles",
    "numeric_profile",
    "numeric_values",
    "profile_frame",
]

ColumnKind = Literal["numeric", "categorical", "other"]
_FORMAT = 1
#: Default number of histogram bins and of categories kept per column.
BINS = 100
MAX_CATEGORIES = 100


def column_kind(series: pd.Series) -> ColumnKind:
    """numeric (integers, floats), categorical (text, category, boolean) or other.

    An object column that mixes kinds of values (numbers and text) is a DataError.
    """
    import pandas as pd
    from pandas.api import types

    dtype = series.dtype
    if types.is_bool_dtype(dtype):
        return "categorical"
    if types.is_numeric_dtype(dtype):
        return "numeric"
    if isinstance(dtype, pd.CategoricalDtype) or types.is_string_dtype(dtype):
        if str(dtype) == "object":
            inferred = types.infer_dtype(series, skipna=True)
            if inferred.startswith("mixed"):
                raise DataError(
                    f"the column '{series.name}' mixes kinds of values ({inferred})",
                    hint="Give each column one type (for example all numbers or all text).",
                )
            if inferred in {"integer", "floating", "decimal"}:
                return "numeric"
            if inferred == "boolean":
                return "categorical"
            if inferred not in {"string", "empty", "categorical"}:
                return "other"
        return "categorical"
    return "other"


def numeric_values(series: pd.Series) -> Floats:
    """The column's non-null values as sorted float64 (NaN and ±inf count as null)."""
    values: Floats = np.asarray(series.to_numpy(dtype=float, na_value=np.nan), dtype=np.float64)
    values = values[np.isfinite(values)]
    values.sort()
    return values


def _category_counts(series: pd.Series) -> dict[str, int]:
    counts = series.dropna().astype(str).value_counts(sort=True)
    return {str(k): int(v) for k, v in counts.items()}


def bin_counts(sorted_values: Floats, edges: Floats) -> Floats:
    """Counts of sorted values in [underflow, [e0, e1), …, [e(k-1), ek], overflow]."""
    cuts = np.concatenate(
        [
            np.searchsorted(sorted_values, edges[:1], side="left"),
            np.searchsorted(sorted_values, edges[1:-1], side="left"),
            np.searchsorted(sorted_values, edges[-1:], side="right"),
        ]
    )
    return np.diff(np.concatenate([[0], cuts, [sorted_values.size]])).astype(float)


@dataclass(frozen=True)
class ColumnProfile:
    """One column's statistics (see the module docstring)."""

    name: str
    kind: ColumnKind
    dtype: str
    n: int
    nulls: int
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    m2: float | None = None
    edges: tuple[float, ...] = ()
    counts: tuple[float, ...] = ()
    categories: Mapping[str, int] = field(default_factory=dict)
    other: int = 0

    @property
    def count(self) -> int:
        """Non-null values."""
        return self.n - self.nulls

    @property
    def null_rate(self) -> float:
        """Share of rows with no value (0 for an empty table)."""
        return self.nulls / self.n if self.n else 0.0

    @property
    def std(self) -> float:
        """Population standard deviation of a numeric column (0 when unknown)."""
        if self.m2 is None or self.count == 0:
            return 0.0
        return math.sqrt(max(self.m2, 0.0) / self.count)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (:meth:`from_dict` reads it back)."""
        out: dict[str, Any] = {"kind": self.kind, "dtype": self.dtype, "n": self.n}
        out["nulls"] = self.nulls
        if self.kind == "numeric":
            out.update(min=self.min, max=self.max, mean=self.mean, m2=self.m2)
            out.update(edges=list(self.edges), counts=[int(c) for c in self.counts])
        elif self.kind == "categorical":
            out.update(categories=dict(self.categories), other=self.other)
        return out

    @classmethod
    def from_dict(cls, name: str, data: Mapping[str, Any]) -> ColumnProfile:
        """Read what :meth:`to_dict` wrote."""
        return cls(
            name=name,
            kind=data["kind"],
            dtype=str(data["dtype"]),
            n=int(data["n"]),
            nulls=int(data["nulls"]),
            min=data.get("min"),
            max=data.get("max"),
            mean=data.get("mean"),
            m2=data.get("m2"),
            edges=tuple(float(e) for e in data.get("edges", ())),
            counts=tuple(float(c) for c in data.get("counts", ())),
            categories={str(k): int(v) for k, v in data.get("categories", {}).items()},
            other=int(data.get("other", 0)),
        )


@dataclass(frozen=True)
class Profile:
    """Per-column statistics of a table with ``n`` rows."""

    n: int
    columns: Mapping[str, ColumnProfile]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, stored with each model version."""
        return {
            "format": _FORMAT,
            "n": self.n,
            "columns": {name: c.to_dict() for name, c in self.columns.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Profile:
        """Read what :meth:`to_dict` wrote; IntegrityError if it is malformed."""
        try:
            if data.get("format") != _FORMAT:
                raise ValueError(f"unknown format {data.get('format')!r}")
            columns = {
                str(name): ColumnProfile.from_dict(str(name), col)
                for name, col in data["columns"].items()
            }
            return cls(n=int(data["n"]), columns=columns)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IntegrityError(f"the stored reference profile is malformed: {exc}") from None


def _numeric_profile(
    name: str, series: pd.Series, *, bins: int, like: ColumnProfile | None
) -> ColumnProfile:
    return numeric_profile(
        name,
        str(series.dtype),
        len(series),
        numeric_values(series),
        bins=bins,
        edges=like.edges if like is not None and like.edges else None,
    )


def numeric_profile(
    name: str,
    dtype: str,
    n: int,
    values: Floats,
    *,
    bins: int = BINS,
    edges: tuple[float, ...] | None = None,
) -> ColumnProfile:
    """The profile of a numeric column from its sorted non-null ``values`` (of ``n`` rows);
    ``edges`` from a reference profile, or equal-depth edges from the values."""
    count = values.size
    if edges:
        cut = np.asarray(edges)
    elif count:
        distinct = values[np.concatenate([[True], values[1:] != values[:-1]])]
        if distinct.size <= bins:  # few values (counts, codes): one bin per value
            mids = (distinct[:-1] + distinct[1:]) / 2
            cut = np.concatenate([distinct[:1], mids, distinct[-1:]]) if mids.size else distinct
        else:
            at = np.round(np.linspace(0, count - 1, bins + 1)).astype(np.int64)
            cut = np.unique(values[at])
    else:
        cut = np.empty(0)
    counts = bin_counts(values, cut) if cut.size else np.empty(0)
    mean = float(values.mean()) if count else None
    return ColumnProfile(
        name=name,
        kind="numeric",
        dtype=dtype,
        n=n,
        nulls=n - count,
        min=float(values[0]) if count else None,
        max=float(values[-1]) if count else None,
        mean=mean,
        m2=float(np.sum((values - mean) ** 2)) if mean is not None else None,
        edges=tuple(float(e) for e in cut),
        counts=tuple(float(c) for c in counts),
    )


def _cap(counts: Mapping[str, int], other: int, limit: int) -> tuple[dict[str, int], int]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    kept = dict(ranked[:limit])
    return kept, other + sum(v for _, v in ranked[limit:])


def profile_frame(
    frame: pd.DataFrame,
    *,
    bins: int = BINS,
    max_categories: int = MAX_CATEGORIES,
    like: Profile | None = None,
) -> Profile:
    """The profile of ``frame``; with ``like``, numeric columns use its bin edges (so
    the two profiles merge and compare bin by bin).

    >>> import pandas as pd
    >>> p = profile_frame(pd.DataFrame({"x": [1.0, 2.0, None], "c": ["a", "b", "a"]}))
    >>> p.columns["x"].nulls, dict(p.columns["c"].categories)
    (1, {'a': 2, 'b': 1})
    """
    if bins < 1 or max_categories < 1:
        raise DataError(f"bins ({bins}) and max_categories ({max_categories}) must be ≥ 1")
    columns: dict[str, ColumnProfile] = {}
    for name in frame.columns:
        series = frame[name]
        key = str(name)
        kind = column_kind(series)
        ref = like.columns.get(key) if like is not None else None
        ref = ref if ref is not None and ref.kind == kind else None
        if kind == "numeric":
            columns[key] = _numeric_profile(key, series, bins=bins, like=ref)
        elif kind == "categorical":
            counts, other = _cap(_category_counts(series), 0, max_categories)
            nulls = int(series.isna().sum())
            columns[key] = ColumnProfile(
                key,
                "categorical",
                str(series.dtype),
                len(series),
                nulls,
                categories=counts,
                other=other,
            )
        else:
            nulls = int(series.isna().sum())
            columns[key] = ColumnProfile(key, "other", str(series.dtype), len(series), nulls)
    return Profile(n=len(frame), columns=columns)


def _merge_column(a: ColumnProfile, b: ColumnProfile, *, max_categories: int) -> ColumnProfile:
    if a.kind != b.kind:
        raise DataError(f"cannot merge profiles: the column '{a.name}' is {a.kind} and {b.kind}")
    n, nulls = a.n + b.n, a.nulls + b.nulls
    if a.kind == "categorical":
        counts = dict(a.categories)
        for key, value in b.categories.items():
            counts[key] = counts.get(key, 0) + value
        kept, other = _cap(counts, a.other + b.other, max_categories)
        return replace(a, n=n, nulls=nulls, categories=kept, other=other)
    if a.kind != "numeric":
        return replace(a, n=n, nulls=nulls)
    if a.count == 0 or b.count == 0:
        base = b if a.count == 0 else a
        counts_sum = tuple(x + y for x, y in zip(a.counts, b.counts, strict=False)) or base.counts
        return replace(base, n=n, nulls=nulls, counts=counts_sum)
    if a.edges != b.edges:
        raise DataError(
            f"cannot merge profiles: the column '{a.name}' has different histogram edges",
            hint="Profile the new data with profile_frame(frame, like=reference).",
        )
    assert a.mean is not None
    assert b.mean is not None
    assert a.m2 is not None
    assert b.m2 is not None
    total = a.count + b.count
    delta = b.mean - a.mean
    return replace(
        a,
        n=n,
        nulls=nulls,
        min=min(a.min, b.min),  # type: ignore[type-var]
        max=max(a.max, b.max),  # type: ignore[type-var]
        mean=a.mean + delta * b.count / total,
        m2=a.m2 + b.m2 + delta**2 * a.count * b.count / total,
        counts=tuple(x + y for x, y in zip(a.counts, b.counts, strict=True)),
    )


def merge_profiles(a: Profile, b: Profile, *, max_categories: int = MAX_CATEGORIES) -> Profile:
    """The profile of the rows of both (same columns; numeric columns with the same edges)."""
    if set(a.columns) != set(b.columns):
        only = sorted(set(a.columns) ^ set(b.columns))
        raise DataError(f"cannot merge profiles with different columns: {only}")
    merged = {
        name: _merge_column(col, b.columns[name], max_categories=max_categories)
        for name, col in a.columns.items()
    }
    return Profile(n=a.n + b.n, columns=merged)
