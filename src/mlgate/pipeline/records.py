"""Run bookkeeping: ids, heartbeats, and marking runs whose process died as ``error``.

A running run's process writes a heartbeat every :data:`HEARTBEAT` seconds.
Any mlgate command that looks at runs first reaps stale ones: on this host a
run whose process no longer exists is stale at once; elsewhere (a shared
PostgreSQL), one whose heartbeat is older than :data:`STALE_AFTER` seconds.
"""

from __future__ import annotations

import secrets
import socket
import threading
from datetime import UTC, datetime, timedelta

from mlgate._process import pid_alive
from mlgate.store.metadata.base import MetadataStore
from mlgate.store.metadata.base_runs import RunRecord

__all__ = ["HEARTBEAT", "STALE_AFTER", "Heartbeat", "new_run_id", "reap_stale_runs"]

HEARTBEAT = 5.0
STALE_AFTER = 60.0


def new_run_id() -> str:
    """A sortable, unique run id: ``20261127-101500-3fa2``."""
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def _stale_reason(run: RunRecord, now: datetime) -> str | None:
    if run.host == socket.gethostname() and run.pid is not None and not pid_alive(run.pid):
        return f"its process (pid {run.pid}) ended without finishing the run (killed or crashed)"
    beat = run.heartbeat_at or run.started_at or run.created_at
    if now - beat > timedelta(seconds=STALE_AFTER):
        return f"no heartbeat since {beat:%Y-%m-%d %H:%M:%S} UTC (host {run.host or '?'})"
    return None


def reap_stale_runs(metadata: MetadataStore) -> list[RunRecord]:
    """Mark running runs whose process is gone as ``error``, and runs that were waiting for
    the project lock in a process that is gone as ``cancelled``; returns the runs changed.

    Runs in the trigger queue belong to no process (``pid`` is empty) and stay queued.
    """
    now = datetime.now(UTC)
    reaped = []
    for run in metadata.list_runs(status="running"):
        reason = _stale_reason(run, now)
        if reason is not None:
            reaped.append(
                metadata.update_run(run.id, status="error", ended_at=now, error=f"stale: {reason}")
            )
    for run in metadata.list_runs(status="queued"):
        if run.pid is not None and run.host == socket.gethostname() and not pid_alive(run.pid):
            reaped.append(
                metadata.update_run(
                    run.id,
                    status="cancelled",
                    ended_at=now,
                    error=f"its process (pid {run.pid}) ended while it waited for the project lock",
                )
            )
    return reaped


class Heartbeat:
    """A daemon thread that stamps ``heartbeat_at`` on a run until stopped."""

    def __init__(self, metadata: MetadataStore, run_id: str, *, every: float = HEARTBEAT) -> None:
        self._metadata = metadata
        self._run_id = run_id
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="mlgate-heartbeat", daemon=True)

    def _beat(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._metadata.update_run(self._run_id, heartbeat_at=datetime.now(UTC))
            except Exception:
                continue

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self._every + 1)
