"""The loop's state machine: one run of the pipeline, with cached stages.

A run is ``queued`` while it waits for the project lock, ``running`` while
its stages execute, and ends ``passed``, ``failed`` (a gate or data check said
no), ``needs-approval`` (a gate was inconclusive, or the alias policy wants a
person), ``error`` (something broke) or ``cancelled`` (interrupted).
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from mlgate.errors import CheckFailed, DataError, MlgateError
from mlgate.pipeline.cache import canonical, fingerprint
from mlgate.store.metadata.base_runs import RunRecord, StageRecord
from mlgate.store.stores import Stores

__all__ = ["STATUS_EXIT", "RunContext", "StageResult", "final_status"]

#: Exit code of ``mlgate run`` per final status.
STATUS_EXIT = {"passed": 0, "failed": 1, "needs-approval": 6, "cancelled": 130}

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class StageResult:
    """A stage's output (JSON-able, stored as an artifact) and whether it came from cache."""

    name: str
    output: dict[str, Any]
    cached: bool
    seconds: float
    record: StageRecord


@dataclass
class RunContext:
    """What the stages of one run share: the stores, the run record, forced stages."""

    stores: Stores
    run: RunRecord
    force: frozenset[str] = frozenset()
    say: Say = lambda _msg: None
    results: dict[str, StageResult] = field(default_factory=dict)

    def _reusable(self, stage: str, name: str, fp: str) -> str | None:
        """The digest of a stored output this stage may reuse (not forced, still stored)."""
        if stage in self.force or name in self.force:
            return None
        digest = self.stores.metadata.cache_get(fp)
        return digest if digest is not None and self.stores.artifacts.has(digest) else None

    def would_run(self, stage: str, name: str, components: Mapping[str, Any]) -> bool:
        """Whether :meth:`stage` would compute (forced, or no stored output for it)."""
        return self._reusable(stage, name, fingerprint(stage, dict(components))) is None

    def stage(
        self,
        name: str,
        *,
        stage: str,
        components: Mapping[str, Any],
        compute: Callable[[], dict[str, Any]],
        cacheable: bool = True,
    ) -> StageResult:
        """Run one stage, or reuse its stored output when its fingerprint is known."""
        metadata, artifacts = self.stores.metadata, self.stores.artifacts
        components = dict(components)
        fp = fingerprint(stage, components)
        started = time.perf_counter()
        now = datetime.now(UTC)
        base = StageRecord(
            run_id=self.run.id,
            name=name,
            stage=stage,
            status="running",
            fingerprint=fp,
            components=components,
            started_at=now,
        )
        digest = self._reusable(stage, name, fp) if cacheable else None
        if digest is not None:
            output = json.loads(artifacts.get_bytes(digest))
            record = metadata.add_stage(
                replace(base, status="cached", ended_at=now, cached=True, output_digest=digest)
            )
            result = StageResult(name, output, True, time.perf_counter() - started, record)
            self.results[name] = result
            self.say(f"  {name:<24} cached")
            return result
        record = metadata.add_stage(base)
        self.say(f"  {name:<24} running…")
        try:
            output = compute()
        except MlgateError as exc:
            status = "failed" if isinstance(exc, CheckFailed | DataError) else "error"
            metadata.finish_stage(
                record.id or 0, status=status, message=exc.render(), log_digest=_log_of(exc)
            )
            raise
        except BaseException as exc:
            metadata.finish_stage(record.id or 0, status="error", message=repr(exc))
            raise
        digest = artifacts.put_bytes(canonical(output))
        if cacheable:
            metadata.cache_put(fp, stage=stage, output_digest=digest, run_id=self.run.id)
        record = metadata.finish_stage(
            record.id or 0,
            status="passed",
            output_digest=digest,
            log_digest=output.get("log_digest"),
        )
        seconds = time.perf_counter() - started
        result = StageResult(name, output, False, seconds, record)
        self.results[name] = result
        self.say(f"  {name:<24} done in {seconds:.2f} s")
        return result


def _log_of(exc: BaseException) -> str | None:
    value = getattr(exc, "log_digest", None)
    return value if isinstance(value, str) else None


def final_status(verdict: str | None) -> str:
    """The run status a verdict leads to."""
    return {"pass": "passed", "fail": "failed", "needs-approval": "needs-approval"}.get(
        verdict or "", "passed"
    )


def new_run_record(
    *, run_id: str, trigger: str, evidence: Mapping[str, Any], actor: str | None, executor: str
) -> RunRecord:
    """A fresh ``queued`` run owned by this process."""
    now = datetime.now(UTC)
    return RunRecord(
        id=run_id,
        trigger=trigger,
        status="queued",
        created_at=now,
        evidence=dict(evidence),
        pid=os.getpid(),
        host=socket.gethostname(),
        executor=executor,
        actor=actor,
        summary={},
    )
