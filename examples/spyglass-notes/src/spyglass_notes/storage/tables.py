"""The ``notes`` table, as the migration creates it."""

from __future__ import annotations

import sqlalchemy as sa

from spyglass_adapters.sql.spi import new_metadata

__all__ = ("metadata", "notes")

metadata = new_metadata()

notes = sa.Table(
    "notes",
    metadata,
    sa.Column("project_id", sa.String(255), primary_key=True),
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
