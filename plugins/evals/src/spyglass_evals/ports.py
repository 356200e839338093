"""The evals plugin's repository ports; their adapters live in ``spyglass_evals.storage``.

They follow the repository contract of ``spyglass_core.ports.repositories`` and are
reached inside a unit of work with ``uow.repository(LlmConnectionRepository)``. Every
method is scoped to one project.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from spyglass_evals.domain.evaluators import EvaluationRule, Evaluator, EvaluatorVersion
from spyglass_evals.domain.executions import Backfill, Execution, ExecutionStatus
from spyglass_evals.domain.llm_connections import LlmConnection

__all__ = (
    "BackfillRepository",
    "EvaluationRuleRepository",
    "EvaluatorRepository",
    "ExecutionRepository",
    "LlmConnectionRepository",
)


class LlmConnectionRepository(Protocol):
    """LLM connections, unique by (project, provider)."""

    async def add(self, connection: LlmConnection) -> None:
        """Store a new connection.

        Raises: Conflict when the project has a connection with this id or provider.
        """

    async def update(self, connection: LlmConnection) -> None:
        """Replace the stored connection with this id (its provider and creation time stay)."""

    async def get(self, project_id: str, connection_id: str) -> LlmConnection | None:
        """The connection with this id, or None."""

    async def get_by_provider(self, project_id: str, provider: str) -> LlmConnection | None:
        """The connection of this provider, or None."""

    async def page(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[LlmConnection], int]:
        """A page of the project's connections, newest first (ties by id), and their total."""

    async def delete(self, project_id: str, connection_id: str) -> bool:
        """Remove the connection; False when there was none."""


class EvaluatorRepository(Protocol):
    """LLM-as-a-judge evaluators and their append-only versions."""

    async def add(self, evaluator: Evaluator) -> None:
        """Store a new evaluator with its first version (``evaluator.latest``).

        Raises: Conflict when the project has an evaluator with this id.
        """

    async def update(self, evaluator: Evaluator) -> None:
        """Replace the name, description and update time of the stored evaluator, and
        append ``evaluator.latest`` unless that version is stored already."""

    async def get(self, project_id: str, evaluator_id: str) -> Evaluator | None:
        """The evaluator with its latest version, or None."""

    async def page(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> Sequence[Evaluator]:
        """A page of the project's evaluators, newest first (ties by id)."""

    async def versions(
        self, project_id: str, evaluator_id: str, *, offset: int = 0, limit: int = 50
    ) -> Sequence[EvaluatorVersion]:
        """A page of an evaluator's versions, newest first."""

    async def delete(self, project_id: str, evaluator_id: str) -> bool:
        """Remove the evaluator and all its versions; False when there was none."""


class EvaluationRuleRepository(Protocol):
    """Evaluation rules of a project."""

    async def add(self, rule: EvaluationRule) -> None:
        """Store a new rule.

        Raises: Conflict when the project has a rule with this id.
        """

    async def update(self, rule: EvaluationRule) -> None:
        """Replace the stored rule with this id (its creation time stays)."""

    async def get(self, project_id: str, rule_id: str) -> EvaluationRule | None:
        """The rule with this id, or None."""

    async def page(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> Sequence[EvaluationRule]:
        """A page of the project's rules, newest first (ties by id)."""

    async def active(self, project_id: str | None = None) -> Sequence[EvaluationRule]:
        """The active rules of a project (of every project when None)."""

    async def using(
        self, project_id: str, evaluator_ids: Collection[str]
    ) -> Sequence[EvaluationRule]:
        """The project's rules that assign any of these evaluators, newest first."""

    async def delete(self, project_id: str, rule_id: str) -> bool:
        """Remove the rule; False when there was none."""


class ExecutionRepository(Protocol):
    """Evaluation executions, unique by id (derived from rule, evaluator and object).

    ``claim`` is the only cross-project method: workers take due executions of every
    project, oldest due first.
    """

    async def add_new(self, executions: Sequence[Execution]) -> int:
        """Store the executions whose id is not stored yet; how many were new."""

    async def claim(
        self, *, now: datetime, owner: str, lease_until: datetime, limit: int
    ) -> Sequence[Execution]:
        """Lease at most ``limit`` runnable executions to ``owner``: pending ones due by
        ``now``, and running ones whose lease expired (their worker died). They are
        returned RUNNING; another claimer never gets the same row."""

    async def renew(self, owner: str, ids: Sequence[str], lease_until: datetime) -> None:
        """Extend the leases ``owner`` holds on these executions (still running)."""

    async def update(self, execution: Execution) -> None:
        """Replace the stored execution (same id)."""

    async def get(self, project_id: str, execution_id: str) -> Execution | None:
        """The execution, or None."""

    async def page(
        self,
        project_id: str,
        *,
        rule_id: str | None = None,
        status: ExecutionStatus | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Sequence[Execution]:
        """Executions newest first (ties by id), optionally of one rule and status."""

    async def cancel_pending(
        self, project_id: str, rule_id: str, *, reason: str, now: datetime
    ) -> int:
        """Cancel the rule's pending executions with ``reason``; how many."""

    async def status_counts(
        self, project_id: str, backfill_id: str
    ) -> Mapping[ExecutionStatus, int]:
        """How many of the backfill's executions are in each status (absent: none)."""


class BackfillRepository(Protocol):
    """Backfills by (project, id)."""

    async def add(self, backfill: Backfill) -> None:
        """Store a new backfill."""

    async def update(self, backfill: Backfill) -> None:
        """Replace the stored backfill (same id)."""

    async def get(self, project_id: str, backfill_id: str) -> Backfill | None:
        """The backfill, or None."""

    async def of_rule(self, project_id: str, rule_id: str, *, limit: int) -> Sequence[Backfill]:
        """The rule's backfills, newest first."""

    async def planning(self) -> Sequence[Backfill]:
        """Backfills of every project still selecting (their process stopped midway)."""
