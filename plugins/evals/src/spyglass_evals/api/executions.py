"""Public API: a rule's executions (Spyglass extension under Langfuse's rule paths)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import get
from litestar.params import FromPath, QueryParameter

from spyglass_core.domain.api_keys import Principal
from spyglass_evals.api.evaluator_schemas import CursorMeta
from spyglass_evals.domain.executions import Execution, ExecutionStatus
from spyglass_evals.services.executions import ExecutionService

__all__ = ("EXECUTION_ROUTES", "ExecutionPage", "ExecutionResponse")


class ExecutionResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One execution: what was evaluated, how it ended, its score and its judge's cost."""

    id: str
    rule_id: str
    evaluator: str
    score_name: str
    object_kind: str
    object_id: str
    trace_id: str | None
    observation_id: str | None
    session_id: str | None
    dataset_run_id: str | None
    status: str
    attempts: int
    error: str | None
    score_id: str | None
    score_value: float | bool | str | None
    score_comment: str | None
    judge_trace_id: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost: float | None
    due_at: datetime
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class ExecutionPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of executions and the next cursor."""

    data: list[ExecutionResponse]
    meta: CursorMeta


def execution_response(execution: Execution, cost: float | None) -> ExecutionResponse:
    """The wire shape of an execution."""
    fields: dict[str, Any] = {
        name: getattr(execution, name)
        for name in ExecutionResponse.__struct_fields__
        if name not in ("cost", "status", "object_kind")
    }
    return ExecutionResponse(
        **fields,
        status=execution.status.value,
        object_kind=execution.object_kind.value,
        cost=cost,
    )


@get(
    [
        "/v2/evaluation-rules/{rule_id:str}/executions",
        "/unstable/evaluation-rules/{rule_id:str}/executions",
    ]
)
async def list_rule_executions(
    rule_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[ExecutionService],
    status: Annotated[ExecutionStatus | None, QueryParameter()] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, QueryParameter()] = None,
) -> ExecutionPage:
    """The rule's executions, newest first, optionally of one status."""
    page, costs, next_cursor = await service.list_for_rule(
        principal.project_id, rule_id, status=status, cursor=cursor, limit=limit
    )
    return ExecutionPage(
        data=[execution_response(e, costs.get(e.id)) for e in page],
        meta=CursorMeta(cursor=next_cursor),
    )


EXECUTION_ROUTES = [list_rule_executions]
