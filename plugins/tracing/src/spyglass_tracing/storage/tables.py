"""The tracing plugin's transactional tables (SQLAlchemy Core); its migrations create them."""

from __future__ import annotations

import sqlalchemy as sa

from spyglass_adapters.sql.spi import new_metadata

__all__ = (
    "annotation_queue_assignments",
    "annotation_queue_items",
    "annotation_queues",
    "comments",
    "ingestion_batches",
    "ingestion_event_ids",
    "media",
    "metadata",
    "models",
    "prices",
    "pricing_tiers",
    "score_configs",
    "trace_deletion_members",
    "trace_deletions",
)

metadata = new_metadata()

_TS = sa.DateTime(timezone=True)

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
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("next_attempt_at", _TS, nullable=True),
    sa.Column("dead_at", _TS, nullable=True),
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

# Deleted traces owed (or given) an erasure of their raw events; see domain/erasure.py.
# No foreign key to projects: a deletion must outlive nothing it refers to.
trace_deletions = sa.Table(
    "trace_deletions",
    metadata,
    sa.Column("project_id", sa.String(255), primary_key=True),
    sa.Column("trace_id", sa.String(800), primary_key=True),
    sa.Column("deleted_at", _TS, nullable=False),
    sa.Column("generation", sa.Integer, nullable=False),
    sa.Column("erased_at", _TS, nullable=True),
    # Partial: only deletions still owed an erasure, so the sweep's probe stays small.
    sa.Index(
        "ix_trace_deletions_owed",
        "deleted_at",
        sqlite_where=sa.text("erased_at IS NULL"),
        postgresql_where=sa.text("erased_at IS NULL"),
    ),
    # Pruning erased deletions walks them by age.
    sa.Index("ix_trace_deletions_deleted_at", "deleted_at"),
)

# Observations and scores of deleted traces, so updates naming no trace are recognised.
trace_deletion_members = sa.Table(
    "trace_deletion_members",
    metadata,
    sa.Column("project_id", sa.String(255), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("entity_id", sa.String(800), primary_key=True),
    sa.Column("trace_id", sa.String(800), nullable=False),
    sa.Index("ix_trace_deletion_members_trace", "project_id", "trace_id"),
)


# --- comments and annotation queues (revision 0006) ---------------------------------------

# The author is kept as written (no foreign key): a comment outlives its author's account.
comments = sa.Table(
    "comments",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column(
        "project_id",
        sa.String(255),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("object_type", sa.String(16), nullable=False),
    sa.Column("object_id", sa.String(800), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("author_user_id", sa.String(255), nullable=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
    # The comments of one object, oldest first: what the UI shows beside it.
    sa.Index("ix_comments_object", "project_id", "object_type", "object_id", "created_at"),
    sa.Index("ix_comments_project_id_created_at", "project_id", "created_at"),
)

annotation_queues = sa.Table(
    "annotation_queues",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column(
        "project_id",
        sa.String(255),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("score_config_ids", sa.JSON, nullable=False),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
    sa.UniqueConstraint("project_id", "name", name="uq_annotation_queues_project_id_name"),
    sa.Index("ix_annotation_queues_project_id_created_at", "project_id", "created_at"),
)

annotation_queue_items = sa.Table(
    "annotation_queue_items",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column(
        "queue_id",
        sa.String(255),
        sa.ForeignKey("annotation_queues.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("object_id", sa.String(800), nullable=False),
    sa.Column("object_type", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("completed_at", _TS, nullable=True),
    sa.Column("annotator_user_id", sa.String(255), nullable=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
    # An object is in a queue once: adding it again is ignored.
    sa.UniqueConstraint(
        "queue_id", "object_type", "object_id", name="uq_annotation_queue_items_queue_id"
    ),
    # Queue order per status: the next pending item, pages, counts.
    sa.Index("ix_annotation_queue_items_order", "queue_id", "status", "created_at", "id"),
    sa.Index("ix_annotation_queue_items_queue_created", "queue_id", "created_at", "id"),
)

annotation_queue_assignments = sa.Table(
    "annotation_queue_assignments",
    metadata,
    sa.Column(
        "queue_id",
        sa.String(255),
        sa.ForeignKey("annotation_queues.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("user_id", sa.String(255), primary_key=True),
    sa.Column("project_id", sa.String(255), nullable=False),
    sa.Column("created_at", _TS, nullable=False),
)
