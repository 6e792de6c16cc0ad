"""SQL for labels, monitoring windows and trigger state (mixed into ``SqlMetadataStore``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, select, update

from mlgate.store.metadata.base_loop import LabelRow, LabelWrite, WindowRecord
from mlgate.store.metadata.tables import labels, monitor_windows, runs, trigger_state
from mlgate.store.metadata.upsert import upsert

__all__ = ["LoopSql"]

#: Request ids per ``IN (...)`` query.
_CHUNK = 500
_WINDOW_FIELDS = tuple(f.name for f in dataclasses.fields(WindowRecord))
_DROP_WINDOW = delete(monitor_windows).where(
    monitor_windows.c.model == bindparam("p_model"),
    monitor_windows.c.version == bindparam("p_version"),
    monitor_windows.c.route == bindparam("p_route"),
    monitor_windows.c.key == bindparam("p_key"),
)
_ADD_WINDOW = insert(monitor_windows)


def _window(row: Row[Any]) -> WindowRecord:
    return WindowRecord(**{name: getattr(row, name) for name in _WINDOW_FIELDS})


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class LoopSql:
    """The loop's records over SQLAlchemy Core; needs ``_read``/``_write`` from the store."""

    def _read(self) -> AbstractContextManager[Connection]:  # provided by SqlMetadataStore
        raise NotImplementedError

    def _write(self) -> AbstractContextManager[Connection]:  # provided by SqlMetadataStore
        raise NotImplementedError

    # --- labels ---------------------------------------------------------------------------

    def put_labels(
        self, model: str, rows: Sequence[LabelRow], *, source: str, actor: str | None
    ) -> LabelWrite:
        """Store labels in one transaction; a label for a known (request, row) replaces it."""
        if not rows:
            return LabelWrite(0, 0)
        now = datetime.now(UTC)
        latest: dict[tuple[str, int], Any] = {}
        for label in rows:  # within one batch, too, the last label wins
            latest[(label.request_id, label.row)] = label.value
        ids = sorted({rid for rid, _ in latest})
        with self._write() as connection:
            existing: set[tuple[str, int]] = set()
            for chunk in _chunks(ids):
                found = connection.execute(
                    select(labels.c.request_id, labels.c.row).where(
                        labels.c.model == model, labels.c.request_id.in_(chunk)
                    )
                )
                existing.update((rid, int(row)) for rid, row in found)
            values = [
                {
                    "model": model,
                    "request_id": rid,
                    "row": row,
                    "value": value,
                    "received_at": now,
                    "source": source,
                    "actor": actor,
                }
                for (rid, row), value in latest.items()
            ]
            connection.execute(upsert(connection, labels, ["model", "request_id", "row"]), values)
        replaced = sum(1 for key in latest if key in existing)
        return LabelWrite(inserted=len(latest) - replaced, replaced=replaced)

    def get_labels(
        self, model: str, request_ids: Iterable[str] | None = None
    ) -> Iterator[tuple[str, int, Any]]:
        """``(request_id, row, value)`` of the model's labels (all, or of these requests)."""
        for rid, row, value, _ in self.get_label_records(model, request_ids):
            yield rid, row, value

    def get_label_records(
        self, model: str, request_ids: Iterable[str] | None = None
    ) -> Iterator[tuple[str, int, Any, datetime]]:
        """``(request_id, row, value, received_at)`` of the model's labels."""
        columns = (labels.c.request_id, labels.c.row, labels.c.value, labels.c.received_at)
        with self._read() as connection:
            if request_ids is None:
                query = select(*columns).where(labels.c.model == model)
                for rid, row, value, received in connection.execute(query):
                    yield rid, int(row), value, received
                return
            for chunk in _chunks(sorted(set(request_ids))):
                query = select(*columns).where(
                    labels.c.model == model, labels.c.request_id.in_(chunk)
                )
                for rid, row, value, received in connection.execute(query):
                    yield rid, int(row), value, received

    def count_labels(self, model: str) -> int:
        """How many labels the model has."""
        with self._read() as connection:
            query = select(func.count()).select_from(labels).where(labels.c.model == model)
            return int(connection.execute(query).scalar_one())

    # --- monitoring windows ---------------------------------------------------------------

    def put_windows(self, records: Sequence[WindowRecord]) -> list[WindowRecord]:
        """Store windows' results in one transaction (each replaces an earlier result for the
        same model, version, route and key); the stored records, with their ids."""
        now = datetime.now(UTC)
        stored: list[WindowRecord] = []
        with self._write() as connection:
            for record in records:
                done = dataclasses.replace(record, computed_at=record.computed_at or now)
                key = {
                    "p_model": record.model,
                    "p_version": record.version,
                    "p_route": record.route,
                    "p_key": record.key,
                }
                connection.execute(_DROP_WINDOW, key)
                values = {k: v for k, v in dataclasses.asdict(done).items() if k != "id"}
                key_of_new = connection.execute(_ADD_WINDOW, values).inserted_primary_key
                new_id = None if key_of_new is None else int(key_of_new[0])
                stored.append(dataclasses.replace(done, id=new_id))
        return stored

    def list_windows(
        self,
        model: str,
        *,
        version: int | None = None,
        route: str | None = None,
        limit: int | None = None,
    ) -> list[WindowRecord]:
        """Stored windows, newest (by end) first."""
        query = select(monitor_windows).where(monitor_windows.c.model == model)
        if version is not None:
            query = query.where(monitor_windows.c.version == version)
        if route is not None:
            query = query.where(monitor_windows.c.route == route)
        query = query.order_by(monitor_windows.c.end.desc(), monitor_windows.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self._read() as connection:
            return [_window(row) for row in connection.execute(query)]

    # --- trigger bookkeeping and the run queue ---------------------------------------------

    def get_state(self, name: str) -> dict[str, Any] | None:
        """The stored value of a piece of trigger bookkeeping."""
        with self._read() as connection:
            value = connection.execute(
                select(trigger_state.c.value).where(trigger_state.c.name == name)
            ).scalar_one_or_none()
        return None if value is None else dict(value)

    def set_state(self, name: str, value: dict[str, Any]) -> None:
        """Store (or replace) a piece of trigger bookkeeping."""
        with self._write() as connection:
            connection.execute(
                upsert(connection, trigger_state, ["name"]),
                [{"name": name, "value": value, "updated_at": datetime.now(UTC)}],
            )

    def claim_run(self, run_id: str, **changes: Any) -> bool:
        """Move a ``queued`` run to ``running`` with ``changes``; False if it was not
        queued any more (another process took or cancelled it)."""
        with self._write() as connection:
            done = connection.execute(
                update(runs)
                .where(runs.c.id == run_id, runs.c.status == "queued")
                .values(status="running", **changes)
            )
            return bool(done.rowcount == 1)
