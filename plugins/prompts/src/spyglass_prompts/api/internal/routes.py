"""The prompts plugin's project-scoped ``/api/internal`` routes, for the web UI.

The access guard has checked the caller's role in the project before a handler runs, and
``FromDishka[Principal]`` names that project, so these are thin controllers over the same
``PromptService`` as the public API: same validation, same label rules, same cache
invalidation. Prompt names may contain ``/``, so they travel in the query or the body,
never in the path.
"""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import get, post
from litestar.params import FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_core.services.accounts import SessionContext
from spyglass_prompts.api.internal.schemas import (
    PromoteLabelsRequest,
    PromptDetail,
    PromptListPage,
    PromptVersion,
    decode_name_cursor,
    encode_name_cursor,
    list_item,
    prompt_version,
)
from spyglass_prompts.api.schemas import CreatePromptRequest
from spyglass_prompts.domain.prompts import MAX_NAME_LENGTH
from spyglass_prompts.services.prompts import PromptService

__all__ = ("PROMPT_ROUTES",)

_MAX_LIMIT = 100


@get("/projects/{project_id:str}/prompts", opt=requires(Role.VIEWER))
async def list_prompts(
    principal: FromDishka[Principal],
    service: FromDishka[PromptService],
    search: Annotated[str | None, QueryParameter(max_length=MAX_NAME_LENGTH)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=_MAX_LIMIT)] = 50,
    cursor: FromQuery[str | None] = None,
) -> PromptListPage:
    """Prompt names ordered by name, those containing ``search`` (any case) when given."""
    after = decode_name_cursor(cursor) if cursor else None
    summaries, more = await service.search_names(
        principal.project_id, search=search or None, after=after, limit=limit
    )
    return PromptListPage(
        items=[list_item(s) for s in summaries],
        next_cursor=encode_name_cursor(summaries[-1].name) if more and summaries else None,
    )


@get("/projects/{project_id:str}/prompt", opt=requires(Role.VIEWER))
async def get_prompt(
    principal: FromDishka[Principal],
    service: FromDishka[PromptService],
    name: FromQuery[str],
) -> PromptDetail:
    """One prompt with every version, newest first; 404 when the name has none."""
    versions = await service.versions(principal.project_id, name)
    newest = versions[-1]
    return PromptDetail(
        name=newest.name,
        type=newest.type,
        tags=newest.tags,
        versions=[prompt_version(p) for p in reversed(versions)],
    )


@post(
    "/projects/{project_id:str}/prompt-labels",
    opt=requires(Role.MEMBER),
    status_code=HTTP_200_OK,
)
async def promote_prompt_version(
    data: JSONBody[PromoteLabelsRequest],
    principal: FromDishka[Principal],
    service: FromDishka[PromptService],
) -> PromptVersion:
    """Put labels on one version, moving them off the others (``latest`` is refused)."""
    updated = await service.add_labels(
        principal.project_id, data.name, data.version, list(data.labels)
    )
    return prompt_version(updated)


@post(
    "/projects/{project_id:str}/prompts",
    opt=requires(Role.MEMBER),
    status_code=HTTP_201_CREATED,
)
async def create_prompt_version(
    data: JSONBody[CreatePromptRequest],
    principal: FromDishka[Principal],
    session: FromDishka[SessionContext],
    service: FromDishka[PromptService],
) -> PromptVersion:
    """A new version of a prompt, as ``POST /api/public/v2/prompts``, created by the user."""
    created = await service.create(principal.project_id, data, created_by=session.user.id)
    return prompt_version(created)


PROMPT_ROUTES = [list_prompts, get_prompt, promote_prompt_version, create_prompt_version]
