"""Evaluate the triggers of mlgate.yaml once: which fired, with what evidence, and what
was done about it (a run queued, evidence merged into the queued run, or held back by
the cooldown).

Each trigger keeps its bookkeeping in the metadata store (``trigger_state``), so the
daemon and ``mlgate watch --once`` from cron behave the same and survive restarts:

* ``data``: the source's would-be snapshot id (``mlgate data status``, cheap thanks
  to the stat cache) differs from the snapshot of the last run that trained, and no
  file under the source changed for ``debounce`` seconds (a copy in progress waits).
* ``drift``: a complete monitoring window of the production version, newer than the
  last one looked at, drifts (monitor.drift) with an effect size ≥ the trigger's.
* ``degradation``: a window's live metric is worse than the floor with confidence:
  its upper bound below ``min`` (or lower bound above ``max``), never a point estimate.
* ``schedule``: the cron expression had a firing time since the last evaluation
  (missed firings while nothing watched count once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mlgate.config import Settings
from mlgate.errors import MlgateError

if TYPE_CHECKING:
    from mlgate.spec import Spec
    from mlgate.store.metadata.base import MetadataStore
    from mlgate.store.stores import Stores

__all__ = ["Decision", "evaluate_triggers", "last_trained_snapshot"]

#: Monitoring windows looked at per evaluation (the newest ones).
WINDOWS = 50
#: Run states after which a snapshot counts as trained.
TRAINED = frozenset({"passed", "failed", "needs-approval"})
#: Run states that still own what they were queued for.
LIVE = frozenset({"queued", "running"}) | TRAINED


@dataclass(frozen=True, slots=True)
class Decision:
    """One trigger's outcome in one evaluation.

    ``action`` is ``queued`` (a run was queued for it), ``merged`` (added to the run
    already waiting), ``duplicate`` (that run already holds this evidence),
    ``cooldown``, ``quiet`` (did not fire), ``problem`` (could not be evaluated), or
    ``canary`` (an automatic canary decision).
    """

    kind: str
    action: str
    sentence: str
    run_id: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def fired(self) -> bool:
        """Whether the trigger fired (whatever was done about it)."""
        return self.action in {"queued", "merged", "duplicate", "cooldown"}

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (``mlgate watch --json``)."""
        return {
            "trigger": self.kind,
            "action": self.action,
            "fired": self.fired,
            "sentence": self.sentence,
            "run": self.run_id,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class _Fired:
    kind: str
    key: str  # the same trigger with the same key is one piece of evidence
    sentence: str
    evidence: dict[str, Any]

    def record(self, now: datetime) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "sentence": self.sentence,
            "at": now.isoformat(),
            **self.evidence,
        }


@dataclass
class _Context:
    settings: Settings
    spec: Spec
    stores: Stores
    now: datetime

    @property
    def metadata(self) -> MetadataStore:
        return self.stores.metadata

    def state(self, name: str) -> dict[str, Any]:
        return self.metadata.get_state(f"trigger:{name}") or {}

    def save(self, name: str, value: dict[str, Any]) -> None:
        self.metadata.set_state(f"trigger:{name}", value)


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def last_trained_snapshot(metadata: MetadataStore) -> tuple[str, str] | None:
    """``(snapshot id, run id)`` of the newest run that trained (passed, failed a gate,
    or waits for approval); None before the first."""
    for run in metadata.list_runs(limit=500):
        snapshot = run.summary.get("snapshot")
        if run.status in TRAINED and snapshot:
            return str(snapshot), run.id
    return None


# -- data


def _newest_change(settings: Settings, source: str) -> datetime:
    """When a file under the source (or the source folder itself) last changed."""
    import contextlib
    import os

    from mlgate.data._files import find_files

    root, _, files = find_files(settings.project / source, project=settings.project)
    newest = max((f.mtime_ns for f in files), default=0)
    with contextlib.suppress(OSError):
        newest = max(newest, os.stat(root).st_mtime_ns)
    return datetime.fromtimestamp(newest / 1e9, tz=UTC)


def _data(ctx: _Context) -> _Fired | Decision | None:
    from mlgate.data._status import data_status

    cfg = ctx.spec.triggers.data
    if not cfg.enabled:
        return None
    source = ctx.spec.data.source
    if not (ctx.settings.project / source).exists():
        return Decision(
            "data",
            "problem",
            f"the watched source {source} is gone (moved or deleted); no run is started",
            evidence={"source": source},
        )
    try:
        status = data_status(settings=ctx.settings)
        changed_at = _newest_change(ctx.settings, source)
    except MlgateError as exc:
        return Decision("data", "problem", f"cannot read the watched source {source}: {exc}")
    trained = last_trained_snapshot(ctx.metadata)
    current = status.current_id
    if trained is not None and trained[0] == current:
        return Decision(
            "data",
            "quiet",
            f"no new data: {source} is snapshot {current[:12]}, trained by run {trained[1]}",
        )
    still = (ctx.now - changed_at).total_seconds()
    if still < float(cfg.debounce):
        return Decision(
            "data",
            "quiet",
            f"{source} changed {still:.0f} s ago; waiting until it has been still for "
            f"{float(cfg.debounce):.0f} s (a copy may be in progress)",
        )
    state = ctx.state("data")
    if state.get("snapshot") == current and state.get("run"):
        run = ctx.metadata.get_run(state["run"])
        if run is not None and run.status in LIVE:
            return Decision(
                "data",
                "quiet",
                f"snapshot {current[:12]} of {source} is already taken by run {run.id} "
                f"({run.status})",
                run_id=run.id,
            )
    before = f"snapshot {trained[0][:12]} trained by run {trained[1]}" if trained else "no run yet"
    changes = (
        f"{len(status.added)} added, {len(status.modified)} modified, {len(status.removed)} removed"
    )
    return _Fired(
        "data",
        current,
        f"new data in {source}: snapshot {current[:12]} ({changes} since the last snapshot) "
        f"vs {before}",
        {
            "snapshot": current,
            "trained": trained[0] if trained else None,
            "added": len(status.added),
            "modified": len(status.modified),
            "removed": len(status.removed),
        },
    )


# -- monitoring (drift, degradation)


def _production(ctx: _Context) -> int | None:
    alias = ctx.metadata.get_alias(ctx.spec.model_name, "production")
    return None if alias is None else alias.version


def _windows(ctx: _Context, version: int) -> list[Any]:
    from mlgate.monitor import monitor

    report = monitor(
        ctx.spec.model_name, settings=ctx.settings, version=version, route="primary", last=WINDOWS
    )
    return [w for w in report.windows if w.complete]


def _drift(ctx: _Context, version: int | None, windows: Sequence[Any]) -> _Fired | Decision | None:
    cfg = ctx.spec.triggers.drift
    if not cfg.enabled:
        return None
    name = ctx.spec.model_name
    if version is None:
        return Decision("drift", "quiet", f"no production version of {name} to monitor yet")
    state = ctx.state("drift")
    seen = _parse(state.get(str(version)))
    new = [w for w in windows if seen is None or w.end > seen]
    if not new:
        return Decision(
            "drift", "quiet", f"no new complete monitoring window of {name} v{version} yet"
        )
    ctx.save("drift", {**state, str(version): max(w.end for w in new).isoformat()})
    threshold = float(cfg.effect_size)
    hits = [w for w in new if w.drift is not None and w.drift.drifted and w.max_effect >= threshold]
    if not hits:
        largest = max((w.max_effect for w in new), default=0.0)
        return Decision(
            "drift",
            "quiet",
            f"no drift with effect ≥ {threshold:g} in {len(new)} new window(s) of {name} "
            f"v{version} (largest effect {largest:.2f})",
        )
    window = hits[-1]
    columns = list(window.drifted_columns)
    compared = len(window.drift.tested)
    effects = {
        c.column: round(float(c.effect_size), 4)
        for c in window.drift.columns
        if c.drifted and c.effect_size is not None
    }
    shown = ", ".join(columns[:5]) + (", …" if len(columns) > 5 else "")
    return _Fired(
        "drift",
        f"v{version}:{window.key}",
        f"drift on {len(columns)}/{compared} features ({shown}), effect "
        f"{window.max_effect:.2f} ≥ {threshold:g} in window {window.key} of {name} v{version}",
        {
            "model": name,
            "version": version,
            "window": window.key,
            "rows": window.rows,
            "columns": effects,
            "share": round(window.drift.share_drifted, 4),
        },
    )


def _degradation(
    ctx: _Context, version: int | None, windows: Sequence[Any]
) -> _Fired | Decision | None:
    cfg = ctx.spec.triggers.degradation
    if cfg is None or not cfg.enabled:
        return None
    name, metric = ctx.spec.model_name, cfg.metric
    if version is None:
        return Decision("degradation", "quiet", f"no production version of {name} to monitor yet")
    labelled = [w for w in windows if w.labelled and metric in w.metrics]
    if not labelled:
        return Decision(
            "degradation",
            "quiet",
            f"no labelled monitoring window of {name} v{version} yet: {metric} cannot be "
            "measured until labels arrive (mlgate labels add, or POST …/feedback)",
        )
    state = ctx.state("degradation")
    fired_on = set(state.get("fired", []))
    bad = []
    for w in labelled:
        value = w.metrics[metric]
        if cfg.min is not None and value.high < cfg.min:
            bad.append((w, value, f"upper bound {value.high:.3f} < floor {cfg.min:g}"))
        elif cfg.max is not None and value.low > cfg.max:
            bad.append((w, value, f"lower bound {value.low:.3f} > ceiling {cfg.max:g}"))
    bad = [b for b in bad if f"v{version}:{b[0].key}" not in fired_on]
    if not bad:
        latest = labelled[-1]
        value = latest.metrics[metric]
        return Decision(
            "degradation",
            "quiet",
            f"{metric} of {name} v{version} holds: {value.estimate:.3f} "
            f"[{value.low:.3f}, {value.high:.3f}] on {latest.labelled} labelled rows of "
            f"window {latest.key}",
        )
    window, value, why = bad[-1]
    key = f"v{version}:{window.key}"
    ctx.save("degradation", {"fired": sorted(fired_on | {key})[-200:]})
    return _Fired(
        "degradation",
        key,
        f"{metric} of {name} v{version} degraded: {value.estimate:.3f} "
        f"[{value.low:.3f}, {value.high:.3f}] on {window.labelled} labelled rows of window "
        f"{window.key}; {why}",
        {
            "model": name,
            "version": version,
            "window": window.key,
            "metric": metric,
            "estimate": value.estimate,
            "low": value.low,
            "high": value.high,
            "labelled": window.labelled,
        },
    )


# -- schedule


def _schedule(ctx: _Context) -> _Fired | Decision | None:
    from mlgate.triggers._schedule import fired_between, next_fire

    expression = ctx.spec.triggers.schedule
    if expression is None:
        return None
    state = ctx.state("schedule")
    checked = _parse(state.get("checked"))
    ctx.save("schedule", {"checked": ctx.now.isoformat(), "cron": expression})
    if checked is None or state.get("cron") != expression:
        upcoming = next_fire(expression, ctx.now)
        return Decision(
            "schedule",
            "quiet",
            f"schedule '{expression}' armed: next at {upcoming:%Y-%m-%d %H:%M} UTC",
        )
    moment = fired_between(expression, checked, ctx.now)
    if moment is None:
        upcoming = next_fire(expression, ctx.now)
        return Decision(
            "schedule", "quiet", f"schedule '{expression}': next at {upcoming:%Y-%m-%d %H:%M} UTC"
        )
    return _Fired(
        "schedule",
        moment.isoformat(),
        f"schedule '{expression}' fired at {moment:%Y-%m-%d %H:%M} UTC",
        {"cron": expression, "due": moment.isoformat()},
    )


# -- canary


def _canary(ctx: _Context) -> Decision | None:
    policy = ctx.spec.deploy.get("production")
    if policy is None or policy.strategy != "canary" or policy.canary is None:
        return None
    from mlgate.monitor import decide_canary

    try:
        verdict = decide_canary(ctx.spec.model_name, settings=ctx.settings, alias="production")
    except MlgateError as exc:
        return Decision("canary", "problem", f"canary decision failed: {exc}")
    if verdict is None:
        return None
    return Decision("canary", "canary", verdict.sentence, evidence=verdict.to_dict())


# -- putting it together


def _cooldown(spec: Spec, kind: str) -> float:
    own = getattr(getattr(spec.triggers, kind, None), "cooldown", None)
    return float(own if own is not None else spec.triggers.cooldown)


def _act(ctx: _Context, fired: list[_Fired]) -> list[Decision]:
    from mlgate.registry.identity import current_actor
    from mlgate.triggers._queue import enqueue, merge, pending

    if not fired:
        return []
    waiting = pending(ctx.metadata)
    if waiting:
        run, added = merge(ctx.metadata, waiting[0], [f.record(ctx.now) for f in fired])
        keys = {(a["kind"], a["key"]) for a in added}
        return [
            Decision(
                f.kind,
                "merged" if (f.kind, f.key) in keys else "duplicate",
                f"{f.sentence} → "
                + (
                    f"added to queued run {run.id}"
                    if (f.kind, f.key) in keys
                    else f"already in queued run {run.id}"
                ),
                run_id=run.id,
                evidence=f.evidence,
            )
            for f in fired
        ]
    last = ctx.state("last_run")
    last_at = _parse(last.get("at"))
    allowed, decisions = [], []
    for f in fired:
        wait = _cooldown(ctx.spec, f.kind)
        if last_at is not None and ctx.now - last_at < timedelta(seconds=wait):
            until = last_at + timedelta(seconds=wait)
            decisions.append(
                Decision(
                    f.kind,
                    "cooldown",
                    f"{f.sentence} → not queued: cooling down until {until:%Y-%m-%d %H:%M:%S} "
                    f"UTC ({wait:g} s after run {last.get('run')})",
                    evidence=f.evidence,
                )
            )
        else:
            allowed.append(f)
    if allowed:
        run = enqueue(
            ctx.metadata,
            [f.record(ctx.now) for f in allowed],
            actor=current_actor(ctx.settings),
            executor=ctx.spec.executor.kind,
        )
        ctx.save("last_run", {"at": ctx.now.isoformat(), "run": run.id})
        for f in allowed:
            if f.kind == "data":
                ctx.save("data", {"snapshot": f.key, "run": run.id})
            decisions.append(
                Decision(
                    f.kind, "queued", f"{f.sentence} → run {run.id} queued", run.id, f.evidence
                )
            )
    return decisions


def evaluate_triggers(
    settings: Settings | None = None,
    *,
    now: datetime | None = None,
    say: Callable[[str], None] = lambda _msg: None,
) -> list[Decision]:
    """Evaluate every configured trigger once, queue at most one run for those that
    fired, and return one decision per trigger (each also passed to ``say``)."""
    from mlgate.spec import load_spec
    from mlgate.store.stores import open_stores

    settings = settings or Settings.load()
    spec = load_spec(project=settings.project)
    with open_stores(settings) as stores:
        ctx = _Context(settings, spec, stores, now or datetime.now(UTC))
        outcomes: list[_Fired | Decision | None] = [_data(ctx)]
        needs_monitor = spec.triggers.drift.enabled or (
            spec.triggers.degradation is not None and spec.triggers.degradation.enabled
        )
        version = _production(ctx) if needs_monitor else None
        windows: list[Any] = []
        if version is not None:
            try:
                windows = _windows(ctx, version)
            except MlgateError as exc:
                outcomes.append(Decision("monitor", "problem", f"monitoring failed: {exc}"))
        outcomes += [
            _drift(ctx, version, windows),
            _degradation(ctx, version, windows),
            _schedule(ctx),
            _canary(ctx),
        ]
        fired = [o for o in outcomes if isinstance(o, _Fired)]
        decisions = [o for o in outcomes if isinstance(o, Decision)] + _act(ctx, fired)
    for decision in decisions:
        say(f"{decision.kind}: {decision.sentence}")
    return decisions
