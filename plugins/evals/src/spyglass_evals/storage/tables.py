"""The evals plugin's tables (SQLAlchemy Core); its migrations create them."""

from __future__ import annotations

import sqlalchemy as sa

from spyglass_adapters.sql.spi import new_metadata

__all__ = (
    "backfills",
    "evaluation_rules",
    "evaluator_versions",
    "evaluators",
    "executions",
    "llm_connections",
    "metadata",
)

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

# LLM-as-a-judge evaluators; ``latest_version`` points into ``evaluator_versions``.
evaluators = sa.Table(
    "evaluators",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column(
        "project_id",
        sa.String(255),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("latest_version", sa.Integer, nullable=False),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
)

# Append-only: a definition change adds a row, none is ever updated.
evaluator_versions = sa.Table(
    "evaluator_versions",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("project_id", sa.String(255), primary_key=True),
    sa.Column("evaluator_id", sa.String(255), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("messages", sa.JSON, nullable=False),
    sa.Column("variables", sa.JSON, nullable=False),
    sa.Column("variable_mapping", sa.JSON, nullable=True),
    sa.Column("model_config", sa.JSON, nullable=True),
    sa.Column("output_definition", sa.JSON, nullable=False),
    sa.Column("created_at", _TS, nullable=False),
    sa.ForeignKeyConstraint(
        ["evaluator_id", "project_id"],
        ["evaluators.id", "evaluators.project_id"],
        ondelete="CASCADE",
    ),
    sa.UniqueConstraint(
        "project_id",
        "evaluator_id",
        "version",
        name="uq_evaluator_versions_project_id_evaluator_id_version",
    ),
)

# Assignments (evaluator id + the rule's variable mapping) are JSON: a rule always runs
# its evaluators' latest versions, so nothing else about them is stored.
evaluation_rules = sa.Table(
    "evaluation_rules",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column(
        "project_id",
        sa.String(255),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("paused_reason", sa.Text, nullable=True),
    sa.Column("sampling", sa.Float, nullable=False),
    sa.Column("delay_seconds", sa.Integer, nullable=False),
    sa.Column("filters", sa.JSON, nullable=False),
    sa.Column("assignments", sa.JSON, nullable=False),
    sa.Column("target", sa.String(32), nullable=False, server_default="observation"),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
)

# One row per (rule, evaluator, object): the id is derived from them, so a replayed event
# inserts nothing new. Workers claim due rows by writing a lease (owner and expiry); a
# worker that died leaves a lease that expires, and the row is claimed again.
executions = sa.Table(
    "eval_executions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column(
        "project_id",
        sa.String(255),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    ),
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
    sa.Index("ix_eval_executions_status_due_at", "status", "due_at"),
    sa.Index("ix_eval_executions_backfill_id", "backfill_id"),
    sa.Index(
        "ix_eval_executions_project_id_rule_id_created_at", "project_id", "rule_id", "created_at"
    ),
)

# A backfill runs a rule over past data: ``selection`` says which (a trace filter or a
# dataset run); its executions carry its id, so progress is counted from them.
backfills = sa.Table(
    "eval_backfills",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column(
        "project_id",
        sa.String(255),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("rule_id", sa.String(255), nullable=False),
    sa.Column("selection", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("selected", sa.Integer, nullable=False),
    sa.Column("planned", sa.Integer, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("updated_at", _TS, nullable=False),
    sa.Index("ix_eval_backfills_project_id_rule_id", "project_id", "rule_id"),
)
