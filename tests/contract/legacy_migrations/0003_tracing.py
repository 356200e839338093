"""Tracing: model prices, score configs, ingestion batches and event ids, media.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("id", sa.String(255)),
        sa.Column("project_id", sa.String(255), nullable=True),
        sa.Column("model_name", sa.String(255), nullable=False),
        sa.Column("match_pattern", sa.Text, nullable=False),
        sa.Column("start_date", _TS, nullable=True),
        sa.Column("unit", sa.String(64), nullable=True),
        sa.Column("tokenizer_id", sa.String(255), nullable=True),
        sa.Column("tokenizer_config", sa.JSON, nullable=True),
        sa.Column("created_at", _TS, nullable=True),
        sa.Column("updated_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_models"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_models_project_id_projects",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_models_project_id_model_name", "models", ["project_id", "model_name"])
    op.create_table(
        "pricing_tiers",
        sa.Column("id", sa.String(255)),
        sa.Column("model_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("conditions", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pricing_tiers"),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name="fk_pricing_tiers_model_id_models",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_pricing_tiers_model_id", "pricing_tiers", ["model_id"])
    op.create_table(
        "prices",
        sa.Column("pricing_tier_id", sa.String(255), nullable=False),
        sa.Column("usage_type", sa.String(255), nullable=False),
        sa.Column("price", sa.Double, nullable=False),
        sa.PrimaryKeyConstraint("pricing_tier_id", "usage_type", name="pk_prices"),
        sa.ForeignKeyConstraint(
            ["pricing_tier_id"],
            ["pricing_tiers.id"],
            name="fk_prices_pricing_tier_id_pricing_tiers",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "score_configs",
        sa.Column("id", sa.String(255)),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("data_type", sa.String(16), nullable=False),
        sa.Column("is_archived", sa.Boolean, nullable=False),
        sa.Column("min_value", sa.Double, nullable=True),
        sa.Column("max_value", sa.Double, nullable=True),
        sa.Column("categories", sa.JSON, nullable=True),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_score_configs"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_score_configs_project_id_projects",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_score_configs_project_id_created_at", "score_configs", ["project_id", "created_at"]
    )
    op.create_table(
        "ingestion_batches",
        sa.Column("id", sa.String(255)),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("blob_key", sa.Text, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("event_count", sa.Integer, nullable=False),
        sa.Column("processed_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ingestion_batches"),
    )
    op.create_index(
        "ix_ingestion_batches_pending",
        "ingestion_batches",
        ["received_at", "id"],
        sqlite_where=sa.text("processed_at IS NULL"),
        postgresql_where=sa.text("processed_at IS NULL"),
    )
    op.create_index("ix_ingestion_batches_received_at", "ingestion_batches", ["received_at"])
    op.create_table(
        "ingestion_event_ids",
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("event_id", sa.String(800), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("project_id", "event_id", name="pk_ingestion_event_ids"),
    )
    op.create_index("ix_ingestion_event_ids_received_at", "ingestion_event_ids", ["received_at"])
    op.create_table(
        "media",
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("sha256_hash", sa.String(128), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("content_length", sa.BigInteger, nullable=False),
        sa.Column("blob_key", sa.Text, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("uploaded_at", _TS, nullable=True),
        sa.Column("upload_http_status", sa.Integer, nullable=True),
        sa.Column("upload_http_error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("project_id", "id", name="pk_media"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_media_project_id_projects",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("media")
    op.drop_index("ix_ingestion_event_ids_received_at", table_name="ingestion_event_ids")
    op.drop_table("ingestion_event_ids")
    op.drop_index("ix_ingestion_batches_received_at", table_name="ingestion_batches")
    op.drop_index("ix_ingestion_batches_pending", table_name="ingestion_batches")
    op.drop_table("ingestion_batches")
    op.drop_index("ix_score_configs_project_id_created_at", table_name="score_configs")
    op.drop_table("score_configs")
    op.drop_table("prices")
    op.drop_index("ix_pricing_tiers_model_id", table_name="pricing_tiers")
    op.drop_table("pricing_tiers")
    op.drop_index("ix_models_project_id_model_name", table_name="models")
    op.drop_table("models")
