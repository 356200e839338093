"""LLM connections in the project settings: listed by anyone in the project, added,
replaced and deleted by admins. The key is write-only: answers carry its masked form."""

from __future__ import annotations

import math
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import delete, get, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.cursors import decode_cursor, encode_cursor
from spyglass_core.domain.errors import InvalidInput
from spyglass_evals.api.internal.schemas import ItemPage
from spyglass_evals.api.schemas import (
    LlmConnectionResponse,
    UpsertLlmConnectionRequest,
    connection_response,
)
from spyglass_evals.services.llm_connections import LlmConnectionChanges, LlmConnectionService

__all__ = ("CONNECTION_ROUTES",)

_CONNECTIONS = "/projects/{project_id:str}/llm-connections"
_PAGE = 100


@get(_CONNECTIONS, opt=requires(Role.VIEWER))
async def list_connections(
    principal: FromDishka[Principal],
    service: FromDishka[LlmConnectionService],
    cursor: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=_PAGE)] = _PAGE,
) -> ItemPage[LlmConnectionResponse]:
    """The project's connections, newest first, keys masked."""
    page = decode_cursor(cursor, int) if cursor else 1
    if page < 1:
        raise InvalidInput("Invalid cursor", details="cursor is malformed")
    connections, total = await service.list_connections(
        principal.project_id, page=page, limit=limit
    )
    more = page < math.ceil(total / limit)
    return ItemPage(
        items=[connection_response(c) for c in connections],
        next_cursor=encode_cursor(page + 1) if more else None,
    )


@put(_CONNECTIONS, opt=requires(Role.ADMIN), status_code=HTTP_200_OK)
async def upsert_connection(
    data: JSONBody[UpsertLlmConnectionRequest],
    principal: FromDishka[Principal],
    service: FromDishka[LlmConnectionService],
) -> LlmConnectionResponse:
    """Add the provider's connection, or replace it (same id)."""
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


@delete(
    _CONNECTIONS + "/{connection_id:str}", opt=requires(Role.ADMIN), status_code=HTTP_204_NO_CONTENT
)
async def delete_connection(
    connection_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[LlmConnectionService],
) -> None:
    """Remove a connection of the project."""
    await service.delete(principal.project_id, connection_id)


CONNECTION_ROUTES = [list_connections, upsert_connection, delete_connection]
