"""The prompts plugin's tables (SQLAlchemy Core); its migrations create them."""

from __future__ import annotations

import sqlalchemy as sa

from spyglass_adapters.sql.spi import new_metadata

__all__ = ("metadata", "prompt_dependencies", "prompt_labels", "prompt_tags", "prompts")

metadata = new_metadata()

_TS = sa.DateTime(timezone=True)

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
