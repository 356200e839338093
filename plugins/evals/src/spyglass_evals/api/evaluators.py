"""Public API routes: Langfuse's evaluators and evaluation rules.

Each route is served under ``/api/public/v2/...`` (the v5 SDK's paths) and under
``/api/public/unstable/...``.
"""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import delete, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from spyglass_core.domain.api_keys import Principal
from spyglass_core.services.evaluator_registry import EvaluatorRegistry
from spyglass_evals.api.evaluator_schemas import (
    CursorMeta,
    DeletedResponse,
    EvaluationRulePage,
    EvaluationRuleResponse,
    EvaluatorPage,
    EvaluatorResponse,
    EvaluatorTemplates,
    EvaluatorVersionPage,
    evaluator_response,
    rule_response,
    version_response,
)
from spyglass_evals.catalogue import TEMPLATES
from spyglass_evals.services.evaluation_rules import EvaluationRuleService, RuleChanges, RuleDraft
from spyglass_evals.services.evaluators import EvaluatorChanges, EvaluatorDraft, EvaluatorService

__all__ = ("EVALUATOR_ROUTES",)

_Limit = Annotated[int, QueryParameter(ge=1, le=100)]


def _paths(tail: str) -> list[str]:
    return [f"/v2/{tail}", f"/unstable/{tail}"]


@get(_paths("evaluators"))
async def list_evaluators(
    principal: FromDishka[Principal],
    service: FromDishka[EvaluatorService],
    limit: _Limit = 50,
    cursor: Annotated[str | None, QueryParameter()] = None,
) -> EvaluatorPage:
    """The project's evaluators, newest first, each with its latest version."""
    page, next_cursor = await service.list_evaluators(
        principal.project_id, cursor=cursor, limit=limit
    )
    return EvaluatorPage(
        data=[evaluator_response(e, rules) for e, rules in page],
        meta=CursorMeta(cursor=next_cursor),
    )


@get(_paths("evaluators/templates"))
async def list_evaluator_templates(
    principal: FromDishka[Principal], registry: FromDishka[EvaluatorRegistry]
) -> EvaluatorTemplates:
    """Spyglass extension: the catalogue of judge templates and the installed code
    evaluators (read-only; they run by name, not from source code)."""
    del principal  # authenticated like every public route; the catalogue is global
    return EvaluatorTemplates(
        data=list(TEMPLATES),
        code_evaluators=[
            {
                "name": spec.name,
                "description": spec.description,
                "variables": list(spec.variables),
                "output": spec.output,
                "configSchema": spec.config_schema,
            }
            for spec in registry.values()
        ],
    )


@post(_paths("evaluators"), status_code=HTTP_201_CREATED)
async def create_evaluator(
    data: JSONBody[EvaluatorDraft],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluatorService],
) -> EvaluatorResponse:
    """A new LLM-as-a-judge evaluator at version 1."""
    return evaluator_response(await service.create(principal.project_id, data), ())


@get(_paths("evaluators/{evaluator_id:str}"))
async def get_evaluator(
    evaluator_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluatorService],
) -> EvaluatorResponse:
    """One evaluator with its latest version and rule assignments."""
    return evaluator_response(*await service.get(principal.project_id, evaluator_id))


@patch(_paths("evaluators/{evaluator_id:str}"))
async def update_evaluator(
    evaluator_id: FromPath[str],
    data: JSONBody[EvaluatorChanges],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluatorService],
) -> EvaluatorResponse:
    """Rename or describe; a new prompt (with its output definition) adds a version."""
    await service.update(principal.project_id, evaluator_id, data)
    return evaluator_response(*await service.get(principal.project_id, evaluator_id))


@delete(_paths("evaluators/{evaluator_id:str}"), status_code=HTTP_200_OK)
async def delete_evaluator(
    evaluator_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluatorService],
) -> DeletedResponse:
    """Remove the evaluator, its versions and its rule assignments."""
    await service.delete(principal.project_id, evaluator_id)
    return DeletedResponse(id=evaluator_id)


@get(_paths("evaluators/{evaluator_id:str}/versions"))
async def list_evaluator_versions(
    evaluator_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluatorService],
    limit: _Limit = 50,
    cursor: Annotated[str | None, QueryParameter()] = None,
) -> EvaluatorVersionPage:
    """The evaluator's versions, newest first."""
    versions, next_cursor = await service.versions(
        principal.project_id, evaluator_id, cursor=cursor, limit=limit
    )
    return EvaluatorVersionPage(
        data=[version_response(v) for v in versions], meta=CursorMeta(cursor=next_cursor)
    )


@get(_paths("evaluation-rules"))
async def list_evaluation_rules(
    principal: FromDishka[Principal],
    service: FromDishka[EvaluationRuleService],
    limit: _Limit = 50,
    cursor: Annotated[str | None, QueryParameter()] = None,
) -> EvaluationRulePage:
    """The project's evaluation rules, newest first."""
    rules, next_cursor = await service.list_rules(principal.project_id, cursor=cursor, limit=limit)
    return EvaluationRulePage(
        data=[rule_response(r) for r in rules], meta=CursorMeta(cursor=next_cursor)
    )


@post(_paths("evaluation-rules"), status_code=HTTP_201_CREATED)
async def create_evaluation_rule(
    data: JSONBody[RuleDraft],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluationRuleService],
) -> EvaluationRuleResponse:
    """A new rule over the project's evaluators."""
    return rule_response(await service.create(principal.project_id, data))


@get(_paths("evaluation-rules/{rule_id:str}"))
async def get_evaluation_rule(
    rule_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluationRuleService],
) -> EvaluationRuleResponse:
    """One rule."""
    return rule_response(await service.get(principal.project_id, rule_id))


@patch(_paths("evaluation-rules/{rule_id:str}"))
async def update_evaluation_rule(
    rule_id: FromPath[str],
    data: JSONBody[RuleChanges],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluationRuleService],
) -> EvaluationRuleResponse:
    """Replace the fields given."""
    return rule_response(await service.update(principal.project_id, rule_id, data))


@delete(_paths("evaluation-rules/{rule_id:str}"), status_code=HTTP_200_OK)
async def delete_evaluation_rule(
    rule_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluationRuleService],
) -> DeletedResponse:
    """Remove the rule."""
    await service.delete(principal.project_id, rule_id)
    return DeletedResponse(id=rule_id)


EVALUATOR_ROUTES = [
    list_evaluators,
    list_evaluator_templates,
    create_evaluator,
    get_evaluator,
    update_evaluator,
    delete_evaluator,
    list_evaluator_versions,
    list_evaluation_rules,
    create_evaluation_rule,
    get_evaluation_rule,
    update_evaluation_rule,
    delete_evaluation_rule,
]
