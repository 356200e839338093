"""Deleted traces owed an erasure of their raw events, and their members.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "trace_deletions",
        sa.Column("project_id", sa.String(255), primary_key=True),
        sa.Column("trace_id", sa.String(800), primary_key=True),
        sa.Column("deleted_at", _TS, nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("erased_at", _TS, nullable=True),
    )
    op.create_index(
        "ix_trace_deletions_owed",
        "trace_deletions",
        ["deleted_at"],
        sqlite_where=sa.text("erased_at IS NULL"),
        postgresql_where=sa.text("erased_at IS NULL"),
    )
    op.create_index("ix_trace_deletions_deleted_at", "trace_deletions", ["deleted_at"])
    op.create_table(
        "trace_deletion_members",
        sa.Column("project_id", sa.String(255), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("entity_id", sa.String(800), primary_key=True),
        sa.Column("trace_id", sa.String(800), nullable=False),
    )
    op.create_index(
        "ix_trace_deletion_members_trace", "trace_deletion_members", ["project_id", "trace_id"]
    )


def downgrade() -> None:
    op.drop_table("trace_deletion_members")
    op.drop_table("trace_deletions")
