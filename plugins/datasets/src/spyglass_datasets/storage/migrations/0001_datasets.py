"""Datasets and the append-only versions of their items.

Revision ID: datasets_0001
Revises: (base of the datasets chain; runs after core's)
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "datasets_0001"
down_revision = None
branch_labels = ("datasets",)
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "datasets",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("metadata", sa.JSON, nullable=True),
        sa.Column("input_schema", sa.JSON, nullable=True),
        sa.Column("expected_output_schema", sa.JSON, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", "project_id", name="pk_datasets"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_datasets_project_id_projects",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("project_id", "name", name="uq_datasets_project_id_name"),
    )
    op.create_table(
        "dataset_item_versions",
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("dataset_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("input", sa.JSON, nullable=True),
        sa.Column("expected_output", sa.JSON, nullable=True),
        sa.Column("metadata", sa.JSON, nullable=True),
        sa.Column("source_trace_id", sa.String(255), nullable=True),
        sa.Column("source_observation_id", sa.String(255), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("valid_from", _TS, nullable=False),
        sa.Column("valid_to", _TS, nullable=True),
        sa.PrimaryKeyConstraint("project_id", "id", "version", name="pk_dataset_item_versions"),
        sa.ForeignKeyConstraint(
            ["dataset_id", "project_id"],
            ["datasets.id", "datasets.project_id"],
            name="fk_dataset_item_versions_dataset_id_datasets",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_dataset_item_versions_project_id_dataset_id_created_at_id",
        "dataset_item_versions",
        ["project_id", "dataset_id", "created_at", "id"],
    )
    op.create_index(
        "ix_dataset_item_versions_project_id_source_trace_id",
        "dataset_item_versions",
        ["project_id", "source_trace_id"],
    )


def downgrade() -> None:
    op.drop_index(
        "ix_dataset_item_versions_project_id_source_trace_id", table_name="dataset_item_versions"
    )
    op.drop_index(
        "ix_dataset_item_versions_project_id_dataset_id_created_at_id",
        table_name="dataset_item_versions",
    )
    op.drop_table("dataset_item_versions")
    op.drop_table("datasets")
