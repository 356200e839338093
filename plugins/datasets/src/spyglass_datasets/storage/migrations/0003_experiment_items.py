"""Run items know when their task ended, and list by time across runs (experiments API).

Revision ID: datasets_0003
Revises: datasets_0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "datasets_0003"
down_revision = "datasets_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dataset_run_items") as batch:
        batch.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_dataset_run_items_project_id_created_at_id",
        "dataset_run_items",
        ["project_id", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_dataset_run_items_project_id_created_at_id", table_name="dataset_run_items")
    with op.batch_alter_table("dataset_run_items") as batch:
        batch.drop_column("ended_at")
