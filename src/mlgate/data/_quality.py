"""Quality checks of a training table: duplicates, constant and empty columns, the
label (missing, single-class, shifted against the champion's training data) and
suspected leakage (a feature that predicts the label almost perfectly).

Each check returns findings with counts and examples; the spec's ``data.checks``
decides whether a finding stops the run (error), is reported (warn) or is skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from mlgate.data._findings import Finding, apply_severity
from mlgate.data._profile import Profile

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["check_quality"]

#: A feature leaks when it predicts the label this well (accuracy, or |correlation|).
LEAKAGE = 0.99
_EXAMPLES = 5


def _duplicates(frame: pd.DataFrame) -> list[Finding]:
    dupes = frame.duplicated()
    count = int(dupes.sum())
    if not count:
        return []
    rows = tuple(int(i) for i in np.flatnonzero(dupes.to_numpy())[:_EXAMPLES])
    return [
        Finding(
            "duplicates",
            "duplicates",
            "error",
            f"{count:,} duplicate row(s) ({count / len(frame):.1%}), e.g. rows {list(rows)}",
            count=count,
            examples=rows,
        )
    ]


def _columns(frame: pd.DataFrame) -> tuple[list[Finding], list[Finding]]:
    constant, empty = [], []
    for name in frame.columns:
        series = frame[name]
        distinct = int(series.nunique(dropna=True))
        if distinct == 0:
            empty.append(
                Finding(
                    "empty_columns",
                    "empty",
                    "error",
                    f"the column '{name}' has no value",
                    column=str(name),
                    count=len(series),
                )
            )
        elif distinct == 1 and len(series) > 1:
            value = series.dropna().iloc[0]
            constant.append(
                Finding(
                    "constant_columns",
                    "constant",
                    "error",
                    f"the column '{name}' has a single value ({value!r})",
                    column=str(name),
                    examples=(value,),
                )
            )
    return constant, empty


def _label(frame: pd.DataFrame, label: str, task: str) -> list[Finding]:
    series = frame[label]
    found = []
    missing = int(series.isna().sum())
    if missing:
        rows = tuple(int(i) for i in np.flatnonzero(series.isna().to_numpy())[:_EXAMPLES])
        found.append(
            Finding(
                "label",
                "missing",
                "error",
                f"the label column '{label}' is empty in {missing:,} rows, e.g. {list(rows)}",
                column=label,
                count=missing,
                examples=rows,
            )
        )
    if task == "classification" and series.nunique(dropna=True) < 2:
        values = series.dropna().unique().tolist()
        found.append(
            Finding(
                "label",
                "single-class",
                "error",
                f"the label column '{label}' has a single class ({values[:1]}): "
                "a classifier cannot learn from it",
                column=label,
            )
        )
    return found


def _label_shift(frame: pd.DataFrame, label: str, reference: Profile) -> list[Finding]:
    from mlgate.data._drift import drift

    if label not in reference.columns or frame[label].notna().sum() == 0:
        return []
    ref = Profile(n=reference.n, columns={label: reference.columns[label]})
    report = drift(ref, frame[[label]], correction="none")
    col = report.columns[0]
    if not col.drifted:
        return []
    return [
        Finding(
            "label_shift",
            "shift",
            "error",
            f"the label '{label}' is distributed differently from the champion's training data "
            f"({col.test}: p = {col.p_value:.2g}, {col.effect} = {col.effect_size:.3f})",
            column=label,
            found=f"{col.effect_size:.4f}",
        )
    ]


def _ordered_purity(x: Any, y_codes: Any) -> float:
    """1 when sorting by ``x`` sorts the labels into runs (the label changes as rarely
    as it can), 0 when the label changes as often as in a random order."""
    ok = np.isfinite(x)
    x, y = x[ok], y_codes[ok]
    if y.size < 2:
        return 0.0
    shares = np.bincount(y) / y.size
    expected = (y.size - 1) * (1 - float(np.sum(shares**2)))
    if expected <= 0:
        return 0.0
    ordered = y[np.lexsort((y, x))]
    changes = int(np.count_nonzero(ordered[1:] != ordered[:-1]))
    return float(1 - changes / expected)


def _group_accuracy(series: pd.Series, y_codes: Any) -> float | None:
    """Accuracy of predicting the label by the majority within each category."""
    import pandas as pd

    codes, uniques = pd.factorize(series.astype(str).where(series.notna()))
    if len(uniques) > len(series) / 5:  # an identifier: it "predicts" by memorizing
        return None
    table = np.zeros((len(uniques) + 1, int(y_codes.max()) + 1))
    np.add.at(table, (np.asarray(codes) + 1, y_codes), 1)
    return float(table.max(axis=1).sum() / len(series))


def _leakage(frame: pd.DataFrame, label: str, task: str) -> list[Finding]:
    import pandas as pd

    from mlgate.data._profile import column_kind

    y = frame[label]
    keep = y.notna().to_numpy()
    n = int(keep.sum())
    if n < 20:
        return []
    found = []
    if task == "classification":
        y_codes, _ = pd.factorize(y[keep])
        baseline = np.bincount(y_codes).max() / n
        for name in frame.columns:
            if name == label:
                continue
            series = frame[name][keep]
            if column_kind(series) == "numeric":
                x = series.to_numpy(dtype=float, na_value=np.nan)
                purity = _ordered_purity(x, y_codes)
                if purity >= LEAKAGE:
                    found.append(
                        Finding(
                            "leakage",
                            "leakage",
                            "error",
                            f"the feature '{name}' separates the classes of '{label}' almost "
                            f"perfectly (sorted by it, the label changes as rarely as it can: "
                            f"purity {purity:.3f}): is it computed from the label?",
                            column=str(name),
                            found=f"{purity:.4f}",
                        )
                    )
                continue
            accuracy = _group_accuracy(series, y_codes)
            if accuracy is not None and accuracy >= LEAKAGE and accuracy > baseline + 0.05:
                found.append(
                    Finding(
                        "leakage",
                        "leakage",
                        "error",
                        f"the feature '{name}' predicts the label '{label}' almost perfectly "
                        f"(accuracy {accuracy:.3f} alone, {baseline:.3f} by the majority "
                        "class): is it computed from the label?",
                        column=str(name),
                        found=f"{accuracy:.4f}",
                    )
                )
        return found
    target = y[keep].to_numpy(dtype=float)
    for name in frame.columns:
        if name == label or column_kind(frame[name]) != "numeric":
            continue
        x = frame[name][keep].to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(x)
        if ok.sum() < 20 or np.std(x[ok]) == 0 or np.std(target[ok]) == 0:
            continue
        r = float(np.corrcoef(x[ok], target[ok])[0, 1])
        if abs(r) >= LEAKAGE:
            found.append(
                Finding(
                    "leakage",
                    "leakage",
                    "error",
                    f"the feature '{name}' predicts the label '{label}' almost perfectly "
                    f"(correlation {r:.3f}): is it computed from the label?",
                    column=str(name),
                    found=f"{r:.4f}",
                )
            )
    return found


def check_quality(
    frame: pd.DataFrame,
    *,
    label: str | None = None,
    task: str = "classification",
    reference: Profile | None = None,
    severities: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Quality findings of ``frame``; ``severities`` maps a check (duplicates,
    constant_columns, empty_columns, label, label_shift, leakage) to error | warn | off
    (defaults: label error, the others warn)."""
    sev = {"label": "error", "label_shift": "warn", "leakage": "warn"} | dict(severities or {})
    constant, empty = _columns(frame)
    found = apply_severity(_duplicates(frame), sev.get("duplicates", "warn"))
    found += apply_severity(constant, sev.get("constant_columns", "warn"))
    found += apply_severity(empty, sev.get("empty_columns", "warn"))
    if label is not None and label in frame.columns:
        found += apply_severity(_label(frame, label, task), sev["label"])
        if reference is not None and sev["label_shift"] != "off":
            found += apply_severity(_label_shift(frame, label, reference), sev["label_shift"])
        if sev["leakage"] != "off":
            found += apply_severity(_leakage(frame, label, task), sev["leakage"])
    return found
