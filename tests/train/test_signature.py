"""The model's input signature: inferred from the features, compared with new data."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from mlgate.errors import IntegrityError
from mlgate.train.signature import ColumnSpec, Signature, infer_signature

from .conftest import LABEL


@pytest.fixture
def mixed() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": [31, 45, 27],
            "income": [3.5, None, 2.25],
            "region": ["north", "south", "north"],
            "member": [True, False, True],
            "since": pd.to_datetime(["2020-01-01", "2021-06-01", "2019-03-15"]),
            "plan": pd.Categorical(["a", "b", "a"]),
            LABEL: [0, 1, 0],
        }
    )


def test_infer_from_the_features(mixed: pd.DataFrame) -> None:
    signature = infer_signature(mixed, label=LABEL)
    kinds = {c.name: (c.kind, c.nullable) for c in signature.columns}
    assert kinds == {
        "age": ("integer", False),
        "income": ("float", True),
        "region": ("string", False),
        "member": ("boolean", False),
        "since": ("datetime", False),
        "plan": ("category", False),
    }
    assert signature.names == ("age", "income", "region", "member", "since", "plan")


def test_round_trip_through_json(cancer: pd.DataFrame) -> None:
    signature = infer_signature(cancer, label=LABEL)
    assert len(signature.columns) == 30
    again = Signature.from_dict(json.loads(json.dumps(signature.to_dict())))
    assert again == signature


@pytest.mark.parametrize("data", [{}, {"columns": [{"name": "a"}]}, {"format": 9, "columns": []}])
def test_a_malformed_signature(data: dict[str, object]) -> None:
    with pytest.raises(IntegrityError, match="the stored model signature is malformed"):
        Signature.from_dict(data)


def test_a_frame_that_fits(mixed: pd.DataFrame) -> None:
    signature = infer_signature(mixed, label=LABEL)
    features = mixed.drop(columns=[LABEL])
    assert signature.check_frame(features) == []
    # another column order, int32 for int64, and floats for integers all fit
    shuffled = features[list(reversed(features.columns))].astype({"age": "int32"})
    assert signature.check_frame(shuffled) == []
    assert signature.check_frame(features.astype({"age": "float64"})) == []
    # text that arrives as object (e.g. from JSON) is still text
    assert signature.check_frame(features.astype({"region": "object"})) == []


def test_missing_extra_and_retyped_columns_are_named(mixed: pd.DataFrame) -> None:
    signature = infer_signature(mixed, label=LABEL)
    frame = mixed.drop(columns=["age"]).assign(region=[1, 2, 3])
    problems = signature.check_frame(frame)
    assert [(p.column, p.kind) for p in problems] == [
        ("age", "missing"),
        ("region", "retyped"),
        (LABEL, "extra"),
    ]
    assert problems[0].message == "the column 'age' (int64) is missing"
    assert problems[1].message == (
        "the column 'region' is int64 (integer), but the model was trained on str (string)"
    )
    assert signature.check_frame(frame, allow_extra=True)[-1].kind == "retyped"


def test_empty_values_where_training_had_none() -> None:
    signature = Signature(columns=(ColumnSpec("x", "float64", nullable=False),))
    frame = pd.DataFrame({"x": [1.0, None, None]})
    assert signature.check_frame(frame) == []
    [problem] = signature.check_frame(frame, check_nulls=True)
    assert problem.message == "the column 'x' has 2 empty values, but had none in training"
