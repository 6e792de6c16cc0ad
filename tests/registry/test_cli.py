"""The registry's commands: output, --json, exit codes (6 when approval is needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlgate.cli.app import main
from mlgate.config import Settings

from .helpers import INCONCLUSIVE_GATES, PRODUCTION, dump, register, write_spec

Capture = pytest.CaptureFixture[str]


def test_models_lists_aliases(settings: Settings, capsys: Capture) -> None:
    assert main(["models"]) == 0
    assert "no registered models yet" in capsys.readouterr().out
    register(settings, alias="candidate")
    register(settings, "fraud")
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "churn" in out
    assert "candidate → v1" in out
    assert "fraud" in out
    assert main(["models", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(m["name"], m["versions"], m["aliases"]) for m in listed] == [
        ("churn", 1, {"candidate": 1}),
        ("fraud", 1, {}),
    ]


def test_show_and_history(settings: Settings, capsys: Capture) -> None:
    register(settings, verdict="inconclusive", gates=INCONCLUSIVE_GATES, alias="candidate")
    assert main(["promote", "churn", "1", "--to", "staging", "--reason", "try it"]) == 0
    assert "staging of churn now points at v1" in capsys.readouterr().out
    assert main(["models", "show", "churn", "--version", "1"]) == 0
    out = capsys.readouterr().out
    assert "churn v1 (candidate, staging)" in out
    assert "gate verdict: inconclusive" in out
    assert "accuracy: 0.912 [0.901, 0.923]" in out
    assert main(["models", "show", "churn", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["version"]["gates"] == INCONCLUSIVE_GATES
    assert main(["models", "history", "churn"]) == 0
    out = capsys.readouterr().out
    assert "staging" in out
    assert "try it" in out
    assert main(["models", "history", "churn", "--json"]) == 0
    moves = json.loads(capsys.readouterr().out)
    assert [(m["alias"], m["to_version"], m["kind"]) for m in moves] == [
        ("candidate", 1, "register"),
        ("staging", 1, "promote"),
    ]


def test_unknown_names_exit_2_with_a_suggestion(settings: Settings, capsys: Capture) -> None:
    register(settings)
    before = dump(settings)
    assert main(["models", "show", "chrun"]) == 2
    assert "did you mean 'churn'?" in capsys.readouterr().err
    assert main(["promote", "churn", "4", "--to", "production"]) == 2
    assert "churn has versions 1 to 1" in capsys.readouterr().err
    assert main(["rollback", "churn", "--alias", "prodution"]) == 2
    assert "churn has no alias 'prodution'" in capsys.readouterr().err
    assert main(["approve", "churn", "1", "--to", "production"]) == 2  # --reason is required
    assert "--reason" in capsys.readouterr().err
    assert dump(settings) == before


def test_promotion_needing_approval_exits_6_and_names_approvers(
    project: Path, settings: Settings, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_spec(project, deploy={"production": PRODUCTION})
    register(settings)
    monkeypatch.setenv("MLGATE_USER", "carol")
    assert main(["promote", "churn", "1", "--to", "production"]) == 6
    err = capsys.readouterr().err
    assert "churn v1 → production needs 1 approval from alice or bob" in err
    assert "mlgate approve churn 1 --to production" in err
    monkeypatch.setenv("MLGATE_USER", "alice")
    assert main(["approve", "churn", "1", "--to", "production", "--reason", "ok"]) == 0
    assert "production of churn now points at v1" in capsys.readouterr().out
    register(settings)
    monkeypatch.setenv("MLGATE_USER", "carol")
    assert main(["promote", "churn", "2", "--to", "production"]) == 6
    monkeypatch.setenv("MLGATE_USER", "bob")
    assert main(["reject", "churn", "2", "--reason", "not now"]) == 0
    assert "rejected churn v2 → production" in capsys.readouterr().out
    assert main(["rollback", "churn"]) == 4
    assert "no previous version" in capsys.readouterr().err


def test_second_approval_still_needed_exits_6(
    project: Path, settings: Settings, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_spec(project, deploy={"production": {**PRODUCTION, "approvals": 2}})
    register(settings)
    assert main(["promote", "churn", "1", "--to", "production"]) == 6
    monkeypatch.setenv("MLGATE_USER", "alice")
    assert main(["approve", "churn", "1", "--to", "production", "-r", "fine"]) == 6
    assert "1 more approval needed from bob" in capsys.readouterr().err


def test_exit_code_6_from_a_real_process(project: Path, settings: Settings) -> None:
    write_spec(project, deploy={"production": PRODUCTION})
    register(settings)
    result = subprocess.run(
        [sys.executable, "-m", "mlgate", "promote", "churn", "1", "--to", "production"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MLGATE_USER": "carol"},
        check=False,
    )
    assert result.returncode == 6, result.stderr
    assert "needs 1 approval from alice or bob" in result.stderr
    assert "Traceback" not in result.stderr
