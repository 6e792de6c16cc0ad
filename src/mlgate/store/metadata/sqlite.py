"""SQLite: connect and tune, nothing else (the queries live in ``sql.py``).

Every connection gets WAL journaling, ``synchronous=FULL`` (a committed write
survives power loss), a busy timeout and foreign keys. Transactions are begun
by us, not by the driver: writes use ``BEGIN IMMEDIATE`` so that two processes
queue for the write lock instead of failing, and DDL runs inside transactions.
``sqlite://`` or ``sqlite:///:memory:`` is the in-memory twin used by tests.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.pool import StaticPool

from mlgate.errors import StorageError
from mlgate.store.metadata.engines import shared_engine
from mlgate.store.metadata.sql import WRITE_OPTION

__all__ = ["BUSY_TIMEOUT_MS", "connect"]

#: How long a connection waits for another process's write lock.
BUSY_TIMEOUT_MS = 30_000

_PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA foreign_keys = ON",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
)


def connect(url: URL) -> tuple[Engine, str]:
    """An engine for this SQLite URL and the path to show in messages.

    Creates the database's parent folder; a folder that cannot be created is a
    :class:`~mlgate.errors.StorageError` naming it.
    """
    database = url.database or ""
    if database in ("", ":memory:"):
        engine = create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
        where = ":memory:"
        _tune(engine)  # a new in-memory database every time: never shared
        return engine, where
    if url.query.get("uri") in ("true", "1") or database.startswith("file:"):
        target = url
        where = database.removeprefix("file:")
    else:
        path = Path(database).expanduser().absolute()
        _make_parent(path)  # every time: the folder may have been removed since
        target = url.set(database=str(path))
        where = str(path)

    def make() -> Engine:
        engine = create_engine(target)
        _tune(engine)
        return engine

    return shared_engine(target.render_as_string(hide_password=False), make), where


def _make_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"cannot create the folder for the metadata database ({exc.strerror or exc})",
            where=str(path.parent),
            hint="Check that it is a folder, writable by you (permissions, read-only file system).",
        ) from exc
    if not path.parent.is_dir():  # pragma: no cover - mkdir raises first
        raise StorageError("is not a folder", where=str(path.parent))


def _tune(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        for pragma in _PRAGMAS:
            dbapi_connection.execute(pragma).close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
