"""LLM connections, their secrets encrypted.

Revision ID: evals_0001
Revises: (base of the evals chain; runs after core's)
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "evals_0001"
down_revision = None
branch_labels = ("evals",)
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "llm_connections",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
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
        sa.PrimaryKeyConstraint("id", "project_id", name="pk_llm_connections"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_llm_connections_project_id_projects",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "project_id", "provider", name="uq_llm_connections_project_id_provider"
        ),
    )


def downgrade() -> None:
    op.drop_table("llm_connections")
