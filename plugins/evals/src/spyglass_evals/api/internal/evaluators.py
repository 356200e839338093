"""Evaluators for the web UI: list, the template catalogue, create, read, edit (a new
version), delete, and the version history. Members write; anyone in the project reads."""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_core.services.evaluator_registry import EvaluatorRegistry
from spyglass_evals.api.evaluator_schemas import (
    EvaluatorResponse,
    EvaluatorTemplates,
    EvaluatorVersionResponse,
    evaluator_response,
    version_response,
)
from spyglass_evals.api.internal.schemas import ItemPage
from spyglass_evals.catalogue import TEMPLATES
from spyglass_evals.services.evaluators import EvaluatorChanges, EvaluatorDraft, EvaluatorService

__all__ = ("EVALUATOR_ROUTES",)

_EVALUATORS = "/projects/{project_id:str}/evaluators"
_EVALUATOR = _EVALUATORS + "/{evaluator_id:str}"
_Limit = Annotated[int, QueryParameter(ge=1, le=100)]


@get(_EVALUATORS, opt=requires(Role.VIEWER))
async def list_evaluators(
    principal: FromDishka[Principal],
    service: FromDishka[EvaluatorService],
    cursor: FromQuery[str | None] = None,
    limit: _Limit = 50,
) -> ItemPage[EvaluatorResponse]:
    """The project's evaluators, newest first, each with its latest version."""
    page, next_cursor = await service.list_evaluators(
        principal.project_id, cursor=cursor, limit=limit
    )
    return ItemPage(
        items=[evaluator_response(e, rules) for e, rules in page], next_cursor=next_cursor
    )


@get("/projects/{project_id:str}/evaluator-templates", opt=requires(Role.VIEWER))
async def list_templates(
    principal: FromDishka[Principal], registry: FromDishka[EvaluatorRegistry]
) -> EvaluatorTemplates:
    """The judge template catalogue and the installed code evaluators."""
    del principal  # the catalogue is global; the route is still project-scoped for roles
    return EvaluatorTemplates(
        data=list(TEMPLATES),
        code_evaluators=[
            {
                "name": spec.name,
                "description": spec.description,
                "variables": list(spec.variables),
                "output": spec.output,
            }
            for spec in registry.values()
        ],
    )


@post(_EVALUATORS, opt=requires(Role.MEMBER), status_code=HTTP_201_CREATED)
async def create_evaluator(
    data: JSONBody[EvaluatorDraft],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluatorService],
) -> EvaluatorResponse:
    """A new LLM-as-a-judge evaluator at version 1."""
    return evaluator_response(await service.create(principal.project_id, data), ())


@get(_EVALUATOR, opt=requires(Role.VIEWER))
async def get_evaluator(
    evaluator_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluatorService],
) -> EvaluatorResponse:
    """One evaluator with its latest version and the rules that assign it."""
    return evaluator_response(*await service.get(principal.project_id, evaluator_id))


@patch(_EVALUATOR, opt=requires(Role.MEMBER))
async def update_evaluator(
    evaluator_id: FromPath[str],
    data: JSONBody[EvaluatorChanges],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluatorService],
) -> EvaluatorResponse:
    """Rename or describe; a new prompt (with its output definition) adds a version."""
    await service.update(principal.project_id, evaluator_id, data)
    return evaluator_response(*await service.get(principal.project_id, evaluator_id))


@delete(_EVALUATOR, opt=requires(Role.MEMBER), status_code=HTTP_204_NO_CONTENT)
async def delete_evaluator(
    evaluator_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluatorService],
) -> None:
    """Remove the evaluator, its versions and its rule assignments."""
    await service.delete(principal.project_id, evaluator_id)


@get(_EVALUATOR + "/versions", opt=requires(Role.VIEWER))
async def list_versions(
    evaluator_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[EvaluatorService],
    cursor: FromQuery[str | None] = None,
    limit: _Limit = 50,
) -> ItemPage[EvaluatorVersionResponse]:
    """The evaluator's versions, newest first."""
    versions, next_cursor = await service.versions(
        principal.project_id, evaluator_id, cursor=cursor, limit=limit
    )
    return ItemPage(items=[version_response(v) for v in versions], next_cursor=next_cursor)


EVALUATOR_ROUTES = [
    list_evaluators,
    list_templates,
    create_evaluator,
    get_evaluator,
    update_evaluator,
    delete_evaluator,
    list_versions,
]
