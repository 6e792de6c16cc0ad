"""``mlgate data …`` through the real command line, as a user types it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mlgate.store.artifacts.cas import object_key

from ._run import mlgate

OLD = 1_600_000_000 * 10**9


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.csv").write_text("x,y\n1,2\n3,4\n")
    (data / "b.txt").write_text("b\n")
    for p in data.iterdir():
        os.utime(p, ns=(OLD, OLD))
    return tmp_path


def test_snapshot_list_show_diff_checkout_status(folder: Path) -> None:
    first = mlgate(folder, "data", "snapshot", "data", "--name", "v1", "--json")
    assert first.returncode == 0, first.stderr
    snap = json.loads(first.stdout)
    assert snap["created"]
    assert snap["n_files"] == 2
    assert snap["name"] == "v1"

    again = json.loads(mlgate(folder, "data", "snapshot", "data", "--json").stdout)
    assert again["id"] == snap["id"]
    assert not again["created"]
    assert again["files_read"] == 0

    human = mlgate(folder, "data", "snapshot", "data")
    assert "unchanged, already stored as" in human.stdout

    listed = json.loads(mlgate(folder, "data", "list", "--json").stdout)
    assert [r["id"] for r in listed] == [snap["id"]]
    table = mlgate(folder, "data", "list")
    assert snap["id"][:12] in table.stdout
    assert "v1" in table.stdout

    shown = json.loads(mlgate(folder, "data", "show", "v1", "--json").stdout)
    assert [f["path"] for f in shown["files"]] == ["a.csv", "b.txt"]
    assert "a.csv" in mlgate(folder, "data", "show", snap["id"][:8]).stdout

    status = mlgate(folder, "data", "status", "data", "--exit-code")
    assert status.returncode == 0
    assert "unchanged" in status.stdout

    (folder / "data" / "a.csv").write_text("x,y,z\n1,2,3\n")
    changed = mlgate(folder, "data", "status", "data", "--exit-code")
    assert changed.returncode == 1
    assert "modified: a.csv" in changed.stdout
    status_json = json.loads(mlgate(folder, "data", "status", "data", "--json").stdout)
    assert status_json["changed"]
    assert status_json["modified"] == ["a.csv"]

    second = json.loads(mlgate(folder, "data", "snapshot", "data", "--json").stdout)
    diff = mlgate(folder, "data", "diff", "v1", second["id"])
    assert diff.returncode == 0, diff.stderr
    assert "~ a.csv" in diff.stdout
    assert "rows 2 → 1 (-1)" in diff.stdout
    assert "columns added: z" in diff.stdout
    diff_json = json.loads(mlgate(folder, "data", "diff", "v1", second["id"], "--json").stdout)
    assert diff_json["changes"][0]["columns_added"] == ["z"]

    out = mlgate(folder, "data", "checkout", "v1", "restored")
    assert out.returncode == 0, out.stderr
    assert (folder / "restored" / "a.csv").read_text() == "x,y\n1,2\n3,4\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("data", "snapshot", "missing"), 3, "the data path 'missing' does not exist"),
        (("data", "show", "deadbeef"), 2, "no snapshot has the id or name 'deadbeef'"),
        (("data", "snapshot"), 2, "Missing argument"),
        (("data", "nonsense"), 2, "No such command"),
    ],
)
def test_errors_have_exit_codes_and_no_traceback(
    folder: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    result = mlgate(folder, *args)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_checkout_conflict_and_corruption_exit_codes(folder: Path) -> None:
    snap = json.loads(mlgate(folder, "data", "snapshot", "data", "--json").stdout)
    busy = folder / "busy"
    busy.mkdir()
    (busy / "x").write_text("keep")
    conflict = mlgate(folder, "data", "checkout", snap["id"], "busy")
    assert conflict.returncode == 4
    assert "not empty" in conflict.stderr
    assert [p.name for p in busy.iterdir()] == ["x"]

    shown = json.loads(mlgate(folder, "data", "show", snap["id"], "--json").stdout)
    digest = shown["files"][0]["digest"]
    blob = folder / ".mlgate" / "store" / object_key(digest)
    blob.chmod(0o644)
    raw = bytearray(blob.read_bytes())
    raw[-1] ^= 0x01
    blob.write_bytes(bytes(raw))
    corrupt = mlgate(folder, "data", "checkout", snap["id"], "fresh")
    assert corrupt.returncode == 5
    assert "is corrupted" in corrupt.stderr
    assert str(blob) in corrupt.stderr
    assert not (folder / "fresh").exists()
    debug = mlgate(folder, "--debug", "data", "checkout", snap["id"], "fresh")
    assert "Traceback" in debug.stderr
    assert debug.returncode == 5
