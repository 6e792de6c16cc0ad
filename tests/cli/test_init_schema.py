"""``mlgate init`` and ``mlgate schema``, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mlgate.cli.app import main
from mlgate.spec import json_schema, load_spec


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlgate", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def _state(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


# --- init ------------------------------------------------------------------------------


def test_init_prints_the_files_and_the_next_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "churn"]) == 0
    out = capsys.readouterr().out
    assert "Created the project 'churn' in churn:" in out
    for name in ("mlgate.yaml", "train.py", "data/breast_cancer.parquet", ".gitignore"):
        assert f"created  {name}" in out
    assert "cd churn" in out
    assert "mlgate data snapshot data/" in out
    assert "mlgate run" in out
    assert load_spec(project=tmp_path / "churn").project.name == "churn"


def test_init_in_the_working_directory_with_a_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--name", "fraud"]) == 0
    out = capsys.readouterr().out
    assert "Created the project 'fraud'" in out
    assert "cd " not in out
    assert load_spec(project=tmp_path).project.name == "fraud"


def test_init_twice_refuses_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    capsys.readouterr()
    (tmp_path / "mlgate.yaml").write_text("project: {name: edited}\n", encoding="utf-8")
    before = _state(tmp_path)
    assert main(["init"]) == 4
    captured = capsys.readouterr()
    assert "already has mlgate.yaml, train.py, data/breast_cancer.parquet" in captured.err
    assert "--force" in captured.err
    assert "Traceback" not in captured.err
    assert _state(tmp_path) == before


def test_init_force_rewrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    (tmp_path / "mlgate.yaml").write_text("nonsense: [\n", encoding="utf-8")
    assert main(["init", "--force"]) == 0
    out = capsys.readouterr().out
    assert "overwritten  mlgate.yaml" in out
    assert "kept         README.md (already there)" in out
    load_spec(project=tmp_path)


def test_init_bad_name_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "p", "--name", "no spaces"]) == 2
    err = capsys.readouterr().err
    assert "'no spaces' is not a valid project name" in err
    assert not (tmp_path / "p").exists()


def test_init_in_a_process(tmp_path: Path) -> None:
    result = _run("init", "proj", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "mlgate run" in result.stdout
    assert (tmp_path / "proj" / "mlgate.yaml").is_file()
    again = _run("init", "proj", cwd=tmp_path)
    assert again.returncode == 4
    assert again.stdout == ""
    assert "error:" in again.stderr
    assert "Traceback" not in again.stderr


def test_example_train_py_runs_by_hand(tmp_path: Path) -> None:
    assert main(["init", "p"]) == 0
    result = subprocess.run(
        [sys.executable, "train.py"],
        cwd=tmp_path / "p",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "training accuracy" in result.stdout


# --- schema ----------------------------------------------------------------------------


def test_schema_prints_the_json_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json_schema()


def test_schema_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--output", "mlgate.schema.json"]) == 0
    assert "mlgate.schema.json" in capsys.readouterr().out
    written = json.loads((tmp_path / "mlgate.schema.json").read_text(encoding="utf-8"))
    assert written == json_schema()
    assert [path.name for path in tmp_path.iterdir()] == ["mlgate.schema.json"]


def test_schema_output_into_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema", "-o", "nowhere/schema.json"]) == 2
    err = capsys.readouterr().err
    assert "the folder for --output does not exist" in err
    assert list(tmp_path.iterdir()) == []


def test_schema_output_onto_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out").mkdir()
    assert main(["schema", "-o", "out"]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert _state(tmp_path) == {}


def test_schema_in_a_process(tmp_path: Path) -> None:
    result = _run("schema", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["title"] == "mlgate.yaml"


@pytest.mark.parametrize("command", ["init", "schema"])
def test_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage" in out
    assert ("--force" in out) if command == "init" else ("--output" in out)
