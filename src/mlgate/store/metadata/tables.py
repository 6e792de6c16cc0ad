"""The metadata schema as SQLAlchemy Core tables, all in one ``MetaData``.

This describes the schema at the newest revision; the Alembic history in
``migrations/`` builds it step by step and must end in exactly these tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

__all__ = ["UtcDateTime", "metadata", "snapshot_names", "snapshots", "stat_cache"]


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC; naive values are refused.

    SQLite keeps no offset, so values are written as naive UTC there and get
    their UTC zone back on read; PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to UTC (naive UTC for SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"datetime {value.isoformat()} has no time zone; use an aware datetime"
            )
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Give back an aware UTC datetime."""
        if value is None:
            return None
        if not isinstance(value, datetime):  # pragma: no cover - drivers return datetimes
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = MetaData()

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("source", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("n_files", BigInteger, nullable=False),
    Column("n_bytes", BigInteger, nullable=False),
    Index("ix_snapshots_created_at", "created_at"),
)

#: Every name ever given to a snapshot; ``seq`` orders the namings, the last one wins.
snapshot_names = Table(
    "snapshot_names",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False),
    Column(
        "snapshot_id",
        String(64),
        ForeignKey("snapshots.id", ondelete="CASCADE", name="fk_snapshot_names_snapshot_id"),
        nullable=False,
    ),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_snapshot_names_name", "name"),
    Index("ix_snapshot_names_snapshot_id_seq", "snapshot_id", "seq"),
)

stat_cache = Table(
    "stat_cache",
    metadata,
    Column("path", Text, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("mtime_ns", BigInteger, nullable=False),
    Column("inode", BigInteger, nullable=False),
    Column("digest", String(64), nullable=False),
)
