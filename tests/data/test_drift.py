"""Drift: per-column verdicts, sample-size awareness, profiles, and bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from mlgate.data import Profile, drift, merge_profiles, profile_frame
from mlgate.errors import DataError, IntegrityError, UsageError


def _frames(n: int, seed: int = 0, shift: float = 0.5) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ref = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.choice(["x", "y", "z"], n),
        }
    )
    cur = pd.DataFrame(
        {
            "a": rng.normal(shift, size=n),
            "b": rng.normal(size=n),
            "c": rng.choice(["x", "y", "z"], n),
        }
    )
    return ref, cur


def test_a_shifted_column_drifts_and_the_others_do_not() -> None:
    ref, cur = _frames(5000)
    report = drift(ref, cur)
    assert report.drifted_columns == ("a",)
    a = report.columns[0]
    assert (a.test, a.effect, a.status) == ("ks", "wasserstein (normalized)", "drift")
    assert a.effect_size == pytest.approx(0.5, abs=0.1)
    assert a.psi is not None
    assert a.psi > 0.1
    assert report.share_drifted == pytest.approx(1 / 3)
    assert not report.drifted  # 1 of 3 columns is below the 50 % share
    assert drift(ref, cur, share=0.3).drifted


def test_a_tiny_shift_on_a_million_rows_rejects_but_does_not_drift() -> None:
    rng = np.random.default_rng(1)
    n = 1_000_000
    ref = pd.DataFrame({"a": rng.normal(size=n)})
    cur = pd.DataFrame({"a": rng.normal(0.01, size=n)})
    col = drift(ref, cur).columns[0]
    assert col.p_adjusted is not None
    assert col.p_adjusted < 0.05
    assert col.effect_size is not None
    assert col.effect_size < 0.1
    assert not col.drifted


def test_high_cardinality_categories_without_change_rarely_drift() -> None:
    flagged = tested = 0
    cats = [f"c{i:02d}" for i in range(50)]
    for seed in range(20):
        rng = np.random.default_rng(seed)
        p = rng.dirichlet(np.ones(50))
        ref = pd.DataFrame({f"k{j}": rng.choice(cats, 2000, p=p) for j in range(5)})
        cur = pd.DataFrame({f"k{j}": rng.choice(cats, 2000, p=p) for j in range(5)})
        report = drift(ref, cur, correction="none", effect_size=0.0)  # the test alone
        tested += len(report.tested)
        flagged += sum(c.p_value is not None and c.p_value < 0.05 for c in report.columns)
    assert flagged / tested <= 0.10  # ≈ 5 % false positives, as a valid test has


def test_new_category_is_reported_and_categorical_drift_found() -> None:
    ref = pd.DataFrame({"c": ["a"] * 500 + ["b"] * 500})
    cur = pd.DataFrame({"c": ["a"] * 300 + ["b"] * 300 + ["new"] * 400})
    col = drift(ref, cur).columns[0]
    assert col.drifted
    assert col.test == "chi2"
    assert col.effect == "jensen-shannon"
    assert "new" in col.note


def test_empty_missing_new_and_retyped_columns_are_reported_not_crashes() -> None:
    ref = pd.DataFrame({"a": [1.0, 2.0, 3.0], "gone": [1, 2, 3], "e": [1.0, 2.0, 3.0],
                        "t": [1, 2, 3]})  # fmt: skip
    cur = pd.DataFrame({"a": [1.0, 2.0, 3.5], "e": [np.nan] * 3, "t": ["x", "y", "z"],
                        "fresh": [1, 2, 3]})  # fmt: skip
    report = drift(ref, cur)
    status = {c.column: c.status for c in report.columns}
    assert status == {
        "a": "stable",
        "gone": "missing",
        "e": "empty",
        "t": "retyped",
        "fresh": "new",
    }
    e = next(c for c in report.columns if c.column == "e")
    assert "no values in the current data" in e.note


def test_drift_against_a_stored_profile_needs_no_raw_reference() -> None:
    ref, cur = _frames(20000, seed=3)
    stored = json.loads(json.dumps(profile_frame(ref).to_dict()))
    profile = Profile.from_dict(stored)
    from_profile = drift(profile, cur)
    from_raw = drift(ref, cur)
    assert from_profile.drifted_columns == from_raw.drifted_columns == ("a",)
    a_prof, a_raw = from_profile.columns[0], from_raw.columns[0]
    assert a_prof.test == "ks (binned)"
    assert a_prof.statistic == pytest.approx(a_raw.statistic, abs=0.02)
    assert a_prof.effect_size == pytest.approx(a_raw.effect_size, rel=0.25)
    window = profile_frame(cur, like=profile)  # a live window profiled on the same bins
    assert drift(profile, window).drifted_columns == ("a",)


def test_profiles_are_small_and_merge_exactly() -> None:
    ref, cur = _frames(50000, seed=4)
    profile = profile_frame(ref)
    size = len(json.dumps(profile.to_dict()))
    assert size < 3 * 4000  # a few kilobytes per column whatever the rows
    first = profile_frame(cur.iloc[:20000], like=profile)
    second = profile_frame(cur.iloc[20000:], like=profile)
    merged = merge_profiles(first, second)
    whole = profile_frame(cur, like=profile)
    for name in ("a", "b"):
        m, w = merged.columns[name], whole.columns[name]
        assert m.counts == w.counts
        assert m.n == w.n
        assert (m.min, m.max) == (w.min, w.max)
        assert m.mean == pytest.approx(w.mean, abs=1e-9)
        assert m.m2 == pytest.approx(w.m2, rel=1e-9)
    assert merged.columns["c"].categories == whole.columns["c"].categories
    assert Profile.from_dict(merged.to_dict()) == merged


def test_merging_profiles_on_other_edges_is_refused() -> None:
    ref, cur = _frames(1000, seed=5)
    with pytest.raises(DataError, match="different histogram edges"):
        merge_profiles(profile_frame(ref), profile_frame(cur))
    with pytest.raises(DataError, match="different columns"):
        merge_profiles(profile_frame(ref), profile_frame(ref[["a"]]))


def test_a_malformed_stored_profile_is_an_integrity_error() -> None:
    with pytest.raises(IntegrityError, match="reference profile is malformed"):
        Profile.from_dict({"format": 1, "columns": {}})


def test_drift_on_empty_data_is_refused() -> None:
    ref, _ = _frames(100)
    for reference, current, role in (
        (ref.iloc[:0], ref, "reference"),
        (ref, ref.iloc[:0], "current"),
    ):
        before = (reference.copy(), current.copy())
        with pytest.raises(DataError, match=f"the {role} data has no rows"):
            drift(reference, current)
        pd.testing.assert_frame_equal(reference, before[0])
        pd.testing.assert_frame_equal(current, before[1])


def test_two_data_sets_with_no_column_in_common_are_refused() -> None:
    with pytest.raises(DataError, match="no column in common"):
        drift(pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"b": [1, 2]}))


def test_a_column_of_mixed_types_is_refused() -> None:
    ref = pd.DataFrame({"m": pd.Series([1, "two", 3.0], dtype=object)})
    with pytest.raises(DataError, match="the column 'm' mixes kinds of values"):
        drift(ref, ref)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"alpha": 0.0}, "alpha must be between 0 and 1"),
        ({"correction": "bonferroni"}, "unknown correction 'bonferroni'"),
        ({"share": 0.0}, "share"),
        ({"columns": ["nope"]}, r"unknown column\(s\) \['nope'\]"),
    ],
)
def test_bad_options_are_usage_errors(options: dict[str, object], message: str) -> None:
    ref, cur = _frames(50)
    with pytest.raises(UsageError, match=message):
        drift(ref, cur, **options)  # type: ignore[arg-type]


def test_bh_correction_and_columns_filter() -> None:
    ref, cur = _frames(3000, seed=6)
    report = drift(ref, cur, correction="bh", columns=["a", "c"])
    assert [c.column for c in report.columns] == ["a", "c"]
    assert report.correction == "bh"
