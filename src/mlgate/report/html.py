"""The run report as one self-contained HTML page: inline CSS, plots as inline SVG,
no script, no link to anything outside the page (it opens with no network)."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from mlgate.report.collect import RunReport
from mlgate.report.markdown import fmt_interval

__all__ = ["render_html"]

_CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#24292f;
max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;
border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #d0d7de;
padding:.25rem .6rem;text-align:left;vertical-align:top}
td:first-child{white-space:nowrap}th{background:#f6f8fa}
code,pre{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa}
pre{padding:.6rem;overflow:auto;white-space:pre-wrap}
.badge{display:inline-block;padding:.1rem .6rem;border-radius:1rem;color:#fff;
font-weight:600}.pass,.passed{background:#1a7f37}.fail,.failed,.error{background:#cf222e}
.inconclusive,.needs-approval,.warn{background:#9a6700}.cancelled{background:#6e7781}
.dot{display:inline-block;width:.7rem;height:.7rem;border-radius:50%;
margin-right:.3rem;background:#8c959f}.dot.pass,.dot.passed{background:#1a7f37}
.dot.fail,.dot.failed,.dot.error{background:#cf222e}
.dot.inconclusive,.dot.warn,.dot.needs-approval{background:#bf8700}
.muted{color:#57606a}.plot svg{max-width:100%;height:auto}.plots{display:flex;
flex-wrap:wrap;gap:1rem}.next{border-left:4px solid #9a6700;padding:.2rem 1rem;
background:#fff8c5}
"""


def _badge(status: str | None) -> str:
    status = status or "?"
    return f'<span class="badge {escape(status)}">{escape(status)}</span>'


def _mark(status: str) -> str:
    """A coloured dot (no emoji: the page must not depend on the reader's fonts)."""
    return f'<span class="dot {escape(status)}"></span>'


def _table(head: list[str], rows: list[list[str]]) -> str:
    """Rows are already-escaped HTML cells."""
    out = ["<table><thead><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render_html(report: RunReport, *, plots: bool = True) -> str:
    """The report as a complete HTML document; ``plots=False`` leaves the SVGs out."""
    from mlgate.report import plots as draw

    parts: list[str] = []
    add = parts.append
    add(f"<h1>mlgate run <code>{escape(report.run_id)}</code> {_badge(report.status)}</h1>")
    took = "" if report.seconds is None else f", {report.seconds:.1f} s"
    add(
        f'<p class="muted">trigger <b>{escape(report.trigger)}</b> by '
        f"{escape(report.actor or '?')}, {escape(report.created_at)}{took}, "
        f"executor {escape(report.executor or '?')}</p>"
    )
    if report.evidence:
        evidence = json.dumps(report.evidence, sort_keys=True, indent=1, default=str)
        add(f"<p>Evidence:</p><pre>{escape(evidence)}</pre>")

    add('<h2 id="verdict">Verdict</h2>')
    if report.verdict_sentence:
        add(f"<p>{_badge(report.verdict)} {escape(report.verdict_sentence)}</p>")
    else:
        add("<p>No verdict: the run ended before its gates.</p>")
    if report.model and report.version is not None:
        add(f"<p>Registered <b>{escape(report.model)} v{report.version}</b>.</p>")
    if report.moves:
        add("<ul>")
        for alias, state, sentence in report.moves:
            add(f"<li><code>{escape(alias)}</code> ({escape(state)}): {escape(sentence)}</li>")
        add("</ul>")
    if report.error:
        where = f" at stage <code>{escape(report.stopped_at)}</code>" if report.stopped_at else ""
        add(f"<p><b>The run stopped{where}:</b></p><pre>{escape(report.error.strip())}</pre>")
    if report.next_steps:
        add('<h2 id="next">What to do next</h2><div class="next"><ul>')
        for step in report.next_steps:
            command = f"<br><code>{escape(step.command)}</code>" if step.command else ""
            add(f"<li>{escape(step.sentence)}{command}</li>")
        add("</ul></div>")

    if report.gates:
        add('<h2 id="gates">Gates</h2>')
        rows = []
        for gate in report.gates:
            rows.append(
                [
                    f"{_mark(gate.status)} {escape(gate.status)}",
                    f"<code>{escape(gate.written)}</code>",
                    escape(gate.sentence),
                ]
            )
            rows.extend([f"{_mark(s)} {escape(s)}", "↳ slice", escape(t)] for s, t in gate.slices)
        add(_table(["status", "gate", "sentence"], rows))

    if report.metrics:
        add('<h2 id="metrics">Metrics</h2>')
        rows = [
            [
                escape(m.metric),
                escape(fmt_interval(m.challenger)),
                escape(fmt_interval(m.champion)),
                escape(", ".join(f"{v:.3f}" for v in m.seeds) or "–"),
            ]
            for m in report.metrics
        ]
        rows.extend([escape(name), escape(text), "", ""] for name, text in report.budgets)
        add(_table(["metric", "challenger", "champion", "per seed"], rows))
        if plots and any(m.challenger for m in report.metrics):
            add(f'<div class="plot" id="plot-metrics">{draw.metrics_svg(report.metrics)}</div>')

    if report.forest:
        add('<h2 id="forest">Paired differences (challenger − champion)</h2>')
        if plots:
            add(f'<div class="plot" id="plot-forest">{draw.forest_svg(report.forest)}</div>')
        rows = [
            [
                f"{_mark(f.status)} {escape(f.status)}",
                escape(f.label),
                escape(fmt_interval((f.estimate, f.low, f.high), signed=True)),
                "–" if f.limit is None else f"{f.limit + 0.0:+.3f}",
            ]
            for f in report.forest
        ]
        add(_table(["status", "comparison", "difference", "limit"], rows))

    _data(report, add)
    if report.drift:
        add('<h2 id="drift">Drift</h2>')
        rows = [
            [
                escape(d.column),
                escape(d.test),
                "–" if d.statistic is None else f"{d.statistic:.3g}",
                "–" if d.p_value is None else f"{d.p_value:.3g}",
                "yes" if d.drifted else "no",
            ]
            for d in report.drift
        ]
        add(_table(["feature", "test", "statistic", "p-value", "drifted"], rows))
        if plots and report.drifted:
            add('<div class="plots">')
            for row in report.drifted:
                add(f'<div class="plot drift-plot">{draw.drift_svg(row)}</div>')
            add("</div>")

    _details(report, add)
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(report.title)}</title>\n<style>{_CSS}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )


def _data(report: RunReport, add: Any) -> None:
    if not (report.snapshot or report.data or report.checks or report.warnings):
        return
    add('<h2 id="data">Data</h2><ul>')
    if report.snapshot:
        snap = report.snapshot
        add(
            f"<li>snapshot <code>{escape(str(snap.get('snapshot', ''))[:12])}</code> of "
            f"<code>{escape(str(snap.get('source', '?')))}</code>: "
            f"{snap.get('n_files', '?')} file(s), {snap.get('n_bytes', 0):,} bytes</li>"
        )
    if report.data:
        d = report.data
        add(
            f"<li>{d.get('rows') or 0:,} rows, {d.get('n_columns') or 0} columns: "
            f"{d.get('n_train') or 0:,} to train, {d.get('n_holdout') or 0:,} held out</li>"
        )
    if report.champion:
        champion = escape(report.champion)
        if report.changes is None:
            add(f"<li>champion {champion}: its snapshot cannot be compared</li>")
        elif not report.changes:
            add(f"<li>same data as the champion {champion}</li>")
        else:
            add(f"<li>changed since the champion {champion}'s snapshot:</li>")
    for check in report.checks:
        add(f"<li>{_mark(check.status)} {escape(check.name)}: {escape(check.sentence)}</li>")
    add("".join(f"<li>{_mark('warn')}warning: {escape(w)}</li>" for w in report.warnings))
    add("</ul>")
    if report.changes:
        rows = [
            [
                escape(c.kind),
                f"<code>{escape(c.path)}</code>",
                "" if c.rows_delta is None else f"{c.rows_delta:+,}",
                escape(", ".join(c.columns_added)),
                escape(", ".join(c.columns_removed)),
                escape(", ".join(f"{k}: {a} → {b}" for k, a, b in c.columns_retyped)),
            ]
            for c in report.changes
        ]
        add(_table(["change", "file", "rows", "columns added", "removed", "retyped"], rows))


def _details(report: RunReport, add: Any) -> None:
    if report.stages:
        add('<h2 id="stages">Stages</h2>')
        rows = [
            [
                f"<code>{escape(s.name)}</code>",
                escape(s.status),
                f"{s.seconds:.2f} s",
                escape(s.message or ""),
            ]
            for s in report.stages
        ]
        add(_table(["stage", "status", "time", "message"], rows))
    if report.lineage:
        add('<h2 id="lineage">Lineage</h2>')
        shown = {k: v for k, v in report.lineage.items() if k != "packages"}
        packages = report.lineage.get("packages")
        if isinstance(packages, list):
            shown["packages"] = f"{len(packages)} installed packages"
        text = json.dumps(shown, sort_keys=True, indent=1, default=str)
        add(f"<pre>{escape(text)}</pre>")
