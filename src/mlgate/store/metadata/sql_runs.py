"""SQL for runs, stages and the stage cache (mixed into ``SqlMetadataStore``)."""

from __future__ import annotations

import dataclasses
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from mlgate.errors import NotFoundError
from mlgate.store.metadata.base_runs import RunRecord, StageRecord
from mlgate.store.metadata.tables import run_stages, runs, stage_cache
from mlgate.store.metadata.upsert import insert_ignore

__all__ = ["RunsSql"]

_RUN_FIELDS = frozenset(f.name for f in dataclasses.fields(RunRecord))
_STAGE_FIELDS = frozenset(f.name for f in dataclasses.fields(StageRecord))


def _run(row: Row[Any]) -> RunRecord:
    return RunRecord(**{name: getattr(row, name) for name in _RUN_FIELDS})


def _stage(row: Row[Any]) -> StageRecord:
    return StageRecord(**{name: getattr(row, name) for name in _STAGE_FIELDS})


class RunsSql:
    """Runs over SQLAlchemy Core; needs ``_read``/``_write`` and ``where`` from the store."""

    where: str

    def _read(self) -> AbstractContextManager[Connection]:  # provided by SqlMetadataStore
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[Connection]:  # provided by SqlMetadataStore
        raise NotImplementedError

    # --- runs -----------------------------------------------------------------------------

    def create_run(self, record: RunRecord) -> RunRecord:
        """Insert a new run."""
        with self._write() as connection:
            connection.execute(insert(runs).values(**dataclasses.asdict(record)))
        return record

    def update_run(self, run_id: str, **changes: Any) -> RunRecord:
        """Change fields of a run in one transaction; returns the stored run."""
        unknown = set(changes) - _RUN_FIELDS - {"id"}
        if unknown:
            raise TypeError(f"runs have no field(s) {sorted(unknown)}")
        with self._write() as connection:
            done = connection.execute(update(runs).where(runs.c.id == run_id).values(**changes))
            if done.rowcount != 1:
                raise self._no_run(run_id)
            row = connection.execute(select(runs).where(runs.c.id == run_id)).one()
        return _run(row)

    def get_run(self, run_id: str) -> RunRecord | None:
        """The run with exactly this id."""
        with self._read() as connection:
            row = connection.execute(select(runs).where(runs.c.id == run_id)).first()
        return None if row is None else _run(row)

    def find_runs(self, prefix: str) -> list[RunRecord]:
        """Runs whose id starts with ``prefix``, newest first."""
        if not prefix:
            return []
        query = select(runs).where(runs.c.id >= prefix, runs.c.id < prefix + "\uffff")
        with self._read() as connection:
            rows = connection.execute(query.order_by(runs.c.created_at.desc(), runs.c.id.desc()))
            return [_run(row) for row in rows]

    def list_runs(self, *, status: str | None = None, limit: int | None = None) -> list[RunRecord]:
        """Runs, newest first."""
        query = select(runs).order_by(runs.c.created_at.desc(), runs.c.id.desc())
        if status is not None:
            query = query.where(runs.c.status == status)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as connection:
            return [_run(row) for row in connection.execute(query)]

    def _no_run(self, run_id: str) -> NotFoundError:
        return NotFoundError(
            f"no run has the id {run_id!r}", where=self.where, hint="List runs with `mlgate runs`."
        )

    # --- stages ---------------------------------------------------------------------------

    def add_stage(self, record: StageRecord) -> StageRecord:
        """Record a stage; returns it with its id."""
        values = {k: v for k, v in dataclasses.asdict(record).items() if k != "id"}
        with self._write() as connection:
            result = connection.execute(insert(run_stages).values(**values))
            key = result.inserted_primary_key
        assert key is not None
        return dataclasses.replace(record, id=int(key[0]))

    def finish_stage(self, stage_id: int, **changes: Any) -> StageRecord:
        """Record how a stage ended."""
        changes.setdefault("ended_at", datetime.now(UTC))
        with self._write() as connection:
            connection.execute(
                update(run_stages).where(run_stages.c.id == stage_id).values(**changes)
            )
            row = connection.execute(select(run_stages).where(run_stages.c.id == stage_id)).one()
        return _stage(row)

    def stages_of(self, run_id: str) -> list[StageRecord]:
        """A run's stages in the order they started."""
        query = select(run_stages).where(run_stages.c.run_id == run_id).order_by(run_stages.c.id)
        with self._read() as connection:
            return [_stage(row) for row in connection.execute(query)]

    def latest_stage(self, name: str) -> StageRecord | None:
        """The newest passed or cached stage of this name, from any run."""
        query = (
            select(run_stages)
            .where(run_stages.c.name == name, run_stages.c.status.in_(("passed", "cached")))
            .order_by(run_stages.c.id.desc())
            .limit(1)
        )
        with self._read() as connection:
            row = connection.execute(query).first()
        return None if row is None else _stage(row)

    # --- stage cache ----------------------------------------------------------------------

    def cache_get(self, fingerprint: str) -> str | None:
        """The output digest stored for this fingerprint."""
        query = select(stage_cache.c.output_digest).where(stage_cache.c.fingerprint == fingerprint)
        with self._read() as connection:
            value = connection.execute(query).scalar()
        return None if value is None else str(value)

    def cache_put(self, fingerprint: str, *, stage: str, output_digest: str, run_id: str) -> None:
        """Remember a stage's output; an existing entry for the fingerprint is kept."""
        row = {
            "fingerprint": fingerprint,
            "stage": stage,
            "output_digest": output_digest,
            "run_id": run_id,
            "created_at": datetime.now(UTC),
        }
        with self._write() as connection:
            connection.execute(insert_ignore(connection, stage_cache, row))
