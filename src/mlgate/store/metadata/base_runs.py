"""The runs part of the metadata store: runs, their stages, and the stage cache."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["RUN_STATES", "RunRecord", "RunRecords", "StageRecord"]

#: A run's states: queued → running → one of the final ones.
RUN_STATES = ("queued", "running", "passed", "failed", "needs-approval", "error", "cancelled")


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One execution of the pipeline."""

    id: str
    trigger: str
    status: str
    created_at: datetime
    evidence: dict[str, Any] = field(default_factory=dict)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    heartbeat_at: datetime | None = None
    pid: int | None = None
    host: str | None = None
    executor: str | None = None
    verdict: str | None = None
    error: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    actor: str | None = None


@dataclass(frozen=True, slots=True)
class StageRecord:
    """One stage of a run (``train`` runs once per seed: ``train[seed=…]``)."""

    run_id: str
    name: str
    stage: str
    status: str  # running, passed, cached, failed, error, skipped
    fingerprint: str
    components: dict[str, Any]
    started_at: datetime
    cached: bool = False
    ended_at: datetime | None = None
    output_digest: str | None = None
    log_digest: str | None = None
    message: str | None = None
    id: int | None = None


class RunRecords(ABC):
    """Runs, stages and the cache of stage outputs by fingerprint."""

    @abstractmethod
    def create_run(self, record: RunRecord) -> RunRecord:
        """Insert a new run."""

    @abstractmethod
    def update_run(self, run_id: str, **changes: Any) -> RunRecord:
        """Change fields of a run (status, ended_at, verdict, summary, …); returns it."""

    @abstractmethod
    def get_run(self, run_id: str) -> RunRecord | None:
        """The run with exactly this id."""

    @abstractmethod
    def find_runs(self, prefix: str) -> list[RunRecord]:
        """Runs whose id starts with ``prefix``, newest first."""

    @abstractmethod
    def list_runs(self, *, status: str | None = None, limit: int | None = None) -> list[RunRecord]:
        """Runs, newest first."""

    @abstractmethod
    def add_stage(self, record: StageRecord) -> StageRecord:
        """Record a stage as it starts (or as cached); returns it with its id."""

    @abstractmethod
    def finish_stage(self, stage_id: int, **changes: Any) -> StageRecord:
        """Record how a stage ended."""

    @abstractmethod
    def stages_of(self, run_id: str) -> list[StageRecord]:
        """A run's stages in the order they started."""

    @abstractmethod
    def latest_stage(self, name: str) -> StageRecord | None:
        """The newest finished (passed or cached) stage of this name, from any run."""

    @abstractmethod
    def cache_get(self, fingerprint: str) -> str | None:
        """The output digest stored for a stage fingerprint."""

    @abstractmethod
    def cache_put(self, fingerprint: str, *, stage: str, output_digest: str, run_id: str) -> None:
        """Remember a stage output by fingerprint (first one wins)."""
