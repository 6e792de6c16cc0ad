"""Quality checks and compatibility with the production model's signature and profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlgate.data import check_frame, profile_frame
from mlgate.data._checks import Champion
from mlgate.data._compat import check_compatibility
from mlgate.data._quality import check_quality
from mlgate.errors import DataError
from mlgate.train.signature import infer_signature


def _train(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "income": rng.normal(50, 10, n),
            "city": rng.choice(["Lyon", "Paris", "Nice"], n),
            "label": rng.integers(0, 2, n),
        }
    )


def test_duplicates_constant_and_empty_columns_with_counts_and_examples() -> None:
    frame = pd.DataFrame(
        {"a": [1, 1, 2, 1], "b": [5, 5, 5, 5], "e": [np.nan] * 4, "label": [0, 0, 1, 0]}
    )
    found = {(f.check, f.column): f for f in check_quality(frame, label="label")}
    dupes = found["duplicates", None]
    assert (dupes.count, dupes.examples, dupes.severity) == (2, (1, 3), "warn")
    assert found["constant_columns", "b"].examples == (5,)
    assert found["empty_columns", "e"].count == 4


def test_label_missing_and_single_class_are_errors() -> None:
    frame = pd.DataFrame({"x": [1, 2, 3], "label": [1, None, 1]})
    found = [f for f in check_quality(frame, label="label") if f.check == "label"]
    assert [(f.rule, f.severity) for f in found] == [
        ("missing", "error"),
        ("single-class", "error"),
    ]
    assert "empty in 1 rows, e.g. [1]" in found[0].message


def test_severity_off_and_warn_follow_the_spec() -> None:
    frame = pd.DataFrame({"x": [1, 1, 3], "label": [1, 1, 1]})
    found = check_quality(
        frame,
        label="label",
        severities={"label": "warn", "duplicates": "off", "constant_columns": "off"},
    )
    assert {f.check for f in found} == {"label"}
    assert all(f.severity == "warn" for f in found)


def test_a_leaking_feature_is_suspected_and_a_fair_one_is_not() -> None:
    frame = _train(1000)
    frame["leak"] = frame["label"] * 10 + 3
    frame["leak_num"] = frame["label"] + np.random.default_rng(1).normal(0, 0.01, 1000)
    leaks = {f.column for f in check_quality(frame, label="label") if f.check == "leakage"}
    assert leaks == {"leak", "leak_num"}
    reg = _train(1000).assign(label=lambda d: d["income"] * 2.0 + 1.0)
    found = [
        f for f in check_quality(reg, label="label", task="regression") if f.check == "leakage"
    ]
    assert [f.column for f in found] == ["income"]


def test_label_shift_against_the_champion_profile() -> None:
    train = _train(2000)
    shifted = train.assign(label=np.where(np.arange(2000) < 1800, 1, 0))
    found = check_quality(shifted, label="label", reference=profile_frame(train))
    (shift,) = [f for f in found if f.check == "label_shift"]
    assert "distributed differently" in shift.message
    same = check_quality(_train(2000, seed=1), label="label", reference=profile_frame(train))
    assert not [f for f in same if f.check == "label_shift"]


def test_compatibility_finds_missing_renamed_retyped_and_value_changes() -> None:
    train = _train()
    features = train.drop(columns=["label"])
    signature = infer_signature(features)
    profile = profile_frame(train)
    new = pd.DataFrame(
        {
            "age_years": train["age"],  # renamed
            "income": train["city"],  # retyped
            "city": ["Rome"] * 100 + list(train["city"][100:]),  # new category
        }
    )
    found = {(f.column, f.rule): f for f in check_compatibility(new, signature, profile=profile)}
    assert set(found) == {("age", "renamed"), ("income", "retyped"), ("city", "categories")}
    assert "renamed to 'age_years'" in found["age", "renamed"].message
    assert found["income", "retyped"].severity == "error"
    assert found["city", "categories"].severity == "warn"
    assert found["city", "categories"].examples == ("Rome",)

    wider = features.assign(age=features["age"] + 100.0)
    wider.loc[:200, "income"] = np.nan
    rules = {(f.column, f.rule) for f in check_compatibility(wider, signature, profile=profile)}
    assert rules == {("age", "range"), ("income", "nulls")}


def test_check_frame_blocks_with_a_message_naming_each_column() -> None:
    train = _train()
    champion = Champion(
        model="churn",
        version=3,
        signature=infer_signature(train, label="label"),
        profile=profile_frame(train),
    )
    new = train.rename(columns={"age": "age_years"}).drop(columns=["city"])
    new["income"] = new["income"].astype(str)
    report = check_frame(new, champion=champion, label="label")
    assert {f.column for f in report.errors} == {"age", "city", "income"}
    with pytest.raises(DataError) as info:
        report.raise_for_errors(where="snapshot abc")
    text = str(info.value)
    assert "failed 3 check(s)" in text
    assert "churn v3" in text
    for column in ("'age'", "'age_years'", "'city'", "'income'"):
        assert column in text
