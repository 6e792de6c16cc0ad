"""mlgate.testing.check_train_function: the contract checker for users' own tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlgate.testing import check_train_function

from .conftest import LABEL


def good(data: pd.DataFrame, params: dict[str, Any], seed: int) -> Any:
    from sklearn.tree import DecisionTreeClassifier

    model = DecisionTreeClassifier(max_depth=params["depth"], random_state=seed)
    return model.fit(data.drop(columns=[LABEL]), data[LABEL])


def unseeded(data: pd.DataFrame, params: dict[str, Any], seed: int) -> Any:
    from sklearn.ensemble import RandomForestClassifier

    model = RandomForestClassifier(n_estimators=3, max_features=1)
    return model.fit(data.drop(columns=[LABEL]), data[LABEL])


def in_place(data: pd.DataFrame, params: dict[str, Any], seed: int) -> Any:
    data["mean radius"] = 0.0
    return good(data, params, seed)


class Constant:
    def predict(self, rows: Any) -> Any:
        return np.zeros((len(rows), 2))


def wrong_shape(data: pd.DataFrame, params: dict[str, Any], seed: int) -> Any:
    return Constant()


def nothing(data: pd.DataFrame, params: dict[str, Any], seed: int) -> Any:
    return None


def test_a_function_that_keeps_the_contract(cancer: pd.DataFrame) -> None:
    check_train_function(good, cancer, {"depth": 3}, label=LABEL)
    check_train_function(good, cancer, {"depth": 3})  # features from feature_names_in_


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (unseeded, r"the same seed \(0\) twice gave different predictions on \d+ of 569 rows"),
        (in_place, r"it changed its data argument in place"),
        (nothing, r"it returned None \(is a `return model` missing\?\), which has no predict"),
        (wrong_shape, r"predict returned shape \(569, 2\) for 569 rows; expected \(569,\)"),
        (wrong_shape, r"does not round-trip through the sklearn flavor"),
    ],
)
def test_what_does_not_fit_is_said(cancer: pd.DataFrame, fn: Any, message: str) -> None:
    data = cancer.copy()
    with pytest.raises(AssertionError, match=message):
        check_train_function(fn, data, {"depth": 3}, label=LABEL)


def test_an_exception_in_the_function(cancer: pd.DataFrame) -> None:
    with pytest.raises(
        AssertionError, match=r"good\(data, params, seed=0\) raised KeyError: 'depth'"
    ):
        check_train_function(good, cancer, {}, label=LABEL)
