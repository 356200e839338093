"""HTTP routes of the prompts plugin: thin controllers over ``PromptService``.

Prompt names may contain ``/`` (folders), sent URL-encoded inside one path segment. The
ASGI path is already decoded, so the name is read from the raw path instead.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import unquote

from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, delete, get, patch, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.domain.input_limits import MAX_INT32, MAX_PAGE, parse_bounded_int
from spyglass_prompts.api.schemas import (
    CreatePromptRequest,
    CreatePromptV1Request,
    PageMeta,
    PromptMeta,
    PromptPage,
    PromptResponse,
    PromptVersionUpdate,
)
from spyglass_prompts.services.prompts import PromptService, to_response

__all__ = ("ROUTES",)

_V2 = "/api/public/v2/prompts/"
_MAX_LIMIT = 100
# Fetches answer pre-encoded bytes (cached, with an ETag); the document still names the shape.
_CACHED_PROMPT = {
    200: ResponseSpec(PromptResponse, description="The prompt version", generate_examples=False)
}


def _name_from_raw_path(request: Request[Any, Any, Any], prefix: str = _V2) -> str:
    raw = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
    # A client may send the base URL with a trailing slash: collapse repeated slashes first.
    while "//" in raw:
        raw = raw.replace("//", "/")
    if not raw.startswith(prefix):
        raise NotFound("Prompt not found")
    return raw[len(prefix) :]


def _etag_response(request: Request[Any, Any, Any], body: bytes, etag: str) -> Response[bytes]:
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@post("/v2/prompts", status_code=HTTP_201_CREATED)
async def create_prompt(
    data: JSONBody[CreatePromptRequest],
    principal: FromDishka[Principal],
    service: FromDishka[PromptService],
) -> PromptResponse:
    """Create a new version of a prompt."""
    return to_response(await service.create(principal.project_id, data))


@get("/v2/prompts/{name:path}", responses=_CACHED_PROMPT)
async def get_prompt(
    request: Request[Any, Any, Any],
    principal: FromDishka[Principal],
    service: FromDishka[PromptService],
    version: Annotated[int | None, QueryParameter(ge=1, le=MAX_INT32)] = None,
    label: FromQuery[str | None] = None,
    resolve: FromQuery[bool] = True,
) -> Response[bytes]:
    """Fetch one version by ``version`` or ``label`` (``production`` by default)."""
    name = unquote(_name_from_raw_path(request))
    fetch = service.fetch if resolve else service.fetch_unresolved
    rendered = await fetch(principal.project_id, name, version=version, label=label)
    return _etag_response(request, rendered.body, rendered.etag)


@patch("/v2/prompts/{rest:path}")
async def update_prompt_version(
    request: Request[Any, Any, Any],
    data: JSONBody[PromptVersionUpdate],
    principal: FromDishka[Principal],
    service: FromDishka[PromptService],
) -> PromptResponse:
    """Add labels to one version: ``/v2/prompts/{name}/versions/{version}``."""
    encoded_name, separator, raw_version = _name_from_raw_path(request).rpartition("/versions/")
    if not separator or not encoded_name or not raw_version.isascii() or not raw_version.isdigit():
        raise NotFound("Expected /api/public/v2/prompts/{name}/versions/{version}")
    version = parse_bounded_int(raw_version, MAX_INT32)
    if version is None:
        raise InvalidInput("Invalid request data", details=f"version must be at most {MAX_INT32}")
    updated = await service.add_labels(
        principal.project_id, unquote(encoded_name), version, data.new_labels
    )
    return to_response(updated)


@delete("/v2/prompts/{name:path}", status_code=HTTP_204_NO_CONTENT)
async def delete_prompt(
    request: Request[Any, Any, Any],
    principal: FromDishka[Principal],
    service: FromDishka[PromptService],
    version: Annotated[int | None, QueryParameter(ge=1, le=MAX_INT32)] = None,
    label: FromQuery[str | None] = None,
) -> None:
    """Delete every version, or the one with ``version`` or ``label``."""
    name = unquote(_name_from_raw_path(request))
    await service.delete(principal.project_id, name, version=version, label=label)


@get("/v2/prompts")
async def list_prompts(
    principal: FromDishka[Principal],
    service: FromDishka[PromptService],
    name: FromQuery[str | None] = None,
    label: FromQuery[str | None] = None,
    tag: FromQuery[str | None] = None,
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
    limit: Annotated[int, QueryParameter(ge=1, le=_MAX_LIMIT)] = 10,
    from_updated_at: Annotated[datetime | None, QueryParameter(name="fromUpdatedAt")] = None,
    to_updated_at: Annotated[datetime | None, QueryParameter(name="toUpdatedAt")] = None,
) -> PromptPage:
    """One entry per prompt name, with its versions, labels and tags."""
    summaries, total = await service.list_summaries(
        principal.project_id,
        name=name,
        label=label,
        tag=tag,
        updated_from=from_updated_at,
        updated_to=to_updated_at,
        page=page,
        limit=limit,
    )
    return PromptPage(
        data=[
            PromptMeta(
                name=s.name,
                type=s.type.value,
                versions=s.versions,
                labels=s.labels,
                tags=s.tags,
                last_updated_at=s.last_updated_at,
                last_config=s.last_config,
            )
            for s in summaries
        ],
        meta=PageMeta(
            page=page, limit=limit, total_items=total, total_pages=math.ceil(total / limit)
        ),
    )


@get("/prompts", responses=_CACHED_PROMPT)
async def get_prompt_v1(
    request: Request[Any, Any, Any],
    principal: FromDishka[Principal],
    service: FromDishka[PromptService],
    name: FromQuery[str],
    version: Annotated[int | None, QueryParameter(ge=1, le=MAX_INT32)] = None,
) -> Response[bytes]:
    """Legacy fetch: ``?name=&version=``, the ``production`` version when no version."""
    rendered = await service.fetch(principal.project_id, name, version=version, label=None)
    return _etag_response(request, rendered.body, rendered.etag)


@post("/prompts", status_code=HTTP_201_CREATED)
async def create_prompt_v1(
    data: JSONBody[CreatePromptV1Request],
    principal: FromDishka[Principal],
    service: FromDishka[PromptService],
) -> PromptResponse:
    """Legacy create: ``isActive: true`` labels the new version ``production``."""
    labels = list(data.labels or [])
    if data.is_active and "production" not in labels:
        labels.append("production")
    data.labels = labels
    if data.type is None and not isinstance(data.prompt, str):
        raise InvalidInput("A chat prompt needs type 'chat'")
    return to_response(await service.create(principal.project_id, data))


ROUTES = [
    create_prompt,
    list_prompts,
    get_prompt,
    update_prompt_version,
    delete_prompt,
    get_prompt_v1,
    create_prompt_v1,
]
