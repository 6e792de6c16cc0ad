"""Delayed labels from files: unknown request ids, duplicates, bad files change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mlgate.config import Settings
from mlgate.errors import DataError, NotFoundError, UsageError
from mlgate.monitor import LabelsAdded, add_labels
from mlgate.store.stores import open_stores

from .helpers import NAME, features, make_project, register, truth, write_log


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """v1 with 20 logged requests q1p-0 … q1p-19 (two rows each)."""
    settings = make_project(tmp_path / "proj")
    register(settings, features(500, seed=1))
    live = features(40, seed=2)
    write_log(settings, live, truth(live), version=1, batch=2)
    return settings


def _stored(settings: Settings) -> dict[tuple[str, int], Any]:
    with open_stores(settings) as stores:
        return {(rid, row): value for rid, row, value in stores.metadata.get_labels(NAME)}


def test_unknown_ids_and_duplicates_are_counted(settings: Settings, tmp_path: Path) -> None:
    file = tmp_path / "labels.csv"
    file.write_text(
        "request_id,row,label\n"
        "q1p-0,0,1\n"
        "q1p-0,1,0\n"
        "q1p-1,0,1\n"
        "q1p-1,0,0\n"  # duplicate of the line above: the last one wins
        "nobody-1,0,1\n"  # no such request in the log
        "q1p-2,5,1\n"  # the request has no row 5
    )
    added = add_labels(file, settings=settings)
    assert added == LabelsAdded(
        model=NAME,
        file=str(file),
        rows=6,
        stored=5,
        inserted=5,
        replaced=0,
        duplicates=1,
        unmatched=2,
        unmatched_examples=("nobody-1", "q1p-2"),
    )
    assert added.sentence() == (
        f"stored 5 label(s) of churn from {file}: 5 new, 0 replacing earlier ones; "
        "1 duplicate row(s) in the file (the last one wins); 2 match no logged prediction "
        "yet (e.g. nobody-1, q1p-2): kept, they join when the prediction is logged"
    )
    stored = _stored(settings)
    assert stored[("q1p-1", 0)] == 0
    assert stored[("nobody-1", 0)] == 1  # kept: its prediction may be logged later

    again = tmp_path / "again.csv"
    again.write_text("request_id,label\nq1p-0,0\nq1p-3,1\n")  # row defaults to 0
    second = add_labels(again, settings=settings)
    assert (second.inserted, second.replaced, second.unmatched) == (1, 1, 0)
    assert _stored(settings)[("q1p-0", 0)] == 0


def test_parquet_and_json_lines(settings: Settings, tmp_path: Path) -> None:
    parquet = tmp_path / "labels.parquet"
    pd.DataFrame({"request_id": ["q1p-4", "q1p-5"], "label": [1, 0], "row": [1, 0]}).to_parquet(
        parquet
    )
    lines = tmp_path / "labels.jsonl"
    lines.write_text(
        json.dumps({"request_id": "q1p-6", "label": "yes"})
        + "\n"
        + json.dumps({"request_id": "q1p-7", "label": 2.5, "row": 1})
        + "\n"
    )
    assert add_labels(parquet, settings=settings).stored == 2
    assert add_labels(lines, settings=settings).stored == 2
    stored = _stored(settings)
    assert stored[("q1p-4", 1)] == 1
    assert stored[("q1p-6", 0)] == "yes"
    assert stored[("q1p-7", 1)] == 2.5


def test_the_spec_names_the_id_and_label_columns(tmp_path: Path) -> None:
    settings = make_project(tmp_path / "proj", monitor={"labels": {"key": "ticket"}})
    register(settings, features(100, seed=1))
    file = tmp_path / "labels.csv"
    file.write_text("ticket,target\n00123,1\n")  # data.label is target; ids keep their zeros
    added = add_labels(file, settings=settings)
    assert (added.stored, added.unmatched) == (1, 1)
    assert _stored(settings) == {("00123", 0): 1}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "labels.csv",
            "request,label\nq1p-0,1\n",
            r"the labels file .*labels.csv has no request id column 'request_id' "
            r"\(its columns: request, label\)",
        ),
        (
            "labels.csv",
            "request_id,value\nq1p-0,1\n",
            r"labels.csv has no label column 'label' or 'target' "
            r"\(its columns: request_id, value\)",
        ),
        (
            "labels.csv",
            "request_id,label\nq1p-0,1\nq1p-1,\n",
            r"labels.csv has 1 row\(s\) without a label \(first at line 3\)",
        ),
        (
            "labels.csv",
            "request_id,label\n,1\n",
            r"labels.csv has 1 row\(s\) without a request_id \(first at line 2\)",
        ),
        (
            "labels.csv",
            "request_id,label,row\nq1p-0,1,-1\n",
            r"labels.csv has 1 row\(s\) whose 'row' is not a whole number ≥ 0 \(first at line 2\)",
        ),
        ("labels.csv", "request_id,label\n", r"labels.csv has no rows"),
        ("labels.parquet", "not parquet at all", r"cannot read the labels file .* as parquet"),
        ("labels.jsonl", '{"request_id": "q1p-0", "la', r"cannot read the labels file .* as json"),
        ("labels.xlsx", "whatever", r"labels.xlsx is not a labels file mlgate reads"),
    ],
)
def test_bad_files_store_nothing(
    settings: Settings, tmp_path: Path, name: str, content: str, message: str
) -> None:
    file = tmp_path / name
    file.write_text(content)
    with pytest.raises(DataError, match=message):
        add_labels(file, settings=settings)
    assert _stored(settings) == {}


def test_missing_file_unknown_model_and_no_spec(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"the labels file .*nope.csv does not exist"):
        add_labels(tmp_path / "nope.csv", settings=settings)
    file = tmp_path / "labels.csv"
    file.write_text("request_id,label\nq1p-0,1\n")
    with pytest.raises(NotFoundError, match="no registered model is named 'chrun'"):
        add_labels(file, model="chrun", settings=settings)
    (settings.project / "mlgate.yaml").unlink()
    with pytest.raises(UsageError, match="which model are the labels for"):
        add_labels(file, settings=settings)
    assert _stored(settings) == {}
    assert add_labels(file, model=NAME, settings=settings).stored == 1
