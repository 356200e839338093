"""Dataset runs and their run items.

Revision ID: datasets_0002
Revises: datasets_0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "datasets_0002"
down_revision = "datasets_0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "dataset_runs",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("dataset_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("metadata", sa.JSON, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", "project_id", name="pk_dataset_runs"),
        sa.ForeignKeyConstraint(
            ["dataset_id", "project_id"],
            ["datasets.id", "datasets.project_id"],
            name="fk_dataset_runs_dataset_id_datasets",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "project_id", "dataset_id", "name", name="uq_dataset_runs_project_id_dataset_id_name"
        ),
    )
    op.create_table(
        "dataset_run_items",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("dataset_run_id", sa.String(255), nullable=False),
        sa.Column("dataset_item_id", sa.String(255), nullable=False),
        sa.Column("trace_id", sa.String(255), nullable=True),
        sa.Column("observation_id", sa.String(255), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", "project_id", name="pk_dataset_run_items"),
        sa.ForeignKeyConstraint(
            ["dataset_run_id", "project_id"],
            ["dataset_runs.id", "dataset_runs.project_id"],
            name="fk_dataset_run_items_dataset_run_id_dataset_runs",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_dataset_run_items_project_id_dataset_run_id_created_at_id",
        "dataset_run_items",
        ["project_id", "dataset_run_id", "created_at", "id"],
    )
    op.create_index(
        "ix_dataset_run_items_project_id_dataset_item_id",
        "dataset_run_items",
        ["project_id", "dataset_item_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_dataset_run_items_project_id_dataset_item_id", table_name="dataset_run_items")
    op.drop_index(
        "ix_dataset_run_items_project_id_dataset_run_id_created_at_id",
        table_name="dataset_run_items",
    )
    op.drop_table("dataset_run_items")
    op.drop_table("dataset_runs")
