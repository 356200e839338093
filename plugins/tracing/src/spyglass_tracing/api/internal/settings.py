"""Project settings in the web UI: score configs and model prices.

Reads are for viewers, writes for admins. Creating goes through the services and checks
of the public ``POST /score-configs`` and ``POST /models``, and the answers reuse their
shapes (``ScoreConfigResponse``, ``ModelResponse``).
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import delete, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_tracing.admin_schemas import (
    CreateModelRequest,
    CreateScoreConfigRequest,
    ModelResponse,
    ScoreConfigResponse,
)
from spyglass_tracing.api.models import model_response
from spyglass_tracing.api.score_configs import score_config_response
from spyglass_tracing.services.models import ModelService
from spyglass_tracing.services.project_settings import ProjectSettings
from spyglass_tracing.services.score_configs import ScoreConfigService

__all__ = ("SETTINGS_ROUTES",)

MAX_SETTINGS_PER_PAGE = 1000
_CURSOR = QueryParameter(max_length=512)


class ScoreConfigList(msgspec.Struct, kw_only=True, rename="camel"):
    """A page of score configs, archived ones included, newest first."""

    items: list[ScoreConfigResponse]
    next_cursor: str | None


class ModelList(msgspec.Struct, kw_only=True, rename="camel"):
    """A page of models: the project's own (by name), then the managed ones."""

    items: list[ModelResponse]
    next_cursor: str | None


class UpdateScoreConfigSettings(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Archive or unarchive a config, or change its description (null clears it)."""

    is_archived: bool | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType | None = msgspec.UNSET


@get("/projects/{project_id:str}/score-configs", opt=requires(Role.VIEWER))
async def score_config_settings(
    principal: FromDishka[Principal],
    settings: FromDishka[ProjectSettings],
    cursor: Annotated[str | None, _CURSOR] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_SETTINGS_PER_PAGE)] = 100,
) -> ScoreConfigList:
    """The project's score configs, archived ones included, newest first."""
    configs, next_cursor = await settings.score_configs(
        principal.project_id, cursor=cursor, limit=limit
    )
    return ScoreConfigList(
        items=[score_config_response(config) for config in configs], next_cursor=next_cursor
    )


@post(
    "/projects/{project_id:str}/score-configs",
    opt=requires(Role.ADMIN),
    status_code=HTTP_201_CREATED,
)
async def create_score_config_setting(
    data: JSONBody[CreateScoreConfigRequest],
    principal: FromDishka[Principal],
    service: FromDishka[ScoreConfigService],
) -> ScoreConfigResponse:
    """Create a score config (the public ``POST /score-configs`` rules; 400 when broken)."""
    return score_config_response(await service.create(principal.project_id, data))


@patch("/projects/{project_id:str}/score-configs/{config_id:str}", opt=requires(Role.ADMIN))
async def update_score_config_setting(
    config_id: FromPath[str],
    data: JSONBody[UpdateScoreConfigSettings],
    principal: FromDishka[Principal],
    settings: FromDishka[ProjectSettings],
) -> ScoreConfigResponse:
    """Archive, unarchive or describe a score config; 404 when absent."""
    config = await settings.update_score_config(
        principal.project_id,
        config_id,
        is_archived=data.is_archived,
        description=data.description,
    )
    return score_config_response(config)


@get("/projects/{project_id:str}/models", opt=requires(Role.VIEWER))
async def model_settings(
    principal: FromDishka[Principal],
    settings: FromDishka[ProjectSettings],
    cursor: Annotated[str | None, _CURSOR] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_SETTINGS_PER_PAGE)] = 100,
) -> ModelList:
    """The project's models, then the managed ones (``isLangfuseManaged``), with prices."""
    models, next_cursor = await settings.models(principal.project_id, cursor=cursor, limit=limit)
    return ModelList(items=[model_response(model) for model in models], next_cursor=next_cursor)


@post("/projects/{project_id:str}/models", opt=requires(Role.ADMIN), status_code=HTTP_201_CREATED)
async def create_model_setting(
    data: JSONBody[CreateModelRequest],
    principal: FromDishka[Principal],
    service: FromDishka[ModelService],
) -> ModelResponse:
    """Create a model with flat prices or pricing tiers (the public ``POST /models`` rules;
    400 when broken, 409 when the project has one of this name, start date and unit)."""
    return model_response(await service.create(principal.project_id, data))


@delete(
    "/projects/{project_id:str}/models/{model_id:str}",
    opt=requires(Role.ADMIN),
    status_code=HTTP_204_NO_CONTENT,
)
async def delete_model_setting(
    model_id: FromPath[str],
    principal: FromDishka[Principal],
    settings: FromDishka[ProjectSettings],
) -> None:
    """Delete one of the project's models; 403 for a managed one, 404 when absent."""
    await settings.delete_model(principal.project_id, model_id)


SETTINGS_ROUTES = [
    score_config_settings,
    create_score_config_setting,
    update_score_config_setting,
    model_settings,
    create_model_setting,
    delete_model_setting,
]
