"""Ingestion batches count their failures, back off, and are dead-lettered.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("ingestion_batches") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_error", sa.Text, nullable=True))
        batch.add_column(sa.Column("next_attempt_at", _TS, nullable=True))
        batch.add_column(sa.Column("dead_at", _TS, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ingestion_batches") as batch:
        for column in ("dead_at", "next_attempt_at", "last_error", "attempts"):
            batch.drop_column(column)
