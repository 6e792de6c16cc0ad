"""Runs, their stages, and the stage cache.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``runs``, ``run_stages`` and ``stage_cache``."""
    op.create_table(
        "runs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence", sa.JSON, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True)),
        sa.Column("pid", sa.Integer),
        sa.Column("host", sa.Text),
        sa.Column("executor", sa.String(32)),
        sa.Column("verdict", sa.String(20)),
        sa.Column("error", sa.Text),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("actor", sa.String(255)),
    )
    op.create_index("ix_runs_created_at", "runs", ["created_at"])
    op.create_index("ix_runs_status", "runs", ["status"])
    op.create_table(
        "run_stages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id",
            sa.String(40),
            sa.ForeignKey("runs.id", ondelete="CASCADE", name="fk_run_stages_run_id"),
            nullable=False,
        ),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("components", sa.JSON, nullable=False),
        sa.Column("cached", sa.Boolean, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("output_digest", sa.String(64)),
        sa.Column("log_digest", sa.String(64)),
        sa.Column("message", sa.Text),
    )
    op.create_index("ix_run_stages_run_id", "run_stages", ["run_id"])
    op.create_index("ix_run_stages_name_id", "run_stages", ["name", "id"])
    op.create_table(
        "stage_cache",
        sa.Column("fingerprint", sa.String(64), primary_key=True),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("output_digest", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop the runs tables."""
    op.drop_table("stage_cache")
    op.drop_index("ix_run_stages_name_id", "run_stages")
    op.drop_index("ix_run_stages_run_id", "run_stages")
    op.drop_table("run_stages")
    op.drop_index("ix_runs_status", "runs")
    op.drop_index("ix_runs_created_at", "runs")
    op.drop_table("runs")
