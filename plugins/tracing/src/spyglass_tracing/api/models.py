"""``/models``: a project's model prices next to the platform's (Langfuse-managed) ones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import delete, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.input_limits import MAX_PAGE
from spyglass_tracing.admin_schemas import (
    CreateModelRequest,
    ModelPage,
    ModelPriceBody,
    ModelResponse,
    PricingTierBody,
    PricingTierConditionBody,
)
from spyglass_tracing.api.pages import MessageResponse
from spyglass_tracing.domain.models import Model
from spyglass_tracing.services.models import ModelService
from spyglass_tracing.views.wire import page_meta

__all__ = ("MODEL_ROUTES", "model_response")

MAX_LIMIT = 100
_MANAGED_CREATED_AT = datetime(1970, 1, 1, tzinfo=UTC)
"""``createdAt`` of managed models, which carry no timestamp (the SDK requires one)."""


def model_response(model: Model) -> ModelResponse:
    """The wire form: flat prices and ``prices`` from the default tier, null when absent."""
    default = model.default_tier
    prices = default.prices if default is not None else {}
    return ModelResponse(
        id=model.id,
        model_name=model.model_name,
        match_pattern=model.match_pattern,
        start_date=model.start_date,
        unit=model.unit,
        input_price=prices.get("input"),
        output_price=prices.get("output"),
        total_price=prices.get("total"),
        tokenizer_id=model.tokenizer_id,
        tokenizer_config=model.tokenizer_config,
        is_langfuse_managed=model.is_managed,
        created_at=model.created_at or model.updated_at or _MANAGED_CREATED_AT,
        prices={usage: ModelPriceBody(price=price) for usage, price in prices.items()},
        pricing_tiers=[
            PricingTierBody(
                id=tier.id,
                name=tier.name,
                is_default=tier.is_default,
                priority=tier.priority,
                conditions=[
                    PricingTierConditionBody(
                        usage_detail_pattern=condition.usage_detail_pattern,
                        operator=condition.operator,
                        value=condition.value,
                        case_sensitive=condition.case_sensitive,
                    )
                    for condition in tier.conditions
                ],
                prices=dict(tier.prices),
            )
            for tier in model.pricing_tiers
        ],
    )


@get("/models")
async def list_models(
    principal: FromDishka[Principal],
    service: FromDishka[ModelService],
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 50,
) -> ModelPage:
    """The project's models, then the managed ones."""
    models, total = await service.list(principal.project_id, page=page, limit=limit)
    return ModelPage(
        data=[model_response(model) for model in models],
        meta=page_meta(page, limit, total),
    )


@post("/models", status_code=HTTP_200_OK)
async def create_model(
    data: JSONBody[CreateModelRequest],
    principal: FromDishka[Principal],
    service: FromDishka[ModelService],
) -> ModelResponse:
    """Create a model with flat prices or pricing tiers."""
    return model_response(await service.create(principal.project_id, data))


@get("/models/{model_id:str}")
async def get_model(
    model_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[ModelService],
) -> ModelResponse:
    """One of the project's models or a managed one."""
    return model_response(await service.get(principal.project_id, model_id))


@delete("/models/{model_id:str}", status_code=HTTP_200_OK)
async def delete_model(
    model_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[ModelService],
) -> MessageResponse:
    """Delete one of the project's models; managed ones answer 404."""
    await service.delete(principal.project_id, model_id)
    return MessageResponse(message="Model successfully deleted")


MODEL_ROUTES = [list_models, create_model, get_model, delete_model]
