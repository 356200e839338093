"""Reading executions: a rule's executions with status, error, score and judge cost."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from spyglass_core.domain.errors import DomainError, NotFound
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_evals.domain.executions import Execution, ExecutionStatus, judge_call_ids
from spyglass_evals.ports import EvaluationRuleRepository, ExecutionRepository
from spyglass_evals.services.cross_feature import CrossFeaturePorts
from spyglass_evals.services.evaluators import page_cursor, page_offset

__all__ = ("ExecutionService",)

logger = logging.getLogger(__name__)


class ExecutionService:
    """Lists executions; the cost of each judge call is read from its traced generation."""

    def __init__(self, uow_factory: UnitOfWorkFactory, ports: CrossFeaturePorts) -> None:
        self._uow_factory = uow_factory
        self._ports = ports

    async def list_for_rule(
        self,
        project_id: str,
        rule_id: str,
        *,
        status: ExecutionStatus | None,
        cursor: str | None,
        limit: int,
    ) -> tuple[Sequence[Execution], Mapping[str, float], str | None]:
        """A page of the rule's executions (newest first), the cost of each judge call
        by execution id, and the next cursor.

        Raises:
            NotFound: no such rule in the project.
        """
        offset = page_offset(cursor)
        async with self._uow_factory() as uow:
            if await uow.repository(EvaluationRuleRepository).get(project_id, rule_id) is None:
                raise NotFound("Evaluation rule not found")
            found = await uow.repository(ExecutionRepository).page(
                project_id, rule_id=rule_id, status=status, offset=offset, limit=limit + 1
            )
        page = found[:limit]
        return page, await self._costs(project_id, page), page_cursor(offset, limit, len(found))

    async def _costs(self, project_id: str, page: Sequence[Execution]) -> Mapping[str, float]:
        judged = {judge_call_ids(e.id)[1]: e.id for e in page if e.judge_trace_id}
        if not judged:
            return {}
        try:
            reader = await self._ports.reader()
            generations = await reader.get_observations(project_id, list(judged))
        except DomainError as error:  # the list stays readable without its costs
            logger.warning("judge costs unavailable: %s", error.message)
            return {}
        return {
            judged[g.id]: g.total_cost
            for g in generations
            if g.id in judged and g.total_cost is not None
        }
