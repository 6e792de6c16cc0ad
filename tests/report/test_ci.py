"""``mlgate ci`` and ``mlgate report`` end to end on real projects and real runs:
passing, failing, needing approval, erroring before evaluation, and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from mlgate.cli.app import main
from mlgate.config import Settings
from mlgate.project import DATA_FILE, init
from mlgate.store.stores import open_stores

from ..pipeline.conftest import write_spec
from .conftest import external, parse

APPROVAL = "production: {requires: [gates_passed], approvals: 1, allow_self_approval: true}"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cancer"
    init(root, name="cancer")
    write_spec(root)
    monkeypatch.chdir(root)
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    return root


def _ci(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["ci", "--markdown", str(tmp_path / "report.md"), *args])
    out, err = capsys.readouterr()
    return code, out, err


def _production(project: Path) -> int | None:
    with open_stores(Settings.load(project=project)) as stores:
        alias = stores.metadata.get_alias("cancer", "production")
        return None if alias is None else alias.version


def test_passing_run_writes_both_reports_and_the_step_summary(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_SHA", "0123abc")

    code, out, _ = _ci(tmp_path, capsys)

    assert code == 0
    markdown = (tmp_path / "report.md").read_text()
    assert "**Verdict: pass** — 2 gates: 2 pass → pass" in markdown
    assert summary.read_text() == "earlier step\n" + markdown + "\n"  # appended, not replaced
    page = (tmp_path / "report.html").read_text()
    parser = parse(page)
    assert external(parser) == []
    assert any(tag == "div" and a.get("id") == "plot-metrics" for tag, a in parser.tags)
    assert "passed" in out
    assert str(tmp_path / "report.html") in out
    run_id = re.search(r"mlgate run (\S+): passed", out)
    assert run_id is not None
    with open_stores(Settings.load(project=project)) as stores:
        record = stores.metadata.get_run(run_id.group(1))
        assert record is not None
        assert record.evidence["sha"] == "0123abc"
        stored = stores.artifacts.get_bytes(record.summary["report_markdown"]).decode()
        assert stored == markdown  # the run links the same report
        assert stores.artifacts.get_bytes(record.summary["report_html"]).decode() == page

    assert main(["show", run_id.group(1)]) == 0
    shown = capsys.readouterr().out
    assert "report (html):" in shown
    assert "report (markdown):" in shown

    assert main(["report", run_id.group(1)]) == 0
    assert capsys.readouterr().out == markdown
    again = tmp_path / "again.html"
    assert main(["report", run_id.group(1)[:15], "--html", str(again)]) == 0
    assert again.read_text() == page


def test_failing_run_against_a_champion_has_the_forest_plot_and_exits_1(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _ci(tmp_path, capsys)[0] == 0  # the champion
    write_spec(project, **{"C: 1.0": "C: 0.5", "min: 0.80": "min: 0.999"})
    data = project / DATA_FILE
    pq.write_table(pq.read_table(data).slice(0, 540), data)  # 29 rows fewer

    code, out, _ = _ci(tmp_path, capsys)

    assert code == 1
    assert "failed" in out
    markdown = (tmp_path / "report.md").read_text()
    assert "❌" in markdown
    assert "→ fail" in markdown
    assert "roc_auc vs production" in markdown  # the paired difference
    assert "changed since the champion cancer v1 (production)'s snapshot" in markdown
    assert "breast_cancer.parquet` (-29 rows)" in markdown
    page = (tmp_path / "report.html").read_text()
    parser = parse(page)
    assert any(tag == "div" and a.get("id") == "plot-forest" for tag, a in parser.tags)
    assert sum(tag == "svg" for tag, _ in parser.tags) == 2
    assert external(parser) == []
    assert _production(project) == 1  # a failed run moves nothing


def test_approval_is_requested_never_granted(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec(project, **{"production: {requires: [gates_passed]}": APPROVAL})

    code, out, _ = _ci(tmp_path, capsys)

    assert code == 6
    assert _production(project) is None  # the alias did not move
    command = 'mlgate approve cancer 1 --to production --reason "…"'
    assert command in out
    assert command in (tmp_path / "report.md").read_text()
    assert "What to do next" in (tmp_path / "report.html").read_text()


def test_a_run_that_errors_before_evaluation_says_where_it_stopped(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec(project, **{"train:train": "train:trian"})

    code, _, _ = _ci(tmp_path, capsys)

    assert code == 2
    markdown = (tmp_path / "report.md").read_text()
    assert "The run stopped at stage `train[seed=" in markdown
    assert "trian" in markdown
    assert "### Gates" not in markdown
    assert "No verdict: the run ended before its gates." in (tmp_path / "report.html").read_text()


def test_unwritable_step_summary_warns_and_keeps_the_exit_code(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_spec(project, **{"train:train": "train:trian"})  # a quick run: it stops at train
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "no-such-folder" / "summary.md"))

    code, _, err = _ci(tmp_path, capsys)

    assert code == 2
    assert "warning: cannot append the summary to $GITHUB_STEP_SUMMARY" in err
    assert (tmp_path / "report.md").exists()
    assert (tmp_path / "report.html").exists()
    assert not (tmp_path / "no-such-folder").exists()


def test_default_report_files_go_to_the_state_folder(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec(project, **{"train:train": "train:trian"})
    assert main(["ci"]) == 2
    written = sorted(p.suffix for p in (project / ".mlgate" / "reports").iterdir())
    assert written == [".html", ".md"]
    assert "report: " in capsys.readouterr().out


def test_ci_outside_a_project_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)

    code = main(["ci", "--markdown", str(empty / "report.md")])

    err = capsys.readouterr().err
    assert code == 2
    assert "mlgate.yaml" in err
    assert list(empty.iterdir()) == []


def test_report_for_an_unknown_run(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", "20990101-nope", "--html", "r.html"])
    err = capsys.readouterr().err
    assert code == 2  # NotFoundError
    assert "no run has the id '20990101-nope'" in err
    assert not (project / "r.html").exists()


def test_a_report_failure_never_changes_the_run(
    project: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from mlgate.pipeline.api import run

    def broken(*_args: object) -> None:
        raise RuntimeError("no ink")

    monkeypatch.setattr("mlgate.report.attach_reports", broken)
    write_spec(project, **{"train:train": "train:trian"})
    said: list[str] = []
    outcome = run(settings=Settings.load(project=project), say=said.append)
    assert outcome.exit_code == 2
    assert "report_html" not in outcome.run.summary
    assert any("the report of run" in line and "no ink" in line for line in said)
    assert "the report could not be made" in caplog.text
    assert json.dumps(outcome.run.summary)  # the run record is intact


def test_inconclusive_run_goes_to_a_person(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # accuracy is about 0.97 with an interval around [0.94, 0.99]: 0.96 is inside it
    write_spec(project, **{"min: 0.80": "min: 0.96"})

    code, out, _ = _ci(tmp_path, capsys)

    assert code == 6
    assert "needs-approval" in out
    assert _production(project) is None
    markdown = (tmp_path / "report.md").read_text()
    assert "→ inconclusive" in markdown
    assert "**Verdict: needs-approval**" in markdown
    assert 'mlgate approve cancer 1 --to production --reason "…"' in markdown
