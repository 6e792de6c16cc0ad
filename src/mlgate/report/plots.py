"""The report's plots as inline SVG, drawn with matplotlib's headless ``Agg`` backend.

Each function returns an ``<svg>`` element as text, with no XML prolog, no
DOCTYPE and no links: glyphs are drawn as paths, so the page needs no font
and no network. The same input gives the same bytes (fixed hash salt, no
date in the metadata).
"""

from __future__ import annotations

import io
import math
import re
import warnings
from typing import TYPE_CHECKING

from mlgate.report.collect import DriftRow, ForestRow, MetricRow

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["drift_svg", "forest_svg", "metrics_svg"]

_COLOURS = {"pass": "#1a7f37", "fail": "#cf222e", "inconclusive": "#9a6700"}
_CHALLENGER, _CHAMPION = "#0969da", "#6e7781"


def _figure(width: float, height: float) -> Figure:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=72, layout="constrained")


def _svg(fig: Figure) -> str:
    import matplotlib

    sink = io.StringIO()
    with (
        warnings.catch_warnings(),  # layout hints are not worth failing a report for
        matplotlib.rc_context({"svg.hashsalt": "mlgate", "svg.fonttype": "path"}),
    ):
        warnings.simplefilter("ignore")
        fig.savefig(sink, format="svg", metadata={"Date": None, "Creator": None})
    text = sink.getvalue()
    start = text.find("<svg")
    text = text[start:]
    # the metadata block names RDF/Dublin Core namespaces by URL: drop it (they are not
    # resources, but a self-contained page should not even mention the network)
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL)
    return text.strip()


def forest_svg(rows: tuple[ForestRow, ...]) -> str:
    """Paired differences (challenger - champion) with intervals, one line per gate/slice."""
    fig = _figure(7.0, 0.9 + 0.42 * len(rows))
    ax = fig.add_subplot()
    ys = list(range(len(rows)))[::-1]
    for y, row in zip(ys, rows, strict=True):
        colour = _COLOURS.get(row.status, "#57606a")
        if not (math.isnan(row.low) or math.isnan(row.high)):
            ax.plot([row.low, row.high], [y, y], color=colour, linewidth=2.5)
        ax.plot([row.estimate], [y], "o", color=colour, markersize=6)
        if row.limit is not None:
            ax.plot([row.limit], [y], "|", color="#24292f", markersize=14, markeredgewidth=2)
    ax.axvline(0.0, color="#8c959f", linewidth=1, linestyle="--")
    ax.set_yticks(ys, [row.label for row in rows])
    ax.set_xlabel("difference, challenger − champion (| = the gate's limit)")
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.grid(axis="x", color="#eaeef2")
    return _svg(fig)


def metrics_svg(rows: tuple[MetricRow, ...]) -> str:
    """Each metric's interval for the challenger and the champion, side by side."""
    shown = [row for row in rows if row.challenger is not None]
    fig = _figure(7.0, 0.9 + 0.6 * len(shown))
    ax = fig.add_subplot()
    ys = list(range(len(shown)))[::-1]
    for y, row in zip(ys, shown, strict=True):
        for offset, interval, colour in (
            (0.12, row.challenger, _CHALLENGER),
            (-0.12, row.champion, _CHAMPION),
        ):
            if interval is None:
                continue
            estimate, low, high = interval
            if not (math.isnan(low) or math.isnan(high)):
                ax.plot([low, high], [y + offset] * 2, color=colour, linewidth=2.5)
            ax.plot([estimate], [y + offset], "o", color=colour, markersize=6)
    ax.plot([], [], "o-", color=_CHALLENGER, label="challenger")
    if any(row.champion for row in shown):
        ax.plot([], [], "o-", color=_CHAMPION, label="champion")
    ax.legend(loc="lower left", frameon=False, fontsize=9)
    ax.set_yticks(ys, [row.metric for row in shown])
    ax.set_ylim(-0.7, len(shown) - 0.3)
    ax.grid(axis="x", color="#eaeef2")
    return _svg(fig)


def drift_svg(row: DriftRow) -> str:
    """One feature's reference and current distributions, overlaid."""
    assert row.reference is not None
    assert row.current is not None
    fig = _figure(4.2, 2.6)
    ax = fig.add_subplot()
    for hist, colour, label in (
        (row.reference, _CHAMPION, "reference"),
        (row.current, _CHALLENGER, "current"),
    ):
        total = sum(hist.counts) or 1.0
        shares = [c / total for c in hist.counts]
        if hist.labels:
            positions = list(range(len(hist.labels)))
            ax.bar(positions, shares, color=colour, alpha=0.5, label=label)
            ax.set_xticks(positions, list(hist.labels), rotation=30, fontsize=8)
        elif len(hist.edges) == len(shares) + 1:
            ax.stairs(shares, list(hist.edges), color=colour, fill=True, alpha=0.45, label=label)
        else:
            ax.bar(range(len(shares)), shares, color=colour, alpha=0.5, label=label)
    ax.set_title(row.column, fontsize=10)
    ax.set_ylabel("share of rows", fontsize=8)
    ax.legend(frameon=False, fontsize=8)
    return _svg(fig)
