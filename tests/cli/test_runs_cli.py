"""``mlgate run``, ``runs``, ``show``, ``status``, ``verify`` as a user types them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mlgate.project import init

from ..pipeline.conftest import write_spec
from ._run import mlgate as _mlgate


def mlgate(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _mlgate(cwd, *args, timeout=300)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "cancer"
    init(root, name="cancer")
    write_spec(root)
    return root


def test_run_show_status_verify(project: Path) -> None:
    first = mlgate(project, "run")
    assert first.returncode == 0, first.stderr
    assert "train[seed=" in first.stdout
    assert "2 gates: 2 pass → pass" in first.stdout

    [record] = json.loads(mlgate(project, "runs", "--json").stdout)
    assert record["status"] == "passed"
    assert record["summary"]["version"] == 1
    assert record["id"] in mlgate(project, "runs").stdout

    shown = mlgate(project, "show", record["id"][:15], "--gates", "--lineage")
    assert shown.returncode == 0, shown.stderr
    assert "[pass] {metric: accuracy, min: 0.8}" in shown.stdout
    assert "lineage:" in shown.stdout
    assert "registered cancer v1" in shown.stdout

    status = mlgate(project, "status")
    assert status.returncode == 0, status.stderr
    # v1 became production: the next run checks the data against it first
    assert "check                    would run (champion changed)" in status.stdout

    verified = mlgate(project, "verify", "cancer:1")
    assert verified.returncode == 0, verified.stderr
    assert "is reproducible" in verified.stdout

    missing = mlgate(project, "show", "nope")
    assert missing.returncode == 2
    assert "no run has the id 'nope'" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_failed_gate_exits_1(project: Path) -> None:
    write_spec(project, **{"min: 0.80": "min: 0.999"})
    done = mlgate(project, "run")
    assert done.returncode == 1, done.stderr
    assert "→ fail" in done.stdout
    [record] = json.loads(mlgate(project, "runs", "--json").stdout)
    assert record["status"] == "failed"
    assert record["verdict"] == "fail"
