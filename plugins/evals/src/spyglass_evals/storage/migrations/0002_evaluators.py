"""Evaluators, their versions, and evaluation rules.

Revision ID: evals_0002
Revises: evals_0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "evals_0002"
down_revision = "evals_0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "evaluators",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("latest_version", sa.Integer, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", "project_id", name="pk_evaluators"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_evaluators_project_id_projects",
            ondelete="CASCADE",
        ),
    )
    op.create_table(
        "evaluator_versions",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("evaluator_id", sa.String(255), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("messages", sa.JSON, nullable=False),
        sa.Column("variables", sa.JSON, nullable=False),
        sa.Column("variable_mapping", sa.JSON, nullable=True),
        sa.Column("model_config", sa.JSON, nullable=True),
        sa.Column("output_definition", sa.JSON, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", "project_id", name="pk_evaluator_versions"),
        sa.ForeignKeyConstraint(
            ["evaluator_id", "project_id"],
            ["evaluators.id", "evaluators.project_id"],
            name="fk_evaluator_versions_evaluator_id_evaluators",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "project_id",
            "evaluator_id",
            "version",
            name="uq_evaluator_versions_project_id_evaluator_id_version",
        ),
    )
    op.create_table(
        "evaluation_rules",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("paused_reason", sa.Text, nullable=True),
        sa.Column("sampling", sa.Float, nullable=False),
        sa.Column("delay_seconds", sa.Integer, nullable=False),
        sa.Column("filters", sa.JSON, nullable=False),
        sa.Column("assignments", sa.JSON, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", "project_id", name="pk_evaluation_rules"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_evaluation_rules_project_id_projects",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("evaluation_rules")
    op.drop_table("evaluator_versions")
    op.drop_table("evaluators")
