"""What the evals plugin stores, as ``register_storage`` reports it."""

from __future__ import annotations

from spyglass_core.hookspecs import RepositorySpec, StorageSpec
from spyglass_evals.ports import (
    BackfillRepository,
    EvaluationRuleRepository,
    EvaluatorRepository,
    ExecutionRepository,
    LlmConnectionRepository,
)
from spyglass_evals.storage.backfills_memory import MemoryBackfills
from spyglass_evals.storage.backfills_sql import SqlBackfills
from spyglass_evals.storage.evaluators_memory import MemoryEvaluationRules, MemoryEvaluators
from spyglass_evals.storage.evaluators_sql import SqlEvaluationRules, SqlEvaluators
from spyglass_evals.storage.executions_memory import MemoryExecutions
from spyglass_evals.storage.executions_sql import SqlExecutions
from spyglass_evals.storage.memory import MemoryLlmConnections
from spyglass_evals.storage.sql import SqlLlmConnections

__all__ = ("NAMESPACE", "storage_spec")

NAMESPACE = "evals"


def storage_spec() -> StorageSpec:
    """LLM connections, evaluators, evaluation rules and executions in SQL."""
    return StorageSpec(
        namespace=NAMESPACE,
        repositories=(
            RepositorySpec(LlmConnectionRepository, SqlLlmConnections, MemoryLlmConnections),
            RepositorySpec(EvaluatorRepository, SqlEvaluators, MemoryEvaluators),
            RepositorySpec(EvaluationRuleRepository, SqlEvaluationRules, MemoryEvaluationRules),
            RepositorySpec(ExecutionRepository, SqlExecutions, MemoryExecutions),
            RepositorySpec(BackfillRepository, SqlBackfills, MemoryBackfills),
        ),
        sql_migrations="spyglass_evals.storage.migrations",
    )
