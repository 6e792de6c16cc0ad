"""What a run report shows, gathered once from the stores into plain frozen records.

The renderers (:mod:`mlgate.report.markdown`, :mod:`mlgate.report.html`) read a
:class:`RunReport` and nothing else, so a report can be rendered from a record
built by hand (the snapshot tests do). Every section is optional: a run that
stopped early, or a data check that has no drift results yet, simply has less
to show, and the renderers leave the missing sections out.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from mlgate.store.metadata.base_runs import RunRecord, StageRecord
from mlgate.store.stores import Stores

__all__ = [
    "CheckLine",
    "DataChange",
    "DriftRow",
    "ForestRow",
    "GateLine",
    "Histogram",
    "MetricRow",
    "NextStep",
    "RunReport",
    "StageLine",
    "collect",
]

#: How many drifted features get a plot.
TOP_DRIFTED = 4


@dataclass(frozen=True, slots=True)
class StageLine:
    """One stage of the run."""

    name: str
    status: str
    cached: bool
    seconds: float
    message: str | None = None


@dataclass(frozen=True, slots=True)
class DataChange:
    """One file that differs from the champion's snapshot."""

    path: str
    kind: str  # added, removed, modified
    rows_delta: int | None = None
    columns_added: tuple[str, ...] = ()
    columns_removed: tuple[str, ...] = ()
    columns_retyped: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CheckLine:
    """One data check: its name, ``pass``/``warn``/``fail`` and a sentence."""

    name: str
    status: str
    sentence: str


@dataclass(frozen=True, slots=True)
class Histogram:
    """A distribution to plot: bin edges (numeric) or category labels, with counts."""

    counts: tuple[float, ...]
    edges: tuple[float, ...] = ()
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DriftRow:
    """One feature's drift between the reference (training) data and the current data."""

    column: str
    test: str
    statistic: float | None
    p_value: float | None
    drifted: bool
    reference: Histogram | None = None
    current: Histogram | None = None


@dataclass(frozen=True, slots=True)
class MetricRow:
    """A metric with its interval for the challenger and, when compared, the champion."""

    metric: str
    challenger: tuple[float, float, float] | None  # estimate, low, high
    champion: tuple[float, float, float] | None = None
    seeds: tuple[float, ...] = ()  # the metric per seed (point values)


@dataclass(frozen=True, slots=True)
class ForestRow:
    """A paired difference (challenger - champion) with its interval, per gate and slice."""

    label: str
    estimate: float
    low: float
    high: float
    status: str
    limit: float | None = None  # the difference the gate must clear, when it has one


@dataclass(frozen=True, slots=True)
class GateLine:
    """One gate as written, its status and its sentence (with its slices)."""

    written: str
    kind: str
    status: str
    sentence: str
    slices: tuple[tuple[str, str], ...] = ()  # (status, sentence) per slice value


@dataclass(frozen=True, slots=True)
class NextStep:
    """What a person must do next, and the exact command."""

    sentence: str
    command: str | None = None


@dataclass(frozen=True)
class RunReport:
    """Everything a run report shows; ``None`` or empty means "leave the section out"."""

    run_id: str
    status: str
    trigger: str
    created_at: str
    verdict: str | None = None
    verdict_sentence: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None
    executor: str | None = None
    seconds: float | None = None
    error: str | None = None
    stopped_at: str | None = None
    stages: tuple[StageLine, ...] = ()
    snapshot: dict[str, Any] | None = None
    champion: str | None = None
    champion_snapshot: str | None = None
    changes: tuple[DataChange, ...] | None = None
    data: dict[str, Any] | None = None
    warnings: tuple[str, ...] = ()
    checks: tuple[CheckLine, ...] = ()
    drift: tuple[DriftRow, ...] = ()
    metrics: tuple[MetricRow, ...] = ()
    budgets: tuple[tuple[str, str], ...] = ()  # (name, measured vs limit)
    forest: tuple[ForestRow, ...] = ()
    gates: tuple[GateLine, ...] = ()
    model: str | None = None
    version: int | None = None
    lineage: dict[str, Any] | None = None
    moves: tuple[tuple[str, str, str], ...] = ()  # (alias, state, sentence)
    next_steps: tuple[NextStep, ...] = ()

    @property
    def title(self) -> str:
        """``mlgate run 20260101-…: passed``."""
        return f"mlgate run {self.run_id}: {self.status}"

    @property
    def drifted(self) -> tuple[DriftRow, ...]:
        """The drifted features with distributions to plot, most drifted first."""
        rows = [r for r in self.drift if r.drifted and r.reference and r.current]
        rows.sort(key=lambda r: (r.p_value if r.p_value is not None else 1.0, r.column))
        return tuple(rows[:TOP_DRIFTED])


# --- gathering ---------------------------------------------------------------------------


def _output(stores: Stores, stage: StageRecord | None) -> dict[str, Any] | None:
    digest = stage.output_digest if stage else None
    if digest is None or not stores.artifacts.has(digest):
        return None
    value = json.loads(stores.artifacts.get_bytes(digest))
    return value if isinstance(value, dict) else None


def _seconds(record: RunRecord) -> float | None:
    if record.started_at is None or record.ended_at is None:
        return None
    return (record.ended_at - record.started_at).total_seconds()


def _stage_lines(stages: list[StageRecord]) -> tuple[StageLine, ...]:
    return tuple(
        StageLine(
            name=s.name,
            status="cached" if s.cached else s.status,
            cached=s.cached,
            seconds=(s.ended_at - s.started_at).total_seconds() if s.ended_at else 0.0,
            message=s.message if s.status not in ("passed", "cached") else None,
        )
        for s in stages
    )


def _stopped_at(record: RunRecord, stages: list[StageRecord]) -> str | None:
    if record.status not in ("error", "failed", "cancelled"):
        return None
    for stage in stages:
        if stage.status not in ("passed", "cached"):
            return stage.name
    if record.status == "failed" and record.verdict == "fail":
        return None  # the gates said no: that is the verdict, not a stop
    return stages[-1].name if stages else "before the first stage"


def _interval(value: Any) -> tuple[float, float, float] | None:
    if not isinstance(value, dict) or value.get("estimate") is None:
        return None
    low, high = value.get("low"), value.get("high")
    return (
        float(value["estimate"]),
        float(low) if low is not None else math.nan,
        float(high) if high is not None else math.nan,
    )


def _limit(gate: dict[str, Any], higher_is_better: bool) -> float | None:
    sign = 1.0 if higher_is_better else -1.0
    if gate.get("max_drop") is not None:
        return -sign * float(gate["max_drop"])
    if gate.get("min_gain") is not None:
        return sign * float(gate["min_gain"])
    return None


def _gates(verdict: dict[str, Any] | None) -> tuple[GateLine, ...]:
    if not verdict:
        return ()
    return tuple(
        GateLine(
            written=str(r.get("written", "")),
            kind=str(r.get("kind", "")),
            status=str(r.get("status", "")),
            sentence=str(r.get("sentence", "")),
            slices=tuple((str(s["status"]), str(s["sentence"])) for s in r.get("slices") or []),
        )
        for r in verdict.get("results", [])
    )


def _forest(verdict: dict[str, Any] | None) -> tuple[ForestRow, ...]:
    rows: list[ForestRow] = []
    for result in (verdict or {}).get("results", []):
        gate = result.get("gate") or {}
        vs = gate.get("vs")
        if vs is None:
            continue
        metric = gate.get("metric", "?")
        numbers = result.get("numbers") or {}
        diff = _interval(numbers.get("difference"))
        if diff is not None:
            limit = _limit(gate, bool(numbers.get("higher_is_better", True)))
            rows.append(ForestRow(f"{metric} vs {vs}", *diff, str(result["status"]), limit))
        for part in result.get("slices") or []:
            sliced = part.get("numbers") or {}
            diff = _interval(sliced.get("difference"))
            if diff is None:
                continue
            limit = _limit(gate, bool(sliced.get("higher_is_better", True)))
            label = f"{metric} vs {vs} · {part['column']}={part['value']}"
            rows.append(ForestRow(label, *diff, str(part["status"]), limit))
    return tuple(rows)


def _metrics(
    verdict: dict[str, Any] | None, evaluate: dict[str, Any] | None
) -> tuple[MetricRow, ...]:
    per_seed: dict[str, list[float]] = {}
    for model in (evaluate or {}).get("models", []):
        for name, value in (model.get("metrics") or {}).items():
            if value is not None:
                per_seed.setdefault(name, []).append(float(value))
    found: dict[str, MetricRow] = {}
    for result in (verdict or {}).get("results", []):
        numbers = result.get("numbers")
        if not numbers or result.get("slices"):
            continue
        name = str(numbers["metric"])
        row = MetricRow(
            name,
            _interval(numbers.get("challenger")),
            _interval(numbers.get("champion")),
            tuple(per_seed.get(name, ())),
        )
        if name not in found or (row.champion and not found[name].champion):
            found[name] = row
    for name, values in per_seed.items():
        if name not in found:
            found[name] = MetricRow(name, None, None, tuple(values))
    return tuple(found.values())


def _budgets(verdict: dict[str, Any] | None) -> tuple[tuple[str, str], ...]:
    rows = []
    for result in (verdict or {}).get("results", []):
        budget = result.get("budget")
        if not budget:
            continue
        interval = _interval(budget.get("interval"))
        unit = budget.get("unit", "")
        measured = (
            "not measured"
            if interval is None
            else f"{interval[0]:.3g} {unit} [{interval[1]:.3g}, {interval[2]:.3g}]"
        )
        rows.append((str(budget["budget"]), f"{measured} (limit {budget['limit']:g} {unit})"))
    return tuple(rows)


def _histogram(value: Any) -> Histogram | None:
    if not isinstance(value, dict) or not value.get("counts"):
        return None
    return Histogram(
        counts=tuple(float(c) for c in value["counts"]),
        edges=tuple(float(e) for e in value.get("edges") or ()),
        labels=tuple(str(v) for v in value.get("labels") or ()),
    )


def _drift(check: dict[str, Any] | None) -> tuple[DriftRow, ...]:
    drift = (check or {}).get("drift")
    columns = drift.get("columns") if isinstance(drift, dict) else drift
    rows = []
    for item in columns or []:
        if not isinstance(item, dict) or "column" not in item:
            continue
        stat = item.get("statistic")
        p = item.get("p_adjusted") if item.get("p_adjusted") is not None else item.get("p_value")
        rows.append(
            DriftRow(
                column=str(item["column"]),
                test=str(item.get("test") or ""),
                statistic=None if stat is None else float(stat),
                p_value=None if p is None else float(p),
                drifted=bool(item.get("drifted", False)),
                reference=_histogram(item.get("reference")),
                current=_histogram(item.get("current")),
            )
        )
    return tuple(rows)


def _checks(check: dict[str, Any] | None) -> tuple[CheckLine, ...]:
    """``checks`` ({name, status, sentence}) or ``findings`` (``Finding.to_dict()``)."""
    check = check or {}
    lines = [
        CheckLine(str(c.get("name", "?")), str(c.get("status", "?")), str(c.get("sentence", "")))
        for c in check.get("checks") or []
        if isinstance(c, dict)
    ]
    lines += [
        CheckLine(
            f"{f.get('check', '?')}/{f.get('rule', '?')}",
            "fail" if f.get("severity") == "error" else "warn",
            str(f.get("message", "")),
        )
        for f in check.get("findings") or []
        if isinstance(f, dict)
    ]
    return tuple(lines)


def _champion_data(
    stores: Stores, evaluate: dict[str, Any] | None, model: str | None, snapshot: str | None
) -> tuple[str | None, str | None, tuple[DataChange, ...] | None]:
    champ = (evaluate or {}).get("champion")
    if not champ or not model:
        return None, None, None
    label = f"{model} v{champ['version']} ({champ['alias']})"
    version = stores.metadata.get_version(model, int(champ["version"]))
    run = stores.metadata.get_run(version.run_id) if version and version.run_id else None
    theirs = run.summary.get("snapshot") if run else None
    if not theirs or not snapshot:
        return label, None, None
    from mlgate.data._diff import diff_snapshots
    from mlgate.data._snapshot import load_snapshot
    from mlgate.errors import MlgateError

    try:
        diff = diff_snapshots(
            load_snapshot(theirs, stores), load_snapshot(snapshot, stores), stores.artifacts
        )
    except MlgateError:  # the champion's snapshot was garbage-collected: say nothing
        return label, theirs, None
    changes = tuple(
        DataChange(
            path=c.path,
            kind=c.kind,
            rows_delta=c.rows_delta,
            columns_added=tuple(c.columns_added),
            columns_removed=tuple(c.columns_removed),
            columns_retyped=tuple((k, a, b) for k, (a, b) in c.columns_retyped.items()),
        )
        for c in diff.changes
    )
    return label, theirs, changes


def _next_steps(
    record: RunRecord, model: str | None, version: int | None, moves: list[dict[str, Any]]
) -> tuple[NextStep, ...]:
    steps = []
    for move in moves:
        if move.get("state") == "pending" and model and version is not None:
            alias = move["alias"]
            steps.append(
                NextStep(
                    move.get("sentence", f"{model} v{version} → {alias} needs approval"),
                    f'mlgate approve {model} {version} --to {alias} --reason "…"',
                )
            )
    if record.status == "needs-approval" and not steps and model and version is not None:
        steps.append(
            NextStep(
                "a gate was inconclusive: a person decides whether this version is promoted",
                f'mlgate promote {model} {version} --to production --reason "…"',
            )
        )
    if record.status == "error":
        steps.append(NextStep("fix the error above, then run the pipeline again", "mlgate run"))
    return tuple(steps)


def collect(stores: Stores, record: RunRecord) -> RunReport:
    """Gather a run's report from the stores (stage outputs, registry, snapshots)."""
    stages = stores.metadata.stages_of(record.id)
    by_name = {s.name: s for s in stages}
    snapshot_out = _output(stores, by_name.get("snapshot"))
    check = _output(stores, by_name.get("check"))
    evaluate = _output(stores, by_name.get("evaluate"))
    verdict = _output(stores, by_name.get("gate"))
    register = _output(stores, by_name.get("register"))
    deploy = _output(stores, by_name.get("deploy"))
    summary = record.summary
    model = summary.get("model") or (register or {}).get("model")
    version = summary.get("version") or (register or {}).get("version")
    snapshot_id = summary.get("snapshot") or (snapshot_out or {}).get("snapshot")
    champion, champion_snapshot, changes = _champion_data(stores, evaluate, model, snapshot_id)
    lineage_digest = summary.get("lineage") or (register or {}).get("lineage")
    lineage = None
    if lineage_digest and stores.artifacts.has(lineage_digest):
        lineage = json.loads(stores.artifacts.get_bytes(lineage_digest))
    moves = list((deploy or {}).get("moves") or summary.get("deploy") or [])
    data = None
    if check:
        data = {
            "rows": check.get("rows"),
            "n_train": check.get("n_train"),
            "n_holdout": check.get("n_holdout"),
            "n_columns": len(check.get("columns") or {}),
        }
    checks = _checks(check)
    shown_checks = {line.sentence for line in checks}
    return RunReport(
        run_id=record.id,
        status=record.status,
        trigger=record.trigger,
        created_at=f"{record.created_at:%Y-%m-%d %H:%M:%S} UTC",
        verdict=record.verdict or (verdict or {}).get("status"),
        verdict_sentence=summary.get("verdict_sentence") or (verdict or {}).get("sentence"),
        evidence=dict(record.evidence),
        actor=record.actor,
        executor=record.executor,
        seconds=_seconds(record),
        error=record.error,
        stopped_at=_stopped_at(record, stages),
        stages=_stage_lines(stages),
        snapshot=snapshot_out,
        champion=champion,
        champion_snapshot=champion_snapshot,
        changes=changes,
        data=data,
        warnings=tuple(
            str(w) for w in (check or {}).get("warnings") or () if str(w) not in shown_checks
        ),
        checks=checks,
        drift=_drift(check),
        metrics=_metrics(verdict, evaluate),
        budgets=_budgets(verdict),
        forest=_forest(verdict),
        gates=_gates(verdict),
        model=model,
        version=version,
        lineage=lineage if isinstance(lineage, dict) else None,
        moves=tuple((str(m["alias"]), str(m["state"]), str(m["sentence"])) for m in moves),
        next_steps=_next_steps(record, model, version, moves),
    )
