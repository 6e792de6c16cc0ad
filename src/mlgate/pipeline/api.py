"""``mlgate.run()``: one run of the pipeline, start to finish, with its record."""

from __future__ import annotations

import contextlib
import importlib
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mlgate.config import Settings
from mlgate.errors import ConflictError, MlgateError
from mlgate.pipeline.cache import canonical
from mlgate.pipeline.lock import ProjectLock
from mlgate.pipeline.records import Heartbeat, new_run_id, reap_stale_runs
from mlgate.pipeline.run import STATUS_EXIT, RunContext, final_status, new_run_record
from mlgate.store.metadata.base_runs import RunRecord
from mlgate.store.stores import open_stores

__all__ = ["STAGES", "RunOutcome", "run"]

#: The stages in order (``train`` runs once per seed).
STAGES = ("snapshot", "check", "train", "evaluate", "gate", "register", "deploy")

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """How a run ended: its record (status, verdict, summary) and the exit code."""

    run: RunRecord
    exit_code: int


def _check_force(force: Iterable[str]) -> frozenset[str]:
    from mlgate.errors import UsageError

    chosen = frozenset(force)
    for name in chosen:
        if name not in STAGES and not name.startswith("train["):
            import difflib

            near = difflib.get_close_matches(name, STAGES, n=1)
            raise UsageError(
                f"there is no stage {name!r} to force"
                + (f"; did you mean {near[0]!r}?" if near else ""),
                hint=f"The stages are: {', '.join(STAGES)}.",
            )
    return chosen


def run(
    *,
    settings: Settings | None = None,
    trigger: str = "manual",
    evidence: Mapping[str, Any] | None = None,
    force: Iterable[str] = (),
    wait: bool = True,
    say: Say = lambda _msg: None,
    queued: str | None = None,
) -> RunOutcome:
    """Run the project's pipeline once; returns how it ended (it never raises for a
    run that started: a failure is recorded on the run and in the exit code).

    ``queued`` runs a run from the queue (made by a trigger, see :mod:`mlgate.triggers`)
    instead of a new one; its trigger and evidence are the queued run's.
    Errors before the run starts (bad spec, lock held with ``wait=False``, a queued run
    that another process took) raise.
    """
    from mlgate.registry.identity import current_actor
    from mlgate.spec import load_spec

    settings = settings or Settings.load()
    chosen = _check_force(force)
    spec = load_spec(project=settings.project)
    if queued is None and trigger == "manual" and not spec.triggers.manual:
        from mlgate.errors import UsageError

        raise UsageError(
            "runs by hand are turned off for this project (triggers.manual: false)",
            where=str(settings.project / "mlgate.yaml"),
            hint="Let `mlgate watch` start runs, or set triggers.manual: true.",
        )
    run_id = queued or new_run_id()
    with open_stores(settings) as stores, ProjectLock(settings.state_dir) as lock:
        reap_stale_runs(stores.metadata)
        acquired = lock.try_acquire(run_id=run_id)
        if not acquired and not wait:
            raise ConflictError(
                f"another run is in progress in this project: {lock.holder()}",
                where=str(lock.path),
                hint="Wait for it to finish, or drop --no-wait to queue behind it.",
            )
        if queued is None:
            record = stores.metadata.create_run(
                new_run_record(
                    run_id=run_id,
                    trigger=trigger,
                    evidence=evidence or {},
                    actor=current_actor(settings),
                    executor=spec.executor.kind,
                )
            )
        else:
            record = _queued_run(stores, queued)
            trigger = record.trigger
        if not acquired:
            say(f"run {run_id} queued: waiting for {lock.holder()} to finish…")
            lock.acquire(run_id=run_id)
            reap_stale_runs(stores.metadata)
        now = datetime.now(UTC)
        if queued is None:
            record = stores.metadata.update_run(
                run_id, status="running", started_at=now, heartbeat_at=now
            )
        else:
            import os
            import socket

            if not stores.metadata.claim_run(
                run_id, started_at=now, heartbeat_at=now, pid=os.getpid(), host=socket.gethostname()
            ):
                raise ConflictError(
                    f"run {run_id} is no longer queued: another process took or cancelled it",
                    hint="See `mlgate show " + run_id + "`.",
                )
            record = stores.metadata.update_run(run_id, executor=spec.executor.kind)
        say(f"run {run_id} ({trigger})")
        ctx = RunContext(stores=stores, run=record, force=chosen, say=say)
        with Heartbeat(stores.metadata, run_id):
            try:
                summary, verdict, status = _stages(ctx, spec)
            except MlgateError as exc:
                status = "failed" if exc.exit_code in (1, 3) else "error"
                record = stores.metadata.update_run(
                    run_id,
                    status=status,
                    ended_at=datetime.now(UTC),
                    error=exc.render(),
                    summary={"stages": _stage_summary(ctx)},
                )
                say(f"run {run_id} {status}: {exc.render()}")
                return RunOutcome(_with_reports(stores, record, say), exc.exit_code)
            except KeyboardInterrupt:
                record = stores.metadata.update_run(
                    run_id, status="cancelled", ended_at=datetime.now(UTC), error="interrupted"
                )
                return RunOutcome(record, STATUS_EXIT["cancelled"])
            except Exception as exc:
                record = stores.metadata.update_run(
                    run_id,
                    status="error",
                    ended_at=datetime.now(UTC),
                    error="internal error: " + "".join(traceback.format_exception(exc))[-4000:],
                )
                raise
        record = stores.metadata.update_run(
            run_id,
            status=status,
            verdict=verdict,
            ended_at=datetime.now(UTC),
            summary=summary,
        )
        say(f"run {run_id} {status}")
        return RunOutcome(_with_reports(stores, record, say), STATUS_EXIT.get(status, 0))


def _queued_run(stores: Any, run_id: str) -> RunRecord:
    record: RunRecord | None = stores.metadata.get_run(run_id)
    if record is None or record.status != "queued":
        state = "does not exist" if record is None else f"is {record.status}"
        raise ConflictError(
            f"run {run_id} {state}: only a queued run can be started from the queue",
            hint="`mlgate runs --status queued` lists the queue.",
        )
    return record


def _with_reports(stores: Any, record: RunRecord, say: Say) -> RunRecord:
    """Store the run's HTML and Markdown reports and link them from the run; a report
    that cannot be made is logged and never changes the run's outcome."""
    import logging

    stages = record.summary.get("stages", {})
    if record.status != "error" and all(
        stages.get(name, {}).get("cached") for name in ("evaluate", "gate")
    ):
        # Nothing was evaluated anew: skip the ~0.4 s of plotting on a no-op run; the
        # reports are rendered and stored on first request (mlgate report, mlgate ci).
        return record
    try:
        from mlgate.report import attach_reports

        attach_reports(stores, record.id)
    except Exception as exc:  # the run's outcome stands whatever the report does
        logging.getLogger("mlgate.report").warning(
            "run %s: the report could not be made", record.id, exc_info=True
        )
        say(f"warning: the report of run {record.id} could not be made: {exc}")
        return record
    return stores.metadata.get_run(record.id) or record


#: The libraries the stages after training import (pandas and Parquet for the holdout
#: predictions) and the run report (matplotlib's figure and SVG backend): ~0.5 s of
#: imports that a background thread does while the training children run and this
#: process only waits for them. No mlgate module: those import in the main thread.
_AFTER_TRAINING = (
    "pandas",
    "pyarrow.parquet",
    "matplotlib.figure",
    "matplotlib.backends.backend_svg",
)


class _Preload:
    """Imports modules in a background thread once started; :meth:`join` waits for it.

    A module that fails to import here is left alone: it fails again, with its
    error, where it is used.
    """

    def __init__(self, modules: tuple[str, ...]) -> None:
        self.modules = modules
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._load, name="mlgate-preload", daemon=True)
            self._thread.start()

    def _load(self) -> None:
        for name in self.modules:
            with contextlib.suppress(Exception):
                importlib.import_module(name)

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()


def _stage_summary(ctx: RunContext) -> dict[str, Any]:
    return {
        name: {"cached": r.cached, "seconds": round(r.seconds, 4), "output": r.record.output_digest}
        for name, r in ctx.results.items()
    }


def _stages(ctx: RunContext, spec: Any) -> tuple[dict[str, Any], str, str]:
    from mlgate.executors import open_executor
    from mlgate.pipeline import stages
    from mlgate.train.lineage import capture_lineage, source_hash

    stores = ctx.stores
    snap_stage, snap = stages.snapshot_stage(ctx, spec)
    check = stages.check_stage(ctx, spec, snap)
    code = source_hash(stores.settings.project, skip=(spec.data.source.split("/")[0] or "data",))
    champion = stages.champion_of(ctx, spec)
    preload = _Preload(_AFTER_TRAINING)
    try:
        with open_executor(spec.executor) as executor:
            trained = stages.train_stages(
                ctx,
                spec,
                check,
                code=code,
                executor=executor,
                champion=champion,
                while_training=preload.start,
            )
    finally:
        preload.join()
    evaluate = stages.evaluate_stage(ctx, spec, check, trained, champion)
    gate = stages.gate_stage(ctx, spec, check, evaluate)
    verdict = gate.output["status"]
    lineage = capture_lineage(
        stores.settings.project,
        extra={  # what made the model; the run that registers it is on the version
            "snapshot": snap.id,
            "params": dict(spec.train.params),
            "seeds": [t.output["seed"] for t in trained],
            "model_seed": trained[0].output["seed"],
            "code_hash": code,
            "flavor": spec.train.flavor,
        },
    )
    lineage_digest = stores.artifacts.put_bytes(canonical(lineage.to_dict()))
    register = stages.register_stage(
        ctx,
        spec,
        trained,
        evaluate,
        gate,
        lineage_digest=lineage_digest,
        profile=check.output.get("profile"),
    )
    deploy = stages.deploy_stage(ctx, spec, register, gate)
    status = final_status(verdict)
    if status == "passed" and deploy.output["pending"]:
        status = "needs-approval"
    summary = {
        "snapshot": snap.id,
        "verdict_sentence": gate.output["sentence"],
        "model": register.output["model"],
        "version": register.output["version"],
        "lineage": lineage_digest,
        "deploy": deploy.output["moves"],
        "stages": _stage_summary(ctx),
        "snapshot_files_read": snap_stage.output["files_read"],
    }
    return summary, verdict, status
