"""Evaluation rules for the web UI: list, create, read, edit, delete, and a rule's
executions. Members write; anyone in the project reads."""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_evals.api.evaluator_schemas import EvaluationRuleResponse, rule_response
from spyglass_evals.api.executions import ExecutionResponse, execution_response
from spyglass_evals.api.internal.schemas import ItemPage
from spyglass_evals.domain.executions import ExecutionStatus
from spyglass_evals.services.evaluation_rules import EvaluationRuleService, RuleChanges, RuleDraft
from spyglass_evals.services.executions import ExecutionService

__all__ = ("RULE_ROUTES",)

_RULES = "/projects/{project_id:str}/evaluation-rules"
_RULE = _RULES + "/{rule_id:str}"
_Limit = Annotated[int, QueryParameter(ge=1, le=100)]


@get(_RULES, opt=requires(Role.VIEWER))
async def list_rules(
    principal: FromDishka[Principal],
    service: FromDishka[EvaluationRuleService],
    cursor: FromQuery[str | None] = None,
    limit: _Limit = 50,
) -> ItemPage[EvaluationRuleResponse]:
    """The project's evaluation rules, newest first."""
    rules, next_cursor = await service.list_rules(principal.project_id, cursor=cursor, limit=limit)
    return ItemPage(items=[rule_response(r) for r in rules], next_cursor=next_cursor)


@post(_RULES, opt=requires(Role.MEMBER), status_code=HTTP_201_CREATED)
async def create_rule(
    data: JSONBody[RuleDraft],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluationRuleService],
) -> EvaluationRuleResponse:
    """A new rule over the project's evaluators."""
    return rule_response(await service.create(principal.project_id, data))


@get(_RULE, opt=requires(Role.VIEWER))
async def get_rule(
    rule_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluationRuleService],
) -> EvaluationRuleResponse:
    """One rule."""
    return rule_response(await service.get(principal.project_id, rule_id))


@patch(_RULE, opt=requires(Role.MEMBER))
async def update_rule(
    rule_id: FromPath[str],
    data: JSONBody[RuleChanges],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluationRuleService],
) -> EvaluationRuleResponse:
    """Replace the fields given (``enabled`` pauses or resumes the rule)."""
    return rule_response(await service.update(principal.project_id, rule_id, data))


@delete(_RULE, opt=requires(Role.MEMBER), status_code=HTTP_204_NO_CONTENT)
async def delete_rule(
    rule_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluationRuleService],
) -> None:
    """Remove the rule (the scores it wrote stay)."""
    await service.delete(principal.project_id, rule_id)


@get(_RULE + "/executions", opt=requires(Role.VIEWER))
async def list_executions(
    rule_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[ExecutionService],
    status: Annotated[ExecutionStatus | None, QueryParameter()] = None,
    cursor: FromQuery[str | None] = None,
    limit: _Limit = 50,
) -> ItemPage[ExecutionResponse]:
    """The rule's executions, newest first, optionally of one status, with their cost."""
    page, costs, next_cursor = await service.list_for_rule(
        principal.project_id, rule_id, status=status, cursor=cursor, limit=limit
    )
    return ItemPage(
        items=[execution_response(e, costs.get(e.id)) for e in page], next_cursor=next_cursor
    )


RULE_ROUTES = [list_rules, create_rule, get_rule, update_rule, delete_rule, list_executions]
