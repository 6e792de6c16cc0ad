"""Reading runs back: listing, one run's details, and what would run now (``status``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mlgate.config import Settings
from mlgate.errors import NotFoundError
from mlgate.pipeline.cache import changed_components, fingerprint
from mlgate.pipeline.records import reap_stale_runs
from mlgate.store.metadata.base_runs import RunRecord, StageRecord
from mlgate.store.stores import Stores, open_stores

__all__ = [
    "RunDetails",
    "StageStatus",
    "StatusReport",
    "list_runs",
    "pipeline_status",
    "resolve_run",
    "show_run",
]


@dataclass(frozen=True, slots=True)
class RunDetails:
    """A run with its stages, its verdict (gate results) and the model's lineage."""

    run: RunRecord
    stages: list[StageRecord]
    gates: dict[str, Any] | None = None
    lineage: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class StageStatus:
    """Whether a stage would reuse its cached output, and what changed if not."""

    name: str
    state: str  # cached, would run, would run (upstream), always runs
    changed: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StatusReport:
    """What ``mlgate run`` would do now."""

    stages: list[StageStatus]
    sentence: str


def list_runs(*, limit: int | None = 20, settings: Settings | None = None) -> list[RunRecord]:
    """Runs, newest first (stale ones are marked ``error`` first)."""
    with open_stores(settings) as stores:
        reap_stale_runs(stores.metadata)
        return stores.metadata.list_runs(limit=limit)


def resolve_run(ref: str, stores: Stores) -> RunRecord:
    """A run by id or unique id prefix."""
    exact = stores.metadata.get_run(ref)
    if exact is not None:
        return exact
    matches = stores.metadata.find_runs(ref)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise NotFoundError(
            f"no run has the id {ref!r}",
            where=stores.metadata.url,
            hint="List runs with `mlgate runs`.",
        )
    raise NotFoundError(
        f"the prefix {ref!r} matches {len(matches)} runs ({', '.join(m.id for m in matches[:4])})",
        hint="Give more of the run id.",
    )


def _output(stores: Stores, digest: str | None) -> dict[str, Any] | None:
    if digest is None or not stores.artifacts.has(digest):
        return None
    value = json.loads(stores.artifacts.get_bytes(digest))
    return value if isinstance(value, dict) else None


def show_run(ref: str, *, settings: Settings | None = None) -> RunDetails:
    """One run with its stages, gate results and lineage."""
    with open_stores(settings) as stores:
        reap_stale_runs(stores.metadata)
        record = resolve_run(ref, stores)
        stages = stores.metadata.stages_of(record.id)
        gate = next((s for s in stages if s.stage == "gate" and s.output_digest), None)
        lineage_digest = record.summary.get("lineage")
        return RunDetails(
            run=record,
            stages=stages,
            gates=_output(stores, gate.output_digest) if gate else None,
            lineage=_output(stores, lineage_digest) if lineage_digest else None,
        )


def pipeline_status(*, settings: Settings | None = None) -> StatusReport:
    """Which stages ``mlgate run`` would reuse and which it would run, and why."""
    from mlgate.data._files import find_files
    from mlgate.data._manifest import ManifestEntry, encode_manifest
    from mlgate.data._snapshot import hash_files
    from mlgate.spec import load_spec
    from mlgate.store.artifacts.cas import hash_bytes
    from mlgate.train.lineage import source_hash
    from mlgate.train.seeds import seeds_for

    settings = settings or Settings.load()
    spec = load_spec(project=settings.project)
    report: list[StageStatus] = []
    with open_stores(settings) as stores:
        reap_stale_runs(stores.metadata)
        _, _, files = find_files(str(settings.project / spec.data.source), project=settings.project)
        hashed = hash_files(files, stores, store=False)
        stores.metadata.stat_update(hashed.stat_entries)
        snapshot_id = hash_bytes(
            encode_manifest([ManifestEntry(f.rel, hashed.digests[f.rel], f.size) for f in files])
        )
        known = stores.metadata.get_snapshot(snapshot_id) is not None
        report.append(StageStatus("snapshot", "unchanged" if known else "new data"))

        def judge(name: str, stage: str, components: dict[str, Any]) -> dict[str, Any] | None:
            digest = stores.metadata.cache_get(fingerprint(stage, components))
            if digest is not None and stores.artifacts.has(digest):
                report.append(StageStatus(name, "cached"))
                return _output(stores, digest)
            last = stores.metadata.latest_stage(name)
            changed = changed_components(last.components, components) if last else ["never run"]
            report.append(StageStatus(name, "would run", changed))
            return None

        from mlgate.pipeline.stages import check_components

        check = judge("check", "check", check_components(stores, spec, snapshot_id))
        code = source_hash(settings.project, skip=(spec.data.source.split("/")[0] or "data",))
        models: list[str] | None = [] if check else None
        for seed in seeds_for(spec.train):
            name = f"train[seed={seed}]"
            if check is None:
                report.append(StageStatus(name, "would run (upstream)"))
                continue
            out = judge(
                name,
                "train",
                {
                    "code": code,
                    "train": check["train"],
                    "function": spec.train.function,
                    "command": list(spec.train.command) if spec.train.command else None,
                    "params": dict(spec.train.params),
                    "seed": seed,
                    "flavor": spec.train.flavor,
                },
            )
            if out is None or models is None:
                models = None
            else:
                models.append(out["model"])
        downstream = "would run (upstream)" if models is None else "depends on the champion"
        for name in ("evaluate", "gate", "register"):
            report.append(StageStatus(name, downstream))
        report.append(StageStatus("deploy", "always runs"))
    running = [s.name for s in report if s.state.startswith("would run")]
    sentence = (
        "everything up to evaluation is cached: a run would reuse the models"
        if not running
        else f"a run would recompute: {', '.join(running)}"
    )
    return StatusReport(report, sentence)
