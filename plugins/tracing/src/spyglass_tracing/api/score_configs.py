"""``/score-configs``: the schema a project gives its scores (type, range, categories)."""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.input_limits import MAX_PAGE
from spyglass_tracing.admin_schemas import (
    CategoryBody,
    CreateScoreConfigRequest,
    ScoreConfigPage,
    ScoreConfigResponse,
    UpdateScoreConfigRequest,
)
from spyglass_tracing.domain.scoring import ScoreConfig
from spyglass_tracing.services.score_configs import ScoreConfigService
from spyglass_tracing.views.wire import page_meta

__all__ = ("SCORE_CONFIG_ROUTES", "score_config_response")

MAX_LIMIT = 100


def score_config_response(config: ScoreConfig) -> ScoreConfigResponse:
    """The wire form of a config."""
    return ScoreConfigResponse(
        id=config.id,
        name=config.name,
        data_type=config.data_type.value,
        is_archived=config.is_archived,
        min_value=config.min_value,
        max_value=config.max_value,
        categories=None
        if config.categories is None
        else [CategoryBody(label=c.label, value=c.value) for c in config.categories],
        description=config.description,
        created_at=config.created_at,
        updated_at=config.updated_at,
        project_id=config.project_id,
    )


@get("/score-configs")
async def list_score_configs(
    principal: FromDishka[Principal],
    service: FromDishka[ScoreConfigService],
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 50,
) -> ScoreConfigPage:
    """The project's configs, newest first."""
    configs, total = await service.list(principal.project_id, page=page, limit=limit)
    return ScoreConfigPage(
        data=[score_config_response(config) for config in configs],
        meta=page_meta(page, limit, total),
    )


@post("/score-configs", status_code=HTTP_200_OK)
async def create_score_config(
    data: JSONBody[CreateScoreConfigRequest],
    principal: FromDishka[Principal],
    service: FromDishka[ScoreConfigService],
) -> ScoreConfigResponse:
    """Create a config."""
    return score_config_response(await service.create(principal.project_id, data))


@get("/score-configs/{config_id:str}")
async def get_score_config(
    config_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[ScoreConfigService],
) -> ScoreConfigResponse:
    """One config of the project."""
    return score_config_response(await service.get(principal.project_id, config_id))


@patch("/score-configs/{config_id:str}")
async def update_score_config(
    config_id: FromPath[str],
    data: JSONBody[UpdateScoreConfigRequest],
    principal: FromDishka[Principal],
    service: FromDishka[ScoreConfigService],
) -> ScoreConfigResponse:
    """Change the name, description, range or categories, or archive the config."""
    return score_config_response(await service.update(principal.project_id, config_id, data))


SCORE_CONFIG_ROUTES = [
    list_score_configs,
    create_score_config,
    get_score_config,
    update_score_config,
]
