"""Compatibility of new data with the production model (the champion).

The champion's input signature says which columns it reads and their kinds; its
reference profile says what their values looked like in training. New data is
incompatible when a column is missing (renamed ones are suggested by name
similarity), or has another kind: those are errors. New categories, values outside
the training range and jumps in the share of empty values are warnings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mlgate.data._findings import Finding
from mlgate.data._profile import Profile
from mlgate.train.signature import Signature, _frame_dtype, dtype_kind

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["check_compatibility", "frame_kind"]

_SAME = {"integer": "number", "float": "number", "category": "string"}
#: A null rate jumps when it grows by this much (absolute) and at least doubles.
NULL_JUMP = 0.05
_EXAMPLES = 5


def frame_kind(series: pd.Series) -> str:
    """The kind (integer, float, string, …) of a frame column, as signatures use it."""
    return dtype_kind(_frame_dtype(series))


def renamed_to(name: str, candidates: list[str]) -> str | None:
    """The candidate ``name`` was most likely renamed to: similar spelling, or one name
    inside the other (``age`` → ``age_years``); None below a similarity of 0.6."""
    import difflib

    best, score = None, 0.6
    for candidate in candidates:
        a, b = name.lower(), candidate.lower()
        ratio = difflib.SequenceMatcher(None, a, b).ratio()
        if a in b or b in a:
            ratio = max(ratio, 0.8)
        if ratio >= score:
            best, score = candidate, ratio
    return best


def _same(a: str, b: str) -> bool:
    return _SAME.get(a, a) == _SAME.get(b, b)


def check_compatibility(
    frame: pd.DataFrame, signature: Signature, *, profile: Profile | None = None, version: str = ""
) -> list[Finding]:
    """What keeps the champion (``version``, e.g. ``"churn v3"``) from reading ``frame``."""
    model = f"the production model{f' ({version})' if version else ''}"
    present = {str(c): c for c in frame.columns}
    known = set(signature.names)
    extra = {n: frame_kind(frame[present[n]]) for n in present if n not in known}
    found: list[Finding] = []
    for spec in signature.columns:
        if spec.name not in present:
            candidates = [n for n, k in extra.items() if _same(k, spec.kind)]
            guess = renamed_to(spec.name, candidates)
            if guess:
                found.append(
                    Finding(
                        "compatibility",
                        "renamed",
                        "error",
                        f"the column '{spec.name}' ({spec.dtype}) that {model} reads is missing; "
                        f"was it renamed to '{guess}'?",
                        column=spec.name,
                        expected=spec.name,
                        found=guess,
                    )
                )
            else:
                found.append(
                    Finding(
                        "compatibility",
                        "missing",
                        "error",
                        f"the column '{spec.name}' ({spec.dtype}) that {model} reads is missing",
                        column=spec.name,
                        expected=spec.dtype,
                    )
                )
            continue
        series = frame[present[spec.name]]
        kind = frame_kind(series)
        if not _same(kind, spec.kind):
            found.append(
                Finding(
                    "compatibility",
                    "retyped",
                    "error",
                    f"the column '{spec.name}' is {_frame_dtype(series)} ({kind}), but {model} "
                    f"was trained on {spec.dtype} ({spec.kind})",
                    column=spec.name,
                    expected=spec.dtype,
                    found=_frame_dtype(series),
                )
            )
            continue
        col = profile.columns.get(spec.name) if profile is not None else None
        if col is not None:
            found.extend(_values(spec.name, series, col, model))
    return found


def _values(name: str, series: pd.Series, col: object, model: str) -> list[Finding]:
    from mlgate.data._profile import ColumnProfile

    assert isinstance(col, ColumnProfile)
    found: list[Finding] = []
    n = len(series)
    nulls = int(series.isna().sum())
    rate = nulls / n if n else 0.0
    if rate - col.null_rate > NULL_JUMP and rate >= 2 * col.null_rate:
        found.append(
            Finding(
                "compatibility",
                "nulls",
                "warn",
                f"the column '{name}' is empty in {rate:.1%} of rows, {col.null_rate:.1%} in "
                f"the training data of {model}",
                column=name,
                expected=f"{col.null_rate:.4f}",
                found=f"{rate:.4f}",
                count=nulls,
            )
        )
    if col.kind == "numeric" and col.min is not None and col.max is not None:
        values = series.to_numpy(dtype=float, na_value=np.nan)
        outside = values[(values < col.min) | (values > col.max)]
        if outside.size:
            found.append(
                Finding(
                    "compatibility",
                    "range",
                    "warn",
                    f"the column '{name}' has {outside.size:,} value(s) outside the training "
                    f"range [{col.min:g}, {col.max:g}], e.g. {outside[:_EXAMPLES].tolist()}",
                    column=name,
                    expected=f"[{col.min:g}, {col.max:g}]",
                    found=f"[{np.nanmin(values):g}, {np.nanmax(values):g}]",
                    count=int(outside.size),
                    examples=tuple(outside[:_EXAMPLES].tolist()),
                )
            )
    elif col.kind == "categorical" and not col.other:
        text = series.dropna().astype(str)
        new = text[~text.isin(list(col.categories))]
        if len(new):
            kinds = new.unique().tolist()
            found.append(
                Finding(
                    "compatibility",
                    "categories",
                    "warn",
                    f"the column '{name}' has {len(kinds)} value(s) never seen in training "
                    f"({len(new):,} rows), e.g. {kinds[:_EXAMPLES]}",
                    column=name,
                    found=f"{len(kinds)} new",
                    count=len(new),
                    examples=tuple(kinds[:_EXAMPLES]),
                )
            )
    return found
