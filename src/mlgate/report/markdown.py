"""The run report as Markdown: short enough for a pull-request comment or
``$GITHUB_STEP_SUMMARY``, with the verdict first and every gate's sentence."""

from __future__ import annotations

import json
import math
from typing import Any

from mlgate.report.collect import RunReport

__all__ = ["STATUS_MARK", "fmt_interval", "render_markdown"]

#: A mark per status, the same in every report.
STATUS_MARK = {
    "pass": "✅",
    "passed": "✅",
    "fail": "❌",
    "failed": "❌",
    "inconclusive": "⚠️",
    "needs-approval": "⚠️",
    "error": "💥",
    "cancelled": "⏹",
    "warn": "⚠️",
}


def fmt_interval(value: tuple[float, float, float] | None, *, signed: bool = False) -> str:
    """``0.971 [0.941, 0.988]``; ``–`` when there is none."""
    if value is None:
        return "–"
    spec = "+.3f" if signed else ".3f"
    estimate, low, high = value
    if math.isnan(low) or math.isnan(high):
        return f"{estimate:{spec}} [undefined]"
    return f"{estimate:{spec}} [{low:{spec}}, {high:{spec}}]"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _mark(status: str | None) -> str:
    return STATUS_MARK.get(status or "", "•")


def render_markdown(report: RunReport) -> str:
    """The report as GitHub-flavoured Markdown."""
    lines: list[str] = []
    add = lines.append
    head = report.verdict or report.status
    add(f"## {_mark(report.status)} mlgate: {report.status} — run `{report.run_id}`")
    add("")
    if report.verdict_sentence:
        add(f"**Verdict: {head}** — {report.verdict_sentence}")
        add("")
    if report.model and report.version is not None:
        add(f"Model **{report.model} v{report.version}**.")
    for alias, state, sentence in report.moves:
        add(f"- `{alias}` ({state}): {sentence}")
    if report.model or report.moves:
        add("")
    if report.error:
        where = f" at stage `{report.stopped_at}`" if report.stopped_at else ""
        add(f"**The run stopped{where}:**")
        add("")
        add("```")
        add(report.error.strip())
        add("```")
        add("")
    if report.next_steps:
        add("### What to do next")
        add("")
        for step in report.next_steps:
            add(f"- {step.sentence}" + (f":\n  `{step.command}`" if step.command else ""))
        add("")
    if report.gates:
        add("### Gates")
        add("")
        add("| | gate | result |")
        add("| --- | --- | --- |")
        for gate in report.gates:
            add(f"| {_mark(gate.status)} | `{_cell(gate.written)}` | {_cell(gate.sentence)} |")
            for status, sentence in gate.slices:
                add(f"| {_mark(status)} | ↳ slice | {_cell(sentence)} |")
        add("")
    if report.metrics:
        add("### Metrics")
        add("")
        add("| metric | challenger | champion | per seed |")
        add("| --- | --- | --- | --- |")
        for row in report.metrics:
            seeds = ", ".join(f"{v:.3f}" for v in row.seeds) or "–"
            add(
                f"| {row.metric} | {fmt_interval(row.challenger)} "
                f"| {fmt_interval(row.champion)} | {seeds} |"
            )
        for name, text in report.budgets:
            add(f"| {name} | {text} | | |")
        add("")
    if report.forest:
        add("### Paired differences (challenger − champion)")
        add("")
        add("| | comparison | difference | limit |")
        add("| --- | --- | --- | --- |")
        for f in report.forest:
            limit = "–" if f.limit is None else f"{f.limit + 0.0:+.3f}"
            add(
                f"| {_mark(f.status)} | {_cell(f.label)} "
                f"| {fmt_interval((f.estimate, f.low, f.high), signed=True)} | {limit} |"
            )
        add("")
    _data(report, add)
    if report.drift:
        add("### Drift")
        add("")
        add("| feature | test | statistic | p-value | drifted |")
        add("| --- | --- | --- | --- | --- |")
        for d in report.drift:
            stat = "–" if d.statistic is None else f"{d.statistic:.3g}"
            p = "–" if d.p_value is None else f"{d.p_value:.3g}"
            add(f"| {_cell(d.column)} | {d.test} | {stat} | {p} | {'yes' if d.drifted else 'no'} |")
        add("")
    _run(report, add)
    return "\n".join(lines).rstrip() + "\n"


def _data(report: RunReport, add: Any) -> None:
    if not (report.snapshot or report.data or report.checks or report.warnings):
        return
    add("### Data")
    add("")
    if report.snapshot:
        snap = report.snapshot
        add(
            f"- snapshot `{str(snap.get('snapshot', ''))[:12]}` of `{snap.get('source', '?')}`: "
            f"{snap.get('n_files', '?')} file(s), {snap.get('n_bytes', 0):,} bytes"
        )
    if report.data:
        d = report.data
        add(
            f"- {d.get('rows') or 0:,} rows, {d.get('n_columns') or 0} columns: "
            f"{d.get('n_train') or 0:,} to train, {d.get('n_holdout') or 0:,} held out"
        )
    if report.champion:
        if report.changes is None:
            add(f"- champion {report.champion}: its snapshot cannot be compared")
        elif not report.changes:
            add(f"- same data as the champion {report.champion}")
        else:
            add(f"- changed since the champion {report.champion}'s snapshot:")
            for c in report.changes:
                add(f"  - {c.kind} `{c.path}`{_change_details(c)}")
    for check in report.checks:
        add(f"- {_mark(check.status)} {check.name}: {check.sentence}")
    for warning in report.warnings:
        add(f"- ⚠️ {warning}")
    add("")


def _change_details(change: Any) -> str:
    parts = []
    if change.rows_delta:
        parts.append(f"{change.rows_delta:+,} rows")
    if change.columns_added:
        parts.append("columns added: " + ", ".join(change.columns_added))
    if change.columns_removed:
        parts.append("columns removed: " + ", ".join(change.columns_removed))
    for column, before, after in change.columns_retyped:
        parts.append(f"{column}: {before} → {after}")
    return (" (" + "; ".join(parts) + ")") if parts else ""


def _run(report: RunReport, add: Any) -> None:
    add("<details><summary>Run details</summary>")
    add("")
    took = "" if report.seconds is None else f", {report.seconds:.1f} s"
    add(
        f"- trigger **{report.trigger}** by {report.actor or '?'}, {report.created_at}"
        f"{took}, executor {report.executor or '?'}"
    )
    if report.evidence:
        add(f"- evidence: `{json.dumps(report.evidence, sort_keys=True, default=str)}`")
    for stage in report.stages:
        add(f"- `{stage.name}` {stage.status}, {stage.seconds:.2f} s")
    if report.lineage:
        add("- lineage: " + _lineage_line(report.lineage))
    add("")
    add("</details>")


def _lineage_line(lineage: dict[str, Any]) -> str:
    extra = lineage.get("extra") or {}
    code = lineage.get("code") or {}
    parts = []
    if code.get("commit"):
        dirty = " + uncommitted changes" if code.get("changes") else ""
        parts.append(f"commit `{str(code['commit'])[:12]}`{dirty}")
    elif extra.get("code_hash"):
        parts.append(f"code `{str(extra['code_hash'])[:12]}`")
    if extra.get("snapshot"):
        parts.append(f"snapshot `{str(extra['snapshot'])[:12]}`")
    if extra.get("params") is not None:
        parts.append(f"params `{json.dumps(extra['params'], sort_keys=True)}`")
    if extra.get("seeds"):
        parts.append(f"seeds {', '.join(str(s) for s in extra['seeds'])}")
    if lineage.get("python"):
        parts.append(f"Python {lineage['python']}")
    return "; ".join(parts) or "recorded"
