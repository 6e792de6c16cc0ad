"""INSERT … ON CONFLICT for the dialects mlgate supports (SQLite and PostgreSQL).

Both dialects spell it the same way in SQLAlchemy, from their own ``insert``;
this is the one place that picks it by dialect name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Insert, Table

__all__ = ["insert_ignore", "upsert"]


def _dialect_insert(connection: Connection, table: Table) -> Any:
    """The dialect's INSERT that knows ``ON CONFLICT`` (SQLite and PostgreSQL)."""
    name = connection.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    raise NotImplementedError(f"mlgate has no upsert for the {name} dialect")


def insert_ignore(connection: Connection, table: Table, row: dict[str, Any]) -> Insert:
    """INSERT that does nothing when the primary key exists."""
    statement: Insert = _dialect_insert(connection, table).values(**row).on_conflict_do_nothing()
    return statement


def upsert(connection: Connection, table: Table, keys: list[str]) -> Insert:
    """INSERT that replaces the other columns when the key exists (for executemany)."""
    statement = _dialect_insert(connection, table)
    others = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    result: Insert = statement.on_conflict_do_update(index_elements=keys, set_=others)
    return result
