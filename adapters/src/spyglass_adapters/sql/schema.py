"""Table definitions (SQLAlchemy Core, no ORM): the single source for Alembic and queries."""

from __future__ import annotations

import sqlalchemy as sa

__all__ = (
    "api_keys",
    "ingestion_batches",
    "ingestion_event_ids",
    "media",
    "metadata",
    "models",
    "organizations",
    "prices",
    "pricing_tiers",
    "projects",
    "prompt_dependencies",
    "prompt_labels",
    "prompt_tags",
    "prompts",
    "score_configs",
    "users",
)

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_TS = sa.DateTime(timezone=True)

organizations = sa.Table(
    "organizations",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("metadata", sa.JSON, nullable=False),
    sa.Column("created_at", _TS, nullable=False),
)

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column(
        "organization_id",
        sa.String(255),
        sa.ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("metadata", sa.JSON, nullable=False),
    sa.Column("retention_days", sa.Integer, nullable=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.UniqueConstraint("organization_id", "name", name="uq_projects_organization_id_name"),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column(
        "project_id",
        sa.String(255),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("public_key", sa.String(255), nullable=False, unique=True),
    sa.Column("fast_hashed_secret", sa.String(128), nullable=False, unique=True),
    sa.Column("display_secret", sa.String(64), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("last_used_at", _TS, nullable=True),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("email_normalized", sa.String(320), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("created_at", _TS, nullable=False),
)

# One row per prompt version. The unique (project_id, name, version) index also serves
# every lookup by (project_id, name).
prompts = sa.Table(
    "prompts",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column(
        "project_id",
        sa.String(255),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("prompt", sa.JSON, nullable=False),
    sa.Column("config", sa.JSON, nullable=False),
    sa.Column("commit_message", sa.Text, nullable=True),
    sa.Column("created_by", sa.String(255), nullable=False),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
    sa.UniqueConstraint("project_id", "name", "version", name="uq_prompts_project_id_name_version"),
)

# The primary key makes a label sit on at most one version of a name.
prompt_labels = sa.Table(
    "prompt_labels",
    metadata,
    sa.Column("project_id", sa.String(255), primary_key=True),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("label", sa.String(255), primary_key=True),
    sa.Column(
        "prompt_id",
        sa.String(255),
        sa.ForeignKey("prompts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)

# Tags belong to the name, shared by all its versions.
prompt_tags = sa.Table(
    "prompt_tags",
    metadata,
    sa.Column(
        "project_id",
        sa.String(255),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("tag", sa.String(255), primary_key=True),
)

# What a version embeds; the id keeps the references in the order they were given.
prompt_dependencies = sa.Table(
    "prompt_dependencies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column(
        "parent_id",
        sa.String(255),
        sa.ForeignKey("prompts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("child_name", sa.String(255), nullable=False),
    sa.Column("child_version", sa.Integer, nullable=True),
    sa.Column("child_label", sa.String(255), nullable=True),
    sa.Index("ix_prompt_dependencies_project_id_child_name", "project_id", "child_name"),
)

# Model definitions: ``project_id`` NULL marks a managed (platform) model. The unique
# (project, model_name, start_date, unit) rule is checked in code: NULLs compare unequal
# in a SQL unique constraint.
models = sa.Table(
    "models",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column(
        "project_id",
        sa.String(255),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=True,
    ),
    sa.Column("model_name", sa.String(255), nullable=False),
    sa.Column("match_pattern", sa.Text, nullable=False),
    sa.Column("start_date", _TS, nullable=True),
    sa.Column("unit", sa.String(64), nullable=True),
    sa.Column("tokenizer_id", sa.String(255), nullable=True),
    sa.Column("tokenizer_config", sa.JSON, nullable=True),
    # The domain leaves both optional (managed models may come without them).
    sa.Column("created_at", _TS, nullable=True),
    sa.Column("updated_at", _TS, nullable=True),
    sa.Index("ix_models_project_id_model_name", "project_id", "model_name"),
)

pricing_tiers = sa.Table(
    "pricing_tiers",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column(
        "model_id",
        sa.String(255),
        sa.ForeignKey("models.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("is_default", sa.Boolean, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("conditions", sa.JSON, nullable=False),
)

# USD per unit of one usage type; a double gives the domain's floats back unchanged.
prices = sa.Table(
    "prices",
    metadata,
    sa.Column(
        "pricing_tier_id",
        sa.String(255),
        sa.ForeignKey("pricing_tiers.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("usage_type", sa.String(255), primary_key=True),
    sa.Column("price", sa.Double, nullable=False),
)

score_configs = sa.Table(
    "score_configs",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column(
        "project_id",
        sa.String(255),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("data_type", sa.String(16), nullable=False),
    sa.Column("is_archived", sa.Boolean, nullable=False),
    sa.Column("min_value", sa.Double, nullable=True),
    sa.Column("max_value", sa.Double, nullable=True),
    sa.Column("categories", sa.JSON, nullable=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
    sa.Index("ix_score_configs_project_id_created_at", "project_id", "created_at"),
)

# No foreign key to projects: recording a batch is on the ingestion hot path.
ingestion_batches = sa.Table(
    "ingestion_batches",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column("blob_key", sa.Text, nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("received_at", _TS, nullable=False),
    sa.Column("event_count", sa.Integer, nullable=False),
    sa.Column("processed_at", _TS, nullable=True),
    # Partial: only pending batches are indexed, so the index stays as small as the backlog.
    sa.Index(
        "ix_ingestion_batches_pending",
        "received_at",
        "id",
        sqlite_where=sa.text("processed_at IS NULL"),
        postgresql_where=sa.text("processed_at IS NULL"),
    ),
    # Pruning old records (IngestionBatchRepository.prune) walks them by age.
    sa.Index("ix_ingestion_batches_received_at", "received_at"),
)

# Envelope ids already accepted, per project: the dedupe set of the ingestion API.
ingestion_event_ids = sa.Table(
    "ingestion_event_ids",
    metadata,
    sa.Column("project_id", sa.String(255), primary_key=True),
    sa.Column("event_id", sa.String(800), primary_key=True),
    sa.Column("received_at", _TS, nullable=False),
    sa.Index("ix_ingestion_event_ids_received_at", "received_at"),
)

media = sa.Table(
    "media",
    metadata,
    sa.Column(
        "project_id",
        sa.String(255),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("sha256_hash", sa.String(128), nullable=False),
    sa.Column("content_type", sa.String(255), nullable=False),
    sa.Column("content_length", sa.BigInteger, nullable=False),
    sa.Column("blob_key", sa.Text, nullable=False),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("uploaded_at", _TS, nullable=True),
    sa.Column("upload_http_status", sa.Integer, nullable=True),
    sa.Column("upload_http_error", sa.Text, nullable=True),
)
