"""Reading a snapshot's tables, and splitting rows into training and holdout."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mlgate.errors import DataError
from mlgate.spec import RandomSplit, TimeSplit
from mlgate.train.split import find_tables, load_table, split_frame

from .conftest import LABEL


def _time_split(column: str = "when", holdout: float = 0.2) -> TimeSplit:
    return TimeSplit(method="time", column=column, holdout=holdout)


def test_random_split_is_the_same_for_the_same_seed(frame: pd.DataFrame) -> None:
    one = split_frame(frame, split=RandomSplit(holdout=0.2, seed=7), label=LABEL)
    two = split_frame(frame.copy(), split=RandomSplit(holdout=0.2, seed=7), label=LABEL)
    other = split_frame(frame, split=RandomSplit(holdout=0.2, seed=8), label=LABEL)

    assert one.holdout.index.tolist() == two.holdout.index.tolist()
    assert one.holdout.index.tolist() != other.holdout.index.tolist()
    assert sorted([*one.train.index, *one.holdout.index]) == list(range(len(frame)))
    assert 0.13 < len(one.holdout) / len(frame) < 0.27
    # rows keep their order and their index
    assert one.train.index.is_monotonic_increasing
    pd.testing.assert_frame_equal(one.holdout, frame.loc[one.holdout.index])


def test_appended_rows_never_move_existing_rows(frame: pd.DataFrame) -> None:
    split = RandomSplit(holdout=0.3, seed=1)
    before = split_frame(frame.iloc[:400], split=split, label=LABEL)
    after = split_frame(frame, split=split, label=LABEL)

    assert set(before.holdout.index) == set(after.holdout.index) & set(range(400))


def test_identical_rows_land_on_the_same_side(frame: pd.DataFrame) -> None:
    doubled = pd.concat([frame, frame], ignore_index=True)
    split = split_frame(doubled, split=RandomSplit(holdout=0.5, seed=3), label=LABEL)
    held = set(split.holdout.index)
    assert all((i in held) == (i + len(frame) in held) for i in range(len(frame)))


def test_a_tiny_frame_still_gets_both_sides() -> None:
    tiny = pd.DataFrame({"x": [1, 2], LABEL: [0, 1]})
    split = split_frame(tiny, split=RandomSplit(holdout=0.1, seed=0), label=LABEL)
    assert (len(split.train), len(split.holdout)) == (1, 1)


def test_time_split_holds_out_the_latest_rows(frame: pd.DataFrame) -> None:
    frame["when"] = pd.date_range("2024-01-01", periods=len(frame), freq="h")[::-1]
    split = split_frame(frame, split=_time_split(), label=LABEL)

    assert len(split.holdout) == 114  # ceil(569 * 0.2)
    assert split.holdout["when"].min() > split.train["when"].max()
    assert split.holdout.index.is_monotonic_increasing


def test_time_split_keeps_rows_of_the_cutoff_moment_together() -> None:
    frame = pd.DataFrame({"when": [1, 2, 3, 3, 3, 4], LABEL: [0, 1, 0, 1, 0, 1]})
    split = split_frame(frame, split=_time_split(holdout=0.1), label=LABEL)
    assert split.holdout["when"].tolist() == [4]
    # 2 rows asked for (ceil(6 × 0.2)): the cut-off falls among the 3s, so all of them go
    split = split_frame(frame, split=_time_split(holdout=0.2), label=LABEL)
    assert split.holdout["when"].tolist() == [3, 3, 3, 4]


def test_time_split_reads_iso_dates_in_text() -> None:
    frame = pd.DataFrame(
        {
            "when": ["2024-03-01", "2024-01-01", "2024-02-01", "2024-04-01T10:00"],
            LABEL: [0, 1, 0, 1],
        }
    )
    split = split_frame(frame, split=_time_split(holdout=0.5), label=LABEL)
    assert split.holdout.index.tolist() == [0, 3]


@pytest.mark.parametrize(
    ("split", "label", "message"),
    [
        (
            RandomSplit(),
            "targt",
            r"the label column 'targt' is not in the data; did you mean 'target'\?",
        ),
        (
            _time_split("mean radiuss"),
            LABEL,
            r"the time column 'mean radiuss' .*did you mean 'mean radius'",
        ),
        (
            _time_split("nowhere"),
            LABEL,
            r"the time column 'nowhere' is not in the data\. The columns are: mean radius, ",
        ),
    ],
)
def test_a_missing_column_is_named_with_the_nearest_ones(
    frame: pd.DataFrame, split: RandomSplit | TimeSplit, label: str, message: str
) -> None:
    before = frame.copy()
    with pytest.raises(DataError, match=message):
        split_frame(frame, split=split, label=label)
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ([1.0, None, 3.0], r"the time column 'when' has 1 empty value"),
        (
            ["soon", "later", "never"],
            r"holds .* values that are not dates or numbers \(e\.g\. 'soon'\)",
        ),
        ([5, 5, 5], r"every row has the same 'when' \(5\)"),
    ],
)
def test_a_time_column_that_cannot_split(when: list[object], message: str) -> None:
    frame = pd.DataFrame({"when": when, LABEL: [0, 1, 0]})
    with pytest.raises(DataError, match=message):
        split_frame(frame, split=_time_split(holdout=0.3), label=LABEL)


def test_one_row_cannot_be_split() -> None:
    with pytest.raises(DataError, match="cannot split 1 row into training and holdout"):
        split_frame(pd.DataFrame({LABEL: [1]}), split=RandomSplit(), label=LABEL)


# -- load_table


def test_load_table_concatenates_csv_and_parquet(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x,y,label\n1,2.5,a\n3,4.5,b\n")
    pd.DataFrame({"label": ["c"], "x": [5.5], "y": [6.5]}).to_parquet(tmp_path / "b.parquet")
    (tmp_path / "notes.txt").write_text("not a table")

    paths = find_tables(tmp_path)
    assert [p.name for p in paths] == ["a.csv", "b.parquet"]
    frame = load_table(paths)
    assert list(frame.columns) == ["x", "y", "label"]
    assert frame["x"].tolist() == [1.0, 3.0, 5.5]  # int in one file, float in the other
    assert frame["label"].tolist() == ["a", "b", "c"]


def test_load_table_refuses_files_with_other_columns(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x,y\n1,2\n")
    (tmp_path / "b.csv").write_text("x,z\n1,2\n")
    with pytest.raises(DataError, match=r"b\.csv lacks y and has the extra columns z"):
        load_table([tmp_path / "a.csv", tmp_path / "b.csv"])


def test_load_table_refuses_a_column_of_two_types(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x\n1\n")
    (tmp_path / "b.csv").write_text("x\nhello\n")
    with pytest.raises(
        DataError, match=r"the column 'x' has different types .*a\.csv: int64, b\.csv: string"
    ):
        load_table([tmp_path / "a.csv", tmp_path / "b.csv"])


def test_load_table_names_an_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "bad.parquet").write_bytes(b"this is not parquet")
    (tmp_path / "data.bin").write_bytes(b"\x00")
    with pytest.raises(DataError, match=r"bad\.parquet: cannot read the file as PARQUET"):
        load_table([tmp_path / "bad.parquet"])
    with pytest.raises(DataError, match=r"cannot tell the format of data\.bin"):
        load_table([tmp_path / "data.bin"])
    with pytest.raises(DataError, match="there are no CSV or Parquet files"):
        load_table([])
