"""``SqlMetadataStore``: every query once, in SQLAlchemy Core, for any SQL backend.

The dialect modules (``sqlite.py``, ``postgres.py``) only build the engine.
Every write runs in one transaction marked with :data:`WRITE_OPTION` (SQLite
turns it into ``BEGIN IMMEDIATE``); driver errors are translated into mlgate
errors that name the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    Select,
    and_,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    text,
)

from mlgate.errors import NotFoundError, UsageError
from mlgate.store.metadata.base import MetadataStore, SnapshotRecord, StatEntry
from mlgate.store.metadata.sql_loop import LoopSql
from mlgate.store.metadata.sql_registry import RegistrySql
from mlgate.store.metadata.sql_runs import RunsSql
from mlgate.store.metadata.tables import snapshot_names, snapshots, stat_cache
from mlgate.store.metadata.translate import translating
from mlgate.store.metadata.upsert import insert_ignore, upsert

__all__ = ["LOOKUP_CHUNK", "WRITE_OPTION", "SqlMetadataStore"]

#: Execution option marking a connection's transactions as writes.
WRITE_OPTION = "mlgate_write"

#: Paths per ``IN (...)`` query in :meth:`SqlMetadataStore.stat_lookup`.
LOOKUP_CHUNK = 500

_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX = re.compile(r"[0-9a-f]+")
_INT64 = 1 << 63


class SqlMetadataStore(RegistrySql, RunsSql, LoopSql, MetadataStore):
    """The metadata store over a SQLAlchemy engine whose schema is at the head revision.

    Build it with :func:`mlgate.store.metadata.open_metadata`, which connects,
    upgrades the schema and picks the backend from the URL.
    """

    def __init__(self, engine: Engine, *, url: str, where: str) -> None:
        self.engine = engine
        self.url = url
        self.where = where

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    # --- transactions ---------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with translating(self.where), self.engine.connect() as connection:
            yield connection

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with translating(self.where), self.engine.connect() as connection:
            connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                yield connection

    # --- schema ---------------------------------------------------------------------------

    def schema_revision(self) -> str:
        """The revision in ``alembic_version``."""
        with self._read() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        return ",".join(sorted(str(row[0]) for row in rows))

    # --- snapshots ------------------------------------------------------------------------

    def add_snapshot(self, record: SnapshotRecord) -> SnapshotRecord:
        """Record a snapshot (idempotent); a name on an existing id is added to its names."""
        _check_id(record.id)
        if record.created_at.utcoffset() is None:
            raise UsageError(
                f"snapshot {record.id[:12]}: created_at {record.created_at.isoformat()} "
                "has no time zone",
                hint="Pass an aware datetime, e.g. datetime.now(UTC).",
            )
        row = {
            "id": record.id,
            "source": record.source,
            "created_at": record.created_at,
            "n_files": record.n_files,
            "n_bytes": record.n_bytes,
        }
        with self._write() as connection:
            added = connection.execute(insert_ignore(connection, snapshots, row)).rowcount == 1
            if record.name is not None:
                when = record.created_at if added else datetime.now(UTC)
                _add_name(connection, record.id, _check_name(record.name), when)
            stored = connection.execute(_records().where(snapshots.c.id == record.id)).one()
        return _record(stored)

    def name_snapshot(self, snapshot_id: str, name: str) -> None:
        """Give the snapshot ``snapshot_id`` the name ``name`` (it becomes its current name)."""
        name = _check_name(name)
        with self._write() as connection:
            found = connection.execute(
                select(snapshots.c.id).where(snapshots.c.id == snapshot_id)
            ).first()
            if found is None:
                raise NotFoundError(
                    f"no snapshot has the id {snapshot_id!r}",
                    where=self.where,
                    hint="List snapshots with `mlgate data list`.",
                )
            _add_name(connection, snapshot_id, name, datetime.now(UTC))

    def get_snapshot(self, snapshot_id: str) -> SnapshotRecord | None:
        """The snapshot with exactly this id, or None."""
        with self._read() as connection:
            row = connection.execute(_records().where(snapshots.c.id == snapshot_id)).first()
        return None if row is None else _record(row)

    def find_snapshots(self, ref: str) -> list[SnapshotRecord]:
        """Snapshots ever named ``ref`` or whose id starts with it (case-insensitive).

        Snapshots named ``ref`` come first, the most recently named first (a
        name is a moving tag: moving it back to an older snapshot makes that one
        first); then id-prefix matches, newest first.
        """
        if not ref:
            return []
        named = exists().where(snapshot_names.c.snapshot_id == snapshots.c.id)
        named = named.where(snapshot_names.c.name == ref)
        matches: list[ColumnElement[bool]] = [named]
        prefix = ref.lower()
        if _HEX.fullmatch(prefix) and len(prefix) <= 64:
            # A range instead of LIKE: uses the primary key index on every backend.
            matches.append(and_(snapshots.c.id >= prefix, snapshots.c.id < prefix + "g"))
        named_at = (
            select(func.max(snapshot_names.c.seq))
            .where(snapshot_names.c.snapshot_id == snapshots.c.id, snapshot_names.c.name == ref)
            .scalar_subquery()
        )
        query = _records(order=False).where(or_(*matches))
        query = query.order_by(named_at.is_(None), named_at.desc(), *_newest_first())
        with self._read() as connection:
            return [_record(row) for row in connection.execute(query)]

    def list_snapshots(
        self, *, name: str | None = None, source: str | None = None
    ) -> list[SnapshotRecord]:
        """All snapshots, newest first; ``name`` matches any name a snapshot was given."""
        query = _records()
        if name is not None:
            query = query.where(
                exists().where(
                    snapshot_names.c.snapshot_id == snapshots.c.id, snapshot_names.c.name == name
                )
            )
        if source is not None:
            query = query.where(snapshots.c.source == source)
        with self._read() as connection:
            return [_record(row) for row in connection.execute(query)]

    # --- stat cache -----------------------------------------------------------------------

    def stat_lookup(self, paths: Sequence[str]) -> dict[str, StatEntry]:
        """Cached entries for these paths, in chunks of :data:`LOOKUP_CHUNK` per query."""
        unique = list(dict.fromkeys(paths))
        found: dict[str, StatEntry] = {}
        with self._read() as connection:
            for start in range(0, len(unique), LOOKUP_CHUNK):
                chunk = unique[start : start + LOOKUP_CHUNK]
                query = select(stat_cache).where(stat_cache.c.path.in_(chunk))
                for row in connection.execute(query):
                    found[row.path] = StatEntry(
                        path=row.path,
                        size=row.size,
                        mtime_ns=row.mtime_ns,
                        inode=_from_int64(row.inode),
                        digest=row.digest,
                    )
        return found

    def stat_update(self, entries: Iterable[StatEntry]) -> None:
        """Insert or replace entries with one bulk upsert in one transaction."""
        rows = {
            entry.path: {
                "path": entry.path,
                "size": entry.size,
                "mtime_ns": entry.mtime_ns,
                "inode": _to_int64(entry.inode),
                "digest": entry.digest,
            }
            for entry in entries
        }
        if not rows:
            return
        with self._write() as connection:
            statement = upsert(connection, stat_cache, ["path"])
            connection.execute(statement, list(rows.values()))

    # --- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _records(*, order: bool = True) -> Select[Any]:
    """Snapshots with their current name (the most recent naming)."""
    current_name = (
        select(snapshot_names.c.name)
        .where(snapshot_names.c.snapshot_id == snapshots.c.id)
        .order_by(snapshot_names.c.seq.desc())
        .limit(1)
        .scalar_subquery()
        .label("name")
    )
    query = select(snapshots, current_name)
    return query.order_by(*_newest_first()) if order else query


def _newest_first() -> tuple[Any, ...]:
    return (snapshots.c.created_at.desc(), snapshots.c.id)


def _record(row: Row[Any]) -> SnapshotRecord:
    return SnapshotRecord(
        id=row.id,
        name=row.name,
        source=row.source,
        created_at=row.created_at,
        n_files=row.n_files,
        n_bytes=row.n_bytes,
    )


def _add_name(connection: Connection, snapshot_id: str, name: str, when: datetime) -> None:
    """Record a naming; naming again with the same name makes it the most recent one."""
    connection.execute(
        delete(snapshot_names).where(
            snapshot_names.c.snapshot_id == snapshot_id, snapshot_names.c.name == name
        )
    )
    connection.execute(
        insert(snapshot_names).values(snapshot_id=snapshot_id, name=name, created_at=when)
    )


def _check_id(snapshot_id: str) -> None:
    if not _HEX64.fullmatch(snapshot_id):
        raise UsageError(
            f"{snapshot_id!r} is not a snapshot id",
            hint="A snapshot id is the 64 lowercase hex digits of its manifest's BLAKE3 hash.",
        )


def _check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 255 or cleaned != name:
        raise UsageError(
            f"{name!r} is not a valid snapshot name",
            hint="Use 1 to 255 characters without leading or trailing spaces.",
        )
    return cleaned


def _to_int64(value: int) -> int:
    """Store unsigned 64-bit inode numbers in a signed BIGINT column."""
    return value - (1 << 64) if value >= _INT64 else value


def _from_int64(value: int) -> int:
    return value + (1 << 64) if value < 0 else value
