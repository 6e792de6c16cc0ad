"""Rendering: snapshot tests of both reports for a fixed run, and what the HTML must hold."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mlgate.report.collect import RunReport
from mlgate.report.html import render_html
from mlgate.report.markdown import render_markdown

from .conftest import external, parse

SNAPSHOTS = Path(__file__).parent / "snapshots"


def _matches_snapshot(name: str, text: str) -> None:
    """Compare with tests/report/snapshots/NAME; MLGATE_TEST_UPDATE_SNAPSHOTS=1 rewrites it."""
    path = SNAPSHOTS / name
    if os.environ.get("MLGATE_TEST_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {name}: run with MLGATE_TEST_UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} changed; if on purpose, rerun with MLGATE_TEST_UPDATE_SNAPSHOTS=1 and review "
        "the diff"
    )


def test_markdown_snapshot(sample: RunReport) -> None:
    _matches_snapshot("sample.md", render_markdown(sample))


def test_html_snapshot_without_plots(sample: RunReport) -> None:
    _matches_snapshot("sample.html", render_html(sample, plots=False))


def test_markdown_has_the_verdict_every_gate_sentence_and_the_approve_command(
    sample: RunReport,
) -> None:
    text = render_markdown(sample)
    assert sample.verdict_sentence
    assert sample.verdict_sentence in text
    for gate in sample.gates:
        assert gate.sentence in text
        for _, sentence in gate.slices:
            assert sentence in text
    assert 'mlgate approve cancer 2 --to production --reason "…"' in text
    assert "columns added: region" in text
    assert "age: int64 → double" in text
    assert "-0.000" not in text  # a limit of -0.0 reads +0.000


def test_html_is_self_contained_with_every_plot(sample: RunReport) -> None:
    page = render_html(sample)
    parser = parse(page)
    assert external(parser) == []
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    svgs = [attrs for tag, attrs in parser.tags if tag == "svg"]
    ids = {attrs.get("id") for tag, attrs in parser.tags if tag == "div"}
    assert {"plot-metrics", "plot-forest"} <= ids
    drift_plots = [
        a for t, a in parser.tags if t == "div" and "drift-plot" in (a.get("class") or "")
    ]
    assert len(drift_plots) == 2  # the two drifted features with distributions
    assert len(svgs) == 4
    assert "<?xml" not in page
    assert "<!DOCTYPE svg" not in page


def test_plots_are_byte_stable(sample: RunReport) -> None:
    assert render_html(sample) == render_html(sample)


def test_missing_sections_are_left_out() -> None:
    bare = RunReport(
        run_id="20260101-120000-abcd",
        status="error",
        trigger="manual",
        created_at="2026-01-01 12:00:00 UTC",
        error="DataError: the label column 'target' is missing",
        stopped_at="check",
    )
    text = render_markdown(bare)
    assert "The run stopped at stage `check`" in text
    assert "### Gates" not in text
    assert "### Drift" not in text
    assert "### Metrics" not in text
    page = render_html(bare)
    assert "No verdict: the run ended before its gates." in page
    assert "<svg" not in page
    assert external(parse(page)) == []


@pytest.mark.parametrize("bad", ["<script>alert(1)</script>", "a | b\nc"])
def test_user_text_is_escaped(sample: RunReport, bad: str) -> None:
    from dataclasses import replace

    from mlgate.report.collect import GateLine

    report = replace(sample, gates=(GateLine(bad, "absolute", "fail", bad),))
    page = render_html(report, plots=False)
    assert "<script>" not in page
    row = next(line for line in render_markdown(report).splitlines() if line.startswith("| ❌"))
    assert row.count("|") - row.count("\\|") == 4  # the pipe in the text did not split the row


def test_collect_reads_drift_and_findings_as_the_check_stage_writes_them() -> None:
    from mlgate.report.collect import _checks, _drift

    check = {
        "drift": {
            "columns": [
                {
                    "column": "mean radius",
                    "kind": "numeric",
                    "status": "tested",
                    "drifted": True,
                    "test": "ks",
                    "statistic": 0.4,
                    "p_value": 0.001,
                    "p_adjusted": 0.004,
                    "reference": {"counts": [1, 2], "edges": [0.0, 1.0, 2.0]},
                    "current": {"counts": [2, 1], "edges": [0.0, 1.0, 2.0]},
                },
                {"column": "region", "drifted": False, "test": None},
            ]
        },
        "findings": [
            {"check": "quality", "rule": "duplicates", "severity": "warn", "message": "3 dup"},
            {"check": "schema", "rule": "type", "severity": "error", "message": "age retyped"},
        ],
    }
    radius, region = _drift(check)
    assert (radius.column, radius.test, radius.p_value, radius.drifted) == (
        "mean radius",
        "ks",
        0.004,  # Holm-adjusted when given
        True,
    )
    assert radius.reference is not None
    assert radius.reference.edges == (0.0, 1.0, 2.0)
    assert region.drifted is False
    assert region.reference is None
    assert [(c.name, c.status) for c in _checks(check)] == [
        ("quality/duplicates", "warn"),
        ("schema/type", "fail"),
    ]
    assert _drift({}) == ()
    assert _checks(None) == ()
