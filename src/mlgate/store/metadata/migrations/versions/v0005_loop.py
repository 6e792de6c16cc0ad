"""The loop: delayed labels, monitoring windows, trigger bookkeeping.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``labels``, ``monitor_windows`` and ``trigger_state``."""
    op.create_table(
        "labels",
        sa.Column("model", sa.String(255), primary_key=True),
        sa.Column("request_id", sa.String(255), primary_key=True),
        sa.Column("row", sa.Integer, primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(255)),
    )
    op.create_index("ix_labels_model_received", "labels", ["model", "received_at"])
    op.create_table(
        "monitor_windows",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("route", sa.String(16), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("labelled", sa.Integer, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("alerts", sa.JSON, nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("model", "version", "route", "key", name="uq_monitor_windows_key"),
    )
    op.create_index("ix_monitor_windows_model_end", "monitor_windows", ["model", "end"])
    op.create_table(
        "trigger_state",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("trigger_state")
    op.drop_index("ix_monitor_windows_model_end", table_name="monitor_windows")
    op.drop_table("monitor_windows")
    op.drop_index("ix_labels_model_received", table_name="labels")
    op.drop_table("labels")
