"""The train-contract checker: does a function behave as mlgate needs?"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["check_train_function"]


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def _call(fn: Callable[..., Any], data: pd.DataFrame, params: Mapping[str, Any], seed: int) -> Any:
    try:
        return fn(data, copy.deepcopy(dict(params)), seed)
    except Exception as exc:
        raise AssertionError(
            f"{_name(fn)}(data, params, seed={seed}) raised {type(exc).__name__}: {exc}"
        ) from exc


def _features(model: Any, data: pd.DataFrame, label: str | None) -> pd.DataFrame:
    if label is not None:
        if label not in data.columns:
            raise AssertionError(f"the label column {label!r} is not in data")
        return data.drop(columns=[label])
    names = getattr(model, "feature_names_in_", None)
    if names is None:
        raise AssertionError(
            "cannot tell the features from the label: pass label='the label column'"
        )
    return data[list(names)]


def _predict(model: Any, features: pd.DataFrame, what: str) -> np.ndarray:
    import numpy as np

    try:
        return np.asarray(model.predict(features))
    except Exception as exc:
        raise AssertionError(f"predict of the {what} failed: {type(exc).__name__}: {exc}") from exc


def _differ(a: np.ndarray, b: np.ndarray) -> int:
    """How many predictions differ (all of them if the shapes differ)."""
    import numpy as np

    if a.shape != b.shape:
        return max(len(a), len(b))
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        same = (a == b) | (np.isnan(a) & np.isnan(b))
    else:
        same = a == b
    if same.ndim > 1:
        same = same.all(axis=tuple(range(1, same.ndim)))
    return int((~np.asarray(same, dtype=bool)).sum())


def check_train_function(
    fn: Callable[..., Any],
    data: pd.DataFrame,
    params: Mapping[str, Any],
    *,
    label: str | None = None,
    seed: int = 0,
    flavor: str = "sklearn",
) -> None:
    """Check that ``fn`` keeps mlgate's training contract; AssertionError says what does not.

    ``fn(data, params, seed)`` must return a model with ``predict``; the same
    seed twice must give the same predictions; predictions must have one value
    per row of the features (``data`` without ``label``; without ``label``, the
    model's ``feature_names_in_``); the model must survive saving and loading
    with ``flavor`` unchanged; and ``fn`` must not change ``data`` in place.

    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> frame = load_breast_cancer(as_frame=True).frame
    >>> def train(data, params, seed):
    ...     model = LogisticRegression(max_iter=params["max_iter"], random_state=seed)
    ...     return model.fit(data.drop(columns=["target"]), data["target"])
    >>> check_train_function(train, frame, {"max_iter": 5000}, label="target")
    """
    from mlgate.errors import MlgateError
    from mlgate.train.flavors import dump_model, load_model

    original = data.copy(deep=True)
    model = _call(fn, data, params, seed)
    problems: list[str] = []
    if not data.equals(original):
        problems.append("it changed its data argument in place (work on a copy)")
    if not callable(getattr(model, "predict", None)):
        kind = "None (is a `return model` missing?)" if model is None else type(model).__name__
        problems.append(f"it returned {kind}, which has no predict method")
        raise AssertionError(_report(fn, problems))
    features = _features(model, original, label)
    first = _predict(model, features, "returned model")
    if tuple(first.shape) not in {(len(features),), (len(features), 1)}:
        problems.append(
            f"predict returned shape {tuple(first.shape)} for {len(features)} rows; "
            f"expected ({len(features)},)"
        )
    again = _predict(_call(fn, original.copy(deep=True), params, seed), features, "second model")
    changed = _differ(first, again)
    if changed:
        problems.append(
            f"the same seed ({seed}) twice gave different predictions on {changed} of "
            f"{len(features)} rows; derive every source of randomness from `seed`"
        )
    try:
        data_bytes = dump_model(model, flavor=flavor, allow_pickle=flavor == "python")
        loaded = load_model(data_bytes, flavor=flavor, allow_pickle=flavor == "python")
    except MlgateError as exc:
        problems.append(f"the model does not round-trip through the {flavor} flavor: {exc}")
    else:
        changed = _differ(first, _predict(loaded, features, "saved and reloaded model"))
        if changed:
            problems.append(
                f"after saving and loading with the {flavor} flavor, {changed} of "
                f"{len(features)} predictions changed"
            )
    if problems:
        raise AssertionError(_report(fn, problems))


def _report(fn: Callable[..., Any], problems: list[str]) -> str:
    count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
    return f"{_name(fn)} does not keep the training contract ({count}):\n" + "\n".join(
        f"- {problem}" for problem in problems
    )
