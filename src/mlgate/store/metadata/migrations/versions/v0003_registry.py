"""The model registry: models, versions, aliases and their history, approvals, audit log.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

#: The hash the first audit entry points back to.
GENESIS = "0" * 64


def _model_fk(table: str) -> sa.ForeignKey:
    return sa.ForeignKey(
        "registered_models.name", ondelete="RESTRICT", name=f"fk_{table}_model_name"
    )


def upgrade() -> None:
    """Create the registry tables and the audit log's head row."""
    op.create_table(
        "registered_models",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("last_version", sa.Integer, nullable=False),
    )
    op.create_table(
        "model_versions",
        sa.Column("model_name", sa.String(64), _model_fk("model_versions"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("artifact", sa.String(128), nullable=False),
        sa.Column("flavor", sa.String(32), nullable=False),
        sa.Column("signature", sa.Text),
        sa.Column("profile", sa.Text),
        sa.Column("metrics", sa.Text, nullable=False),
        sa.Column("verdict", sa.String(16)),
        sa.Column("gates", sa.Text, nullable=False),
        sa.Column("run_id", sa.Text),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
    )
    op.create_index("ix_model_versions_run_id", "model_versions", ["run_id"])
    op.create_table(
        "model_aliases",
        sa.Column("model_name", sa.String(64), _model_fk("model_aliases"), primary_key=True),
        sa.Column("alias", sa.String(32), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moved_by", sa.String(255), nullable=False),
    )
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_name", sa.String(64), _model_fk("approvals"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("alias", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("needed", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_approvals_model_version", "approvals", ["model_name", "version", "alias"])
    op.create_table(
        "approval_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "approval_id",
            sa.Integer,
            sa.ForeignKey(
                "approvals.id", ondelete="RESTRICT", name="fk_approval_decisions_approval_id"
            ),
            nullable=False,
        ),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("accepted", sa.Text, nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ux_approval_decisions_approval_actor",
        "approval_decisions",
        ["approval_id", "actor"],
        unique=True,
    )
    op.create_table(
        "alias_history",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model_name", sa.String(64), _model_fk("alias_history"), nullable=False),
        sa.Column("alias", sa.String(32), nullable=False),
        sa.Column("from_version", sa.Integer),
        sa.Column("to_version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("run_id", sa.Text),
        sa.Column(
            "approval_id",
            sa.Integer,
            sa.ForeignKey("approvals.id", ondelete="RESTRICT", name="fk_alias_history_approval_id"),
        ),
    )
    op.create_index(
        "ix_alias_history_model_alias_seq", "alias_history", ["model_name", "alias", "seq"]
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])


def downgrade() -> None:
    """Drop the registry tables."""
    for table in (
        "audit_head",
        "audit_log",
        "alias_history",
        "approval_decisions",
        "approvals",
        "model_aliases",
        "model_versions",
        "registered_models",
    ):
        op.drop_table(table)
