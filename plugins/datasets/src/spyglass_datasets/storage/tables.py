"""The datasets plugin's tables (SQLAlchemy Core); its migrations create them."""

from __future__ import annotations

import sqlalchemy as sa

from spyglass_adapters.sql.spi import new_metadata

__all__ = ("dataset_item_versions", "datasets", "metadata")

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
