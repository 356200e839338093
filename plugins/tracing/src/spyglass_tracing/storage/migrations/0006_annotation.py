"""Comments, annotation queues, their items and assignments.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "comments",
        sa.Column("id", sa.String(255)),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("object_type", sa.String(16), nullable=False),
        sa.Column("object_id", sa.String(800), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("author_user_id", sa.String(255), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_comments"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_comments_project_id_projects",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_comments_object", "comments", ["project_id", "object_type", "object_id", "created_at"]
    )
    op.create_index("ix_comments_project_id_created_at", "comments", ["project_id", "created_at"])
    op.create_table(
        "annotation_queues",
        sa.Column("id", sa.String(255)),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("score_config_ids", sa.JSON, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_annotation_queues"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_annotation_queues_project_id_projects",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("project_id", "name", name="uq_annotation_queues_project_id_name"),
    )
    op.create_index(
        "ix_annotation_queues_project_id_created_at",
        "annotation_queues",
        ["project_id", "created_at"],
    )
    op.create_table(
        "annotation_queue_items",
        sa.Column("id", sa.String(255)),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("queue_id", sa.String(255), nullable=False),
        sa.Column("object_id", sa.String(800), nullable=False),
        sa.Column("object_type", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("completed_at", _TS, nullable=True),
        sa.Column("annotator_user_id", sa.String(255), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_annotation_queue_items"),
        sa.ForeignKeyConstraint(
            ["queue_id"],
            ["annotation_queues.id"],
            name="fk_annotation_queue_items_queue_id_annotation_queues",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "queue_id", "object_type", "object_id", name="uq_annotation_queue_items_queue_id"
        ),
    )
    op.create_index(
        "ix_annotation_queue_items_order",
        "annotation_queue_items",
        ["queue_id", "status", "created_at", "id"],
    )
    op.create_index(
        "ix_annotation_queue_items_queue_created",
        "annotation_queue_items",
        ["queue_id", "created_at", "id"],
    )
    op.create_table(
        "annotation_queue_assignments",
        sa.Column("queue_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("queue_id", "user_id", name="pk_annotation_queue_assignments"),
        sa.ForeignKeyConstraint(
            ["queue_id"],
            ["annotation_queues.id"],
            name="fk_annotation_queue_assignments_queue_id_annotation_queues",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("annotation_queue_assignments")
    op.drop_table("annotation_queue_items")
    op.drop_table("annotation_queues")
    op.drop_table("comments")
