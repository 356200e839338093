"""Public API routes of the evals plugin: Langfuse's LLM connections."""

from __future__ import annotations

import math
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import delete, get, put
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.input_limits import MAX_PAGE
from spyglass_evals.api.schemas import (
    DeleteLlmConnectionResponse,
    LlmConnectionPage,
    LlmConnectionResponse,
    PageMeta,
    UpsertLlmConnectionRequest,
    connection_response,
)
from spyglass_evals.services.llm_connections import LlmConnectionChanges, LlmConnectionService

__all__ = ("ROUTES",)

_Page = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
_Limit = Annotated[int, QueryParameter(ge=1, le=100)]


@get("/llm-connections")
async def list_llm_connections(
    principal: FromDishka[Principal],
    service: FromDishka[LlmConnectionService],
    page: _Page = 1,
    limit: _Limit = 50,
) -> LlmConnectionPage:
    """The project's LLM connections, newest first, secrets masked."""
    connections, total = await service.list_connections(
        principal.project_id, page=page, limit=limit
    )
    return LlmConnectionPage(
        data=[connection_response(c) for c in connections],
        meta=PageMeta(
            page=page, limit=limit, total_items=total, total_pages=math.ceil(total / limit)
        ),
    )


@put("/llm-connections", status_code=HTTP_200_OK)
async def upsert_llm_connection(
    data: JSONBody[UpsertLlmConnectionRequest],
    principal: FromDishka[Principal],
    service: FromDishka[LlmConnectionService],
) -> LlmConnectionResponse:
    """Create the provider's connection, or replace it (same id)."""
    changes = LlmConnectionChanges(
        provider=data.provider,
        adapter=data.adapter,
        secret_key=data.secret_key,
        base_url=data.base_url,
        custom_models=data.custom_models,
        with_default_models=data.with_default_models,
        extra_headers=data.extra_headers,
        config=data.config,
    )
    return connection_response(await service.upsert(principal.project_id, changes))


@delete("/llm-connections/{connection_id:str}", status_code=HTTP_200_OK)
async def delete_llm_connection(
    connection_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[LlmConnectionService],
) -> DeleteLlmConnectionResponse:
    """Remove a connection of the project (404 for another project's)."""
    await service.delete(principal.project_id, connection_id)
    return DeleteLlmConnectionResponse(message="LLM connection deleted")


ROUTES = [list_llm_connections, upsert_llm_connection, delete_llm_connection]
