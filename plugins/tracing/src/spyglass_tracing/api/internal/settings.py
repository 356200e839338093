"""Project settings in the web UI: score configs and model prices.

Reads are for viewers and list everything (a project has tens of configs and models, not
thousands), writes for admins. Creating goes through the services and checks
of the public ``POST /score-configs`` and ``POST /models``, and the answers reuse their
shapes (``ScoreConfigResponse``, ``ModelResponse``).
"""

from __future__ import annotations

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import delete, get, patch, post
from litestar.params import FromPath, JSONBody
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


class UpdateScoreConfigSettings(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Archive or unarchive a config, or change its description (null clears it)."""

    is_archived: bool | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType | None = msgspec.UNSET


@get("/projects/{project_id:str}/score-configs", opt=requires(Role.VIEWER))
async def score_config_settings(
    principal: FromDishka[Principal], settings: FromDishka[ProjectSettings]
) -> list[ScoreConfigResponse]:
    """Every score config of the project, archived ones included, newest first."""
    configs = await settings.score_configs(principal.project_id)
    return [score_config_response(config) for config in configs]


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
    principal: FromDishka[Principal], settings: FromDishka[ProjectSettings]
) -> list[ModelResponse]:
    """Every model of the project (by name), then every managed one
    (``isLangfuseManaged``), with their prices."""
    return [model_response(model) for model in await settings.models(principal.project_id)]


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
