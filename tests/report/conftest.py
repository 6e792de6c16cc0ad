"""Shared helpers for report tests: a hand-built report, and HTML checked with a real parser."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from mlgate.report.collect import (
    CheckLine,
    DataChange,
    DriftRow,
    ForestRow,
    GateLine,
    Histogram,
    MetricRow,
    NextStep,
    RunReport,
    StageLine,
)

#: Attributes whose value the browser would fetch or follow.
LINKING = {"src", "href", "xlink:href", "action", "data", "poster", "srcset", "formaction"}


class PageParser(HTMLParser):
    """Every tag, every linking attribute and the text of <style> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.links: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.links.extend(v for k, v in attrs if k in LINKING and v)
        self.links.extend(v for k, v in attrs if k == "style" and v and "url(" in v)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def external(parser: PageParser) -> list[str]:
    """Links to anything outside the page (anything but a #fragment), and CSS url()/@import."""
    found = [link for link in parser.links if not link.startswith("#")]
    found += [s for s in parser.styles if "url(" in s or "@import" in s]
    return found


@pytest.fixture
def sample() -> RunReport:
    """A run with every section: champion, changed data, checks, drift, slices, approval."""
    return make_sample()


def make_sample() -> RunReport:
    """The report behind the ``sample`` fixture."""
    return RunReport(
        run_id="20260101-120000-abcd",
        status="needs-approval",
        trigger="data",
        created_at="2026-01-01 12:00:00 UTC",
        verdict="needs-approval",
        verdict_sentence="3 gates: 2 pass, 1 inconclusive → needs-approval",
        evidence={"snapshot": "f" * 64, "files": 1},
        actor="alice",
        executor="local",
        seconds=12.5,
        stages=(
            StageLine("snapshot", "passed", False, 0.05),
            StageLine("check", "cached", True, 0.0),
            StageLine("train[seed=1]", "passed", False, 3.2),
            StageLine("evaluate", "passed", False, 2.0),
            StageLine("gate", "passed", False, 0.1),
        ),
        snapshot={"snapshot": "a" * 64, "source": "data", "n_files": 1, "n_bytes": 145398},
        champion="cancer v1 (production)",
        champion_snapshot="b" * 64,
        changes=(
            DataChange(
                "data/cancer.csv",
                "modified",
                rows_delta=+40,
                columns_added=("region",),
                columns_retyped=(("age", "int64", "double"),),
            ),
        ),
        data={"rows": 609, "n_train": 426, "n_holdout": 183, "n_columns": 32},
        warnings=("3 duplicate rows",),
        checks=(CheckLine("label", "pass", "the label has 2 classes"),),
        drift=(
            DriftRow(
                "mean radius",
                "ks",
                0.31,
                0.0001,
                True,
                Histogram((5, 10, 5), edges=(0, 1, 2, 3)),
                Histogram((2, 8, 10), edges=(0, 1, 2, 3)),
            ),
            DriftRow(
                "region",
                "chi2",
                12.0,
                0.004,
                True,
                Histogram((4, 3, 2), labels=("north", "south", "east")),
                Histogram((2, 3, 4), labels=("north", "south", "east")),
            ),
            DriftRow("mean texture", "ks", 0.05, 0.6, False),
        ),
        metrics=(
            MetricRow("accuracy", (0.97, 0.94, 0.99), None, (0.97, 0.96)),
            MetricRow("roc_auc", (0.995, 0.989, 0.999), (0.993, 0.984, 0.998), (0.995, 0.996)),
        ),
        budgets=(("latency_ms_p99", "8.2 ms [7.9, 9.1] (limit 50 ms)"),),
        forest=(
            ForestRow("roc_auc vs production", 0.002, -0.004, 0.008, "inconclusive", -0.0),
            ForestRow("roc_auc vs production · region=north", 0.004, -0.01, 0.02, "pass", -0.05),
        ),
        gates=(
            GateLine("{metric: accuracy, min: 0.9}", "absolute", "pass", "accuracy ok → pass"),
            GateLine(
                "{metric: roc_auc, vs: production, max_drop: 0.0}",
                "comparison",
                "inconclusive",
                "roc_auc difference +0.002 [-0.004, +0.008] → inconclusive",
                slices=(("pass", "region=north: +0.004 [-0.010, +0.020] → pass"),),
            ),
            GateLine("{latency_ms_p99: 50}", "budget", "pass", "latency p99 8.2 ms → pass"),
        ),
        model="cancer",
        version=2,
        lineage={
            "code": {"commit": "0123456789abcdef", "changes": None},
            "extra": {"snapshot": "a" * 64, "params": {"C": 1.0}, "seeds": [1, 2]},
            "python": "3.11.7",
            "packages": ["numpy==2.0"],
        },
        moves=(("production", "pending", "cancer v2 → production needs 1 approval from anyone"),),
        next_steps=(
            NextStep(
                "cancer v2 → production needs 1 approval from anyone",
                'mlgate approve cancer 2 --to production --reason "…"',
            ),
        ),
    )
