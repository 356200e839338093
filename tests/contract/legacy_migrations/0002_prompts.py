"""Prompts: versions, labels (one version per label), tags per name, dependencies.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "prompts",
        sa.Column("id", sa.String(255)),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("prompt", sa.JSON, nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("commit_message", sa.Text, nullable=True),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_prompts"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_prompts_project_id_projects",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "project_id", "name", "version", name="uq_prompts_project_id_name_version"
        ),
    )
    op.create_table(
        "prompt_labels",
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("label", sa.String(255), nullable=False),
        sa.Column("prompt_id", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "name", "label", name="pk_prompt_labels"),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["prompts.id"],
            name="fk_prompt_labels_prompt_id_prompts",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_prompt_labels_prompt_id", "prompt_labels", ["prompt_id"])
    op.create_table(
        "prompt_tags",
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("tag", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "name", "tag", name="pk_prompt_tags"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_prompt_tags_project_id_projects",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "prompt_dependencies",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("parent_id", sa.String(255), nullable=False),
        sa.Column("child_name", sa.String(255), nullable=False),
        sa.Column("child_version", sa.Integer, nullable=True),
        sa.Column("child_label", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_prompt_dependencies"),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["prompts.id"],
            name="fk_prompt_dependencies_parent_id_prompts",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_prompt_dependencies_parent_id", "prompt_dependencies", ["parent_id"])
    op.create_index(
        "ix_prompt_dependencies_project_id_child_name",
        "prompt_dependencies",
        ["project_id", "child_name"],
    )


def downgrade() -> None:
    op.drop_index("ix_prompt_dependencies_project_id_child_name", table_name="prompt_dependencies")
    op.drop_index("ix_prompt_dependencies_parent_id", table_name="prompt_dependencies")
    op.drop_table("prompt_dependencies")
    op.drop_table("prompt_tags")
    op.drop_index("ix_prompt_labels_prompt_id", table_name="prompt_labels")
    op.drop_table("prompt_labels")
    op.drop_table("prompts")
