"""``mlgate data schema|check|drift`` on a real project, and bad input through them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlgate.cli.app import main
from mlgate.project import init

from .helpers import age, tree


@pytest.fixture
def proj(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "demo"
    init(root, name="demo")
    monkeypatch.chdir(root)
    monkeypatch.setenv("MLGATE_PROJECT", str(root))
    return root


def _table(n: int, seed: int, *, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "income": rng.normal(50 + shift * 10, 10, n),
            "city": rng.choice(["Lyon", "Paris", "Nice"], n),
            "target": rng.integers(0, 2, n),
        }
    )


def _snapshot(
    root: Path, name: str, files: dict[str, bytes], capsys: pytest.CaptureFixture[str]
) -> str:
    folder = root / "sets" / name
    folder.mkdir(parents=True)
    for file, data in files.items():
        (folder / file).write_bytes(data)
    age(*folder.iterdir())
    assert main(["data", "snapshot", str(folder), "--name", name, "--json"]) == 0
    return str(json.loads(capsys.readouterr().out)["id"])


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def test_schema_check_and_drift(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _snapshot(proj, "ref", {"t.parquet": _parquet(_table(3000, 0))}, capsys)
    _snapshot(proj, "same", {"t.parquet": _parquet(_table(3000, 1))}, capsys)
    _snapshot(proj, "moved", {"t.parquet": _parquet(_table(3000, 2, shift=1.0))}, capsys)

    assert main(["data", "schema", "ref", "--output", "schema.yaml"]) == 0
    assert "wrote schema.yaml: 4 columns" in capsys.readouterr().out
    spec = (proj / "mlgate.yaml").read_text().replace("schema: null", "schema: schema.yaml")
    (proj / "mlgate.yaml").write_text(spec)

    assert main(["data", "check", "same", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"]
    assert report["rows"] == 3000

    assert main(["data", "drift", "ref", "moved", "--json"]) == 0
    drift = json.loads(capsys.readouterr().out)
    assert drift["drifted_columns"] == ["income"]
    assert main(["data", "drift", "ref", "same"]) == 0
    assert "no drift: 0 column(s) drifted" in capsys.readouterr().out
    assert main(["data", "drift", "ref", "moved", "--share", "0.2", "--exit-code"]) == 1


def test_check_stops_on_renamed_retyped_dropped_columns(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _snapshot(proj, "ref", {"t.csv": _table(200, 0).to_csv(index=False).encode()}, capsys)
    bad = _table(200, 1).rename(columns={"age": "age_years"}).drop(columns=["city"])
    bad["income"] = "n/a"
    _snapshot(proj, "bad", {"t.csv": bad.to_csv(index=False).encode()}, capsys)
    assert main(["data", "schema", "ref", "-o", "schema.yaml"]) == 0
    capsys.readouterr()
    assert main(["data", "check", "bad", "--contract", "schema.yaml"]) == 3
    err = capsys.readouterr().err
    assert "the column 'age' (integer) is missing; was it renamed to 'age_years'?" in err
    assert "the column 'city' (string) is missing" in err
    assert "the column 'income' should be float but is string" in err


def test_schema_never_overwrites_a_file(proj: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _snapshot(proj, "ref", {"t.csv": b"a,b\n1,2\n"}, capsys)
    (proj / "schema.yaml").write_text("mine\n")
    assert main(["data", "schema", "ref", "-o", "schema.yaml"]) == 4
    assert "schema.yaml exists already" in capsys.readouterr().err
    assert (proj / "schema.yaml").read_text() == "mine\n"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"t.csv": b"a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n"},
            "t.csv .* line 4 has 4 fields where the header has 3",
        ),
        (
            {"t.parquet": _parquet(_table(500, 0))[:700]},
            "t.parquet .* the file is 700 bytes and does not end with a Parquet footer",
        ),
        (
            {"a.csv": b"x,y\n1,2\n", "b.csv": b"x,z\n1,2\n"},
            r"b.csv has the columns \['x', 'z'\], but a.csv has",
        ),
    ],
    ids=["csv-columns-change-mid-file", "truncated-parquet", "files-disagree"],
)
def test_unreadable_tables_name_the_file_and_place(
    proj: Path, capsys: pytest.CaptureFixture[str], files: dict[str, bytes], message: str
) -> None:
    _snapshot(proj, "broken", files, capsys)
    before = tree(proj)
    for argv in (["data", "schema", "broken"], ["data", "check", "broken"]):
        assert main(argv) == 3
        err = capsys.readouterr().err
        assert pytest.importorskip("re").search(message, err), err
    assert tree(proj) == before  # nothing changed


def test_mixed_types_in_a_csv_column_are_reported_as_retyped(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _snapshot(proj, "ref", {"t.csv": b"n,target\n1,0\n2,1\n3,0\n"}, capsys)
    _snapshot(proj, "mixed", {"t.csv": b"n,target\n1,0\ntwo,1\n3,0\n"}, capsys)
    assert main(["data", "schema", "ref", "-o", "schema.yaml"]) == 0
    capsys.readouterr()
    assert main(["data", "check", "mixed", "-c", "schema.yaml"]) == 3
    assert "the column 'n' should be integer but is string" in capsys.readouterr().err


def test_drift_needs_rows_and_a_common_column(
    proj: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _snapshot(proj, "a", {"t.csv": b"x,y\n1,2\n3,4\n"}, capsys)
    _snapshot(proj, "b", {"t.csv": b"p,q\n1,2\n"}, capsys)
    _snapshot(proj, "empty", {"t.csv": b"x,y\n"}, capsys)
    assert main(["data", "drift", "a", "b"]) == 3
    assert "no column in common" in capsys.readouterr().err
    assert main(["data", "drift", "a", "empty"]) == 3
    assert "the current data has no rows" in capsys.readouterr().err
