"""Bring a database to the schema this mlgate knows, with the Alembic history.

Opening a store calls :func:`ensure_schema`. When the database is already at
:data:`HEAD` it costs one query and Alembic is not even imported. Otherwise it
takes the write lock (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on
PostgreSQL), looks again (another process may have just upgraded), and
upgrades inside that one transaction, so a failure leaves the database as it
was. A revision the code does not know means a newer mlgate wrote the database:
:class:`~mlgate.errors.SchemaVersionError`, and nothing is changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from mlgate._version import __version__
from mlgate.errors import ConfigError, SchemaVersionError
from mlgate.store.metadata.migrations import HEAD
from mlgate.store.metadata.sql import WRITE_OPTION
from mlgate.store.metadata.tables import metadata
from mlgate.store.metadata.translate import translating

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["HEAD", "MIGRATIONS", "alembic_config", "ensure_schema", "read_revision", "upgrade"]

#: The folder of the Alembic history (shipped inside the package).
MIGRATIONS = Path(__file__).parent / "migrations"

_ADVISORY_LOCK_KEY = 0x6D6C67617465  # "mlgate"


def read_revision(connection: Connection) -> str | None:
    """The revision stamped in ``alembic_version``, or None for a database without one."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return _select_revision(connection)


def _select_revision(connection: Connection) -> str | None:
    rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    return ",".join(sorted(str(row[0]) for row in rows)) or None


def alembic_config(connection: Connection) -> Config:
    """An Alembic config for the shipped history that migrates ``connection``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Run the history up to ``revision`` on ``connection`` (inside its transaction)."""
    from alembic import command

    command.upgrade(alembic_config(connection), revision)


def ensure_schema(engine: Engine, *, where: str) -> str:
    """Upgrade the database to :data:`HEAD` if it is older; return the revision it is at."""
    try:  # the fast path: one query; any failure is looked at again below
        with engine.connect() as connection:
            if _select_revision(connection) == HEAD:
                return HEAD
    except DBAPIError:
        pass
    with translating(where), engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            _lock(connection)
            found = read_revision(connection)
            if found == HEAD:
                return HEAD
            _check_known(connection, found, where=where)
            upgrade(connection, "head")
    return HEAD


def _lock(connection: Connection) -> None:
    """Serialize upgrades between processes (SQLite already holds its write lock)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})


def _check_known(connection: Connection, found: str | None, *, where: str) -> None:
    from alembic.script import ScriptDirectory

    if found is None:
        ours = sorted(set(inspect(connection).get_table_names()) & set(metadata.tables))
        if ours:
            raise ConfigError(
                f"the database has mlgate's tables ({', '.join(ours)}) but no schema revision; "
                "it was not created by mlgate",
                where=where,
                hint="Point MLGATE_DB at an empty database or one that mlgate created.",
            )
        return
    script = ScriptDirectory.from_config(alembic_config(connection))
    known = {script_revision.revision for script_revision in script.walk_revisions()}
    if not set(found.split(",")) <= known:
        raise SchemaVersionError(
            f"the metadata database is at schema revision {found!r}, which this mlgate "
            f"({__version__}, newest revision {HEAD!r}) does not know: "
            "a newer mlgate wrote it; nothing was changed",
            where=where,
            hint="Upgrade mlgate to open it: pip install -U mlgate",
        )
