"""Snapshots and the names given to them.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create ``snapshots`` and ``snapshot_names``."""
    op.create_table(
        "snapshots",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n_files", sa.BigInteger, nullable=False),
        sa.Column("n_bytes", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_snapshots_created_at", "snapshots", ["created_at"])
    op.create_table(
        "snapshot_names",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column(
            "snapshot_id",
            sa.String(64),
            sa.ForeignKey("snapshots.id", ondelete="CASCADE", name="fk_snapshot_names_snapshot_id"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_snapshot_names_name", "snapshot_names", ["name"])
    op.create_index("ix_snapshot_names_snapshot_id_seq", "snapshot_names", ["snapshot_id", "seq"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table("snapshot_names")
    op.drop_table("snapshots")
