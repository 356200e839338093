"""``GET /projects/{project_id}/media/{media_id}``: a media record for the UI's previews."""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Request, get
from litestar.params import FromPath

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_tracing.admin_schemas import MediaResponse
from spyglass_tracing.api.media import public_url
from spyglass_tracing.services.media import MediaService

__all__ = ("MEDIA_INTERNAL_ROUTES",)


@get("/projects/{project_id:str}/media/{media_id:str}", opt=requires(Role.VIEWER))
async def describe_media(
    request: Request[Any, Any, Any],
    media_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[MediaService],
) -> MediaResponse:
    """The media's type, size and a signed download URL (an hour), as the public API."""
    return await service.describe(principal.project_id, media_id, public_url(request))


MEDIA_INTERNAL_ROUTES = [describe_media]
