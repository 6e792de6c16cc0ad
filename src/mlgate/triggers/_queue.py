"""The run queue: runs made by triggers wait in the metadata store as ``queued`` runs.

A queued run belongs to no process (its ``pid`` is empty) until a worker (``mlgate
watch``) claims it; ``mlgate run`` waiting for the project lock is queued too, but
owned by its process, and is not taken from the queue. At most one run waits in
the queue: a trigger that fires while one waits adds its evidence to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from mlgate.pipeline.records import new_run_id
from mlgate.store.metadata.base import MetadataStore
from mlgate.store.metadata.base_runs import RunRecord

__all__ = ["enqueue", "merge", "pending"]


def pending(metadata: MetadataStore) -> list[RunRecord]:
    """Queued runs that wait for a worker, oldest first."""
    queued = metadata.list_runs(status="queued")
    return sorted((r for r in queued if r.pid is None), key=lambda r: (r.created_at, r.id))


def _kinds(triggers: Sequence[dict[str, Any]]) -> str:
    kinds: list[str] = []
    for item in triggers:
        if item["kind"] not in kinds:
            kinds.append(item["kind"])
    return "+".join(kinds)[:32]


def enqueue(
    metadata: MetadataStore,
    triggers: Sequence[dict[str, Any]],
    *,
    actor: str | None,
    executor: str,
) -> RunRecord:
    """Queue one run for the fired ``triggers`` (each ``{kind, sentence, ...evidence}``)."""
    record = RunRecord(
        id=new_run_id(),
        trigger=_kinds(triggers),
        status="queued",
        created_at=datetime.now(UTC),
        evidence={"triggers": list(triggers)},
        executor=executor,
        actor=actor,
    )
    return metadata.create_run(record)


def merge(
    metadata: MetadataStore, run: RunRecord, triggers: Sequence[dict[str, Any]]
) -> tuple[RunRecord, list[dict[str, Any]]]:
    """Add the evidence of ``triggers`` to the queued ``run``; returns the run and the
    triggers that were new to it (the same trigger with the same key is not added twice)."""
    known = list(run.evidence.get("triggers", []))
    keys = {(t.get("kind"), t.get("key")) for t in known}
    added = [t for t in triggers if (t.get("kind"), t.get("key")) not in keys]
    if not added:
        return run, []
    known.extend(added)
    evidence = {**run.evidence, "triggers": known}
    return metadata.update_run(run.id, evidence=evidence, trigger=_kinds(known)), added


def queue_manual(*, reason: str | None = None, settings: Any = None) -> tuple[RunRecord, bool]:
    """Queue a ``manual`` run for ``mlgate watch`` (``mlgate run --queue``); returns the
    queued run and whether the request joined a run that was already waiting."""
    from mlgate.config import Settings
    from mlgate.errors import UsageError
    from mlgate.registry.identity import current_actor
    from mlgate.spec import load_spec
    from mlgate.store.stores import open_stores

    settings = settings or Settings.load()
    spec = load_spec(project=settings.project)
    if not spec.triggers.manual:
        raise UsageError(
            "runs by hand are turned off for this project (triggers.manual: false)",
            where=str(settings.project / "mlgate.yaml"),
            hint="Set triggers.manual: true to allow them.",
        )
    actor = current_actor(settings)
    now = datetime.now(UTC)
    item = {
        "kind": "manual",
        "key": now.isoformat(),
        "sentence": f"queued by {actor}" + (f": {reason}" if reason else ""),
        "at": now.isoformat(),
        "actor": actor,
        "reason": reason,
    }
    with open_stores(settings) as stores:
        waiting = pending(stores.metadata)
        if waiting:
            run, _ = merge(stores.metadata, waiting[0], [item])
            return run, True
        return enqueue(stores.metadata, [item], actor=actor, executor=spec.executor.kind), False
