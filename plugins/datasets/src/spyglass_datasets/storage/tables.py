"""The datasets plugin's tables (SQLAlchemy Core); its migrations create them."""

from __future__ import annotations

import sqlalchemy as sa

from spyglass_adapters.sql.spi import new_metadata

__all__ = (
    "dataset_item_versions",
    "dataset_run_items",
    "dataset_runs",
    "datasets",
    "metadata",
)

metadata = new_metadata()

_TS = sa.DateTime(timezone=True)

datasets = sa.Table(
    "datasets",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column(
        "project_id",
        sa.String(255),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("metadata", sa.JSON, nullable=True),
    sa.Column("input_schema", sa.JSON, nullable=True),
    sa.Column("expected_output_schema", sa.JSON, nullable=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
    sa.UniqueConstraint("project_id", "name", name="uq_datasets_project_id_name"),
)

# Append-only: one row per version of an item. The current version is the one with
# ``valid_to`` NULL; a deleted item has none. Items keep their id across versions, and
# the client chooses it, so ids are unique per project, not globally.
dataset_item_versions = sa.Table(
    "dataset_item_versions",
    metadata,
    sa.Column("project_id", sa.String(255), primary_key=True),
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
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
    sa.ForeignKeyConstraint(
        ["dataset_id", "project_id"],
        ["datasets.id", "datasets.project_id"],
        name="fk_dataset_item_versions_dataset_id_datasets",
        ondelete="CASCADE",
    ),
    # Keyset pages of a dataset's items: (created_at, id) after a position.
    sa.Index(
        "ix_dataset_item_versions_project_id_dataset_id_created_at_id",
        "project_id",
        "dataset_id",
        "created_at",
        "id",
    ),
    sa.Index(
        "ix_dataset_item_versions_project_id_source_trace_id",
        "project_id",
        "source_trace_id",
    ),
)

# A run belongs to one dataset; its name is unique there.
dataset_runs = sa.Table(
    "dataset_runs",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("project_id", sa.String(255), primary_key=True),
    sa.Column("dataset_id", sa.String(255), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("metadata", sa.JSON, nullable=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
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

# What ran one item in a run. The item is not a foreign key: deleting an item keeps the
# record of the runs that used it (its versions stay readable).
dataset_run_items = sa.Table(
    "dataset_run_items",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("project_id", sa.String(255), primary_key=True),
    sa.Column("dataset_run_id", sa.String(255), nullable=False),
    sa.Column("dataset_item_id", sa.String(255), nullable=False),
    sa.Column("trace_id", sa.String(255), nullable=True),
    sa.Column("observation_id", sa.String(255), nullable=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("ended_at", _TS, nullable=True),
    sa.ForeignKeyConstraint(
        ["dataset_run_id", "project_id"],
        ["dataset_runs.id", "dataset_runs.project_id"],
        name="fk_dataset_run_items_dataset_run_id_dataset_runs",
        ondelete="CASCADE",
    ),
    sa.Index(
        "ix_dataset_run_items_project_id_dataset_run_id_created_at_id",
        "project_id",
        "dataset_run_id",
        "created_at",
        "id",
    ),
    sa.Index("ix_dataset_run_items_project_id_dataset_item_id", "project_id", "dataset_item_id"),
    # The experiments API lists run items by time across runs.
    sa.Index("ix_dataset_run_items_project_id_created_at_id", "project_id", "created_at", "id"),
)
