"""The evals plugin's tables (SQLAlchemy Core); its migrations create them."""

from __future__ import annotations

import sqlalchemy as sa

from spyglass_adapters.sql.spi import new_metadata

__all__ = ("llm_connections", "metadata")

metadata = new_metadata()

_TS = sa.DateTime(timezone=True)

# Secrets are stored encrypted only (``spyglass_evals.crypto``): the API key and the
# extra headers (whose values may be credentials too); the header names stay readable.
llm_connections = sa.Table(
    "llm_connections",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column(
        "project_id",
        sa.String(255),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("provider", sa.String(255), nullable=False),
    sa.Column("adapter", sa.String(32), nullable=False),
    sa.Column("base_url", sa.Text, nullable=True),
    sa.Column("secret_ciphertext", sa.Text, nullable=False),
    sa.Column("display_secret_key", sa.String(32), nullable=False),
    sa.Column("custom_models", sa.JSON, nullable=False),
    sa.Column("with_default_models", sa.Boolean, nullable=False),
    sa.Column("extra_headers_ciphertext", sa.Text, nullable=True),
    sa.Column("extra_header_keys", sa.JSON, nullable=False),
    sa.Column("config", sa.JSON, nullable=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
    sa.UniqueConstraint("project_id", "provider", name="uq_llm_connections_project_id_provider"),
)
