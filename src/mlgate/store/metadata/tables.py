"""The metadata schema as SQLAlchemy Core tables, all in one ``MetaData``.

This describes the schema at the newest revision; the Alembic history in
``migrations/`` builds it step by step and must end in exactly these tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

__all__ = [
    "UtcDateTime",
    "alias_history",
    "approval_decisions",
    "approvals",
    "audit_head",
    "audit_log",
    "labels",
    "metadata",
    "model_aliases",
    "model_versions",
    "monitor_windows",
    "registered_models",
    "run_stages",
    "runs",
    "snapshot_names",
    "snapshots",
    "stage_cache",
    "stat_cache",
    "trigger_state",
]


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

# --- registry ---------------------------------------------------------------------------
# JSON values are stored as canonical JSON text (sorted keys, no spaces), the same bytes on
# every backend, so the audit chain can hash them.


def _model_fk(table: str) -> ForeignKey:
    return ForeignKey("registered_models.name", ondelete="RESTRICT", name=f"fk_{table}_model_name")


#: A registered model; ``last_version`` is the counter that numbers its versions.
registered_models = Table(
    "registered_models",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(255), nullable=False),
    Column("last_version", Integer, nullable=False),
)

#: An immutable model version: never updated, never deleted.
model_versions = Table(
    "model_versions",
    metadata,
    Column("model_name", String(64), _model_fk("model_versions"), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("artifact", String(128), nullable=False),
    Column("flavor", String(32), nullable=False),
    Column("signature", Text),
    Column("profile", Text),
    Column("metrics", Text, nullable=False),
    Column("verdict", String(16)),
    Column("gates", Text, nullable=False),
    Column("run_id", Text),
    Column("description", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(255), nullable=False),
    Index("ix_model_versions_run_id", "run_id"),
)

#: Where each alias of a model points now (its history is in ``alias_history``).
model_aliases = Table(
    "model_aliases",
    metadata,
    Column("model_name", String(64), _model_fk("model_aliases"), primary_key=True),
    Column("alias", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("moved_at", UtcDateTime, nullable=False),
    Column("moved_by", String(255), nullable=False),
)

#: A request to move an alias that its policy says needs approval, and its outcome.
approvals = Table(
    "approvals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("model_name", String(64), _model_fk("approvals"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("alias", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("requested_at", UtcDateTime, nullable=False),
    Column("requested_by", String(255), nullable=False),
    Column("reason", Text),
    Column("needed", Integer, nullable=False),
    Column("expires_at", UtcDateTime),
    Column("evidence", Text, nullable=False),
    Column("closed_at", UtcDateTime),
    Index("ix_approvals_model_version", "model_name", "version", "alias"),
)

#: Each person's decision on an approval request; one per person and request.
approval_decisions = Table(
    "approval_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "approval_id",
        Integer,
        ForeignKey("approvals.id", ondelete="RESTRICT", name="fk_approval_decisions_approval_id"),
        nullable=False,
    ),
    Column("actor", String(255), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("accepted", Text, nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
    Index("ux_approval_decisions_approval_actor", "approval_id", "actor", unique=True),
)

#: Every move of every alias, oldest first: rollback reads it, ``models history`` shows it.
alias_history = Table(
    "alias_history",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("model_name", String(64), _model_fk("alias_history"), nullable=False),
    Column("alias", String(32), nullable=False),
    Column("from_version", Integer),
    Column("to_version", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("moved_at", UtcDateTime, nullable=False),
    Column("actor", String(255), nullable=False),
    Column("reason", Text),
    Column("run_id", Text),
    Column(
        "approval_id",
        Integer,
        ForeignKey("approvals.id", ondelete="RESTRICT", name="fk_alias_history_approval_id"),
    ),
    Index("ix_alias_history_model_alias_seq", "model_name", "alias", "seq"),
)

#: The append-only, hash-chained log of every registry change (``seq`` has no gaps).
audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(255), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

#: One row (id 1): the last entry of the audit log. Writers lock it, so appends are serial,
#: and a deleted last entry shows as a head that points past the log.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

# --- runs -------------------------------------------------------------------------------

runs = Table(
    "runs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("trigger", String(32), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("started_at", UtcDateTime),
    Column("ended_at", UtcDateTime),
    Column("heartbeat_at", UtcDateTime),
    Column("pid", Integer),
    Column("host", Text),
    Column("executor", String(32)),
    Column("verdict", String(20)),
    Column("error", Text),
    Column("summary", JSON, nullable=False),
    Column("actor", String(255)),
    Index("ix_runs_created_at", "created_at"),
    Index("ix_runs_status", "status"),
)

run_stages = Table(
    "run_stages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "run_id",
        String(40),
        ForeignKey("runs.id", ondelete="CASCADE", name="fk_run_stages_run_id"),
        nullable=False,
    ),
    Column("name", String(128), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("components", JSON, nullable=False),
    Column("cached", Boolean, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Column("output_digest", String(64)),
    Column("log_digest", String(64)),
    Column("message", Text),
    Index("ix_run_stages_run_id", "run_id"),
    Index("ix_run_stages_name_id", "name", "id"),
)

stage_cache = Table(
    "stage_cache",
    metadata,
    Column("fingerprint", String(64), primary_key=True),
    Column("stage", String(32), nullable=False),
    Column("output_digest", String(64), nullable=False),
    Column("run_id", String(40), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# --- the loop: labels, monitoring windows, trigger bookkeeping ---------------------------

labels = Table(
    "labels",
    metadata,
    Column("model", String(255), primary_key=True),
    Column("request_id", String(255), primary_key=True),
    Column("row", Integer, primary_key=True),
    Column("value", JSON, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("source", String(32), nullable=False),
    Column("actor", String(255)),
    Index("ix_labels_model_received", "model", "received_at"),
)

monitor_windows = Table(
    "monitor_windows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("model", String(255), nullable=False),
    Column("version", Integer, nullable=False),
    Column("route", String(16), nullable=False),
    Column("key", String(128), nullable=False),
    Column("start", UtcDateTime, nullable=False),
    Column("end", UtcDateTime, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("labelled", Integer, nullable=False),
    Column("result", JSON, nullable=False),
    Column("alerts", JSON, nullable=False),
    Column("computed_at", UtcDateTime, nullable=False),
    UniqueConstraint("model", "version", "route", "key", name="uq_monitor_windows_key"),
    Index("ix_monitor_windows_model_end", "model", "end"),
)

trigger_state = Table(
    "trigger_state",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
