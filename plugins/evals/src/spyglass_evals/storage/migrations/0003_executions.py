"""Rule targets, evaluation executions and backfills.

Revision ID: evals_0003
Revises: evals_0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "evals_0003"
down_revision = "evals_0002"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Rules made before targets existed evaluated observations, as Langfuse's do.
    with op.batch_alter_table("evaluation_rules") as batch:
        batch.add_column(
            sa.Column("target", sa.String(32), nullable=False, server_default="observation")
        )
    op.create_table(
        "eval_executions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("rule_id", sa.String(255), nullable=False),
        sa.Column("evaluator", sa.String(255), nullable=False),
        sa.Column("score_name", sa.String(255), nullable=False),
        sa.Column("object_kind", sa.String(32), nullable=False),
        sa.Column("object_id", sa.String(255), nullable=False),
        sa.Column("trace_id", sa.String(255), nullable=True),
        sa.Column("observation_id", sa.String(255), nullable=True),
        sa.Column("session_id", sa.String(255), nullable=True),
        sa.Column("dataset_run_id", sa.String(255), nullable=True),
        sa.Column("backfill_id", sa.String(255), nullable=True),
        sa.Column("context", sa.JSON, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", _TS, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("score_id", sa.String(64), nullable=True),
        sa.Column("score_value", sa.JSON, nullable=True),
        sa.Column("score_comment", sa.Text, nullable=True),
        sa.Column("judge_trace_id", sa.String(64), nullable=True),
        sa.Column("input_tokens", sa.Integer, nullable=True),
        sa.Column("output_tokens", sa.Integer, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_eval_executions"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_eval_executions_project_id_projects",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_eval_executions_status_due_at", "eval_executions", ["status", "due_at"])
    op.create_index("ix_eval_executions_backfill_id", "eval_executions", ["backfill_id"])
    op.create_index(
        "ix_eval_executions_project_id_rule_id_created_at",
        "eval_executions",
        ["project_id", "rule_id", "created_at"],
    )

    op.create_table(
        "eval_backfills",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("rule_id", sa.String(255), nullable=False),
        sa.Column("selection", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("selected", sa.Integer, nullable=False),
        sa.Column("planned", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_eval_backfills"),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name="fk_eval_backfills_project_id_projects",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_eval_backfills_project_id_rule_id", "eval_backfills", ["project_id", "rule_id"]
    )


def downgrade() -> None:
    op.drop_table("eval_backfills")
    op.drop_table("eval_executions")
    with op.batch_alter_table("evaluation_rules") as batch:
        batch.drop_column("target")
