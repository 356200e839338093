"""``/media``: announce, upload, report and fetch media referenced from trace I/O.

The upload and download routes take no credentials: an upload is accepted only when it
matches what an authenticated client announced, and a download needs a signed URL.
"""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from spyglass_core.domain.api_keys import Principal
from spyglass_tracing.admin_schemas import (
    MediaResponse,
    MediaUploadRequest,
    MediaUploadResponse,
    PatchMediaRequest,
)
from spyglass_tracing.services.media import MediaService

__all__ = ("MEDIA_ROUTES", "public_url")

PUBLIC_PREFIX = "/api/public"
"""Where the host mounts the public routes (``spyglass.app.PUBLIC_PREFIX``)."""

NO_AUTH = {"exclude_from_auth": True}
"""Route option the host's API-key middleware honours: no credentials needed."""

# Served from the API's own origin: never let a browser run uploaded HTML or SVG there.
_DOWNLOAD_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, max-age=3600",
}


def public_url(request: Request[Any, Any, Any]) -> str:
    """The public API's base URL as this request reached the server (for signed links)."""
    return str(request.base_url).rstrip("/") + PUBLIC_PREFIX


@post("/media", status_code=HTTP_201_CREATED)
async def announce_media(
    request: Request[Any, Any, Any],
    data: JSONBody[MediaUploadRequest],
    principal: FromDishka[Principal],
    service: FromDishka[MediaService],
) -> MediaUploadResponse:
    """The media id and where to PUT the bytes (null when they are already stored)."""
    return await service.announce(principal.project_id, data, public_url(request))


@put(
    "/media-upload/{project_id:str}/{media_id:str}",
    status_code=HTTP_200_OK,
    opt=NO_AUTH,
    # The service stops reading at the announced length (at most media_max_bytes).
    request_max_body_size=None,
)
async def upload_media(
    request: Request[Any, Any, Any],
    project_id: FromPath[str],
    media_id: FromPath[str],
    service: FromDishka[MediaService],
) -> None:
    """Store announced bytes; the type, length and SHA-256 must match the announcement."""
    await service.upload(
        project_id, media_id, request.headers.get("content-type"), request.stream()
    )


@patch("/media/{media_id:str}", status_code=HTTP_204_NO_CONTENT)
async def report_media_upload(
    media_id: FromPath[str],
    data: JSONBody[PatchMediaRequest],
    principal: FromDishka[Principal],
    service: FromDishka[MediaService],
) -> None:
    """Record how the client's upload went."""
    await service.report(principal.project_id, media_id, data)


@get("/media/{media_id:str}")
async def get_media(
    request: Request[Any, Any, Any],
    media_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[MediaService],
) -> MediaResponse:
    """An uploaded record with a signed download URL valid for an hour."""
    return await service.describe(principal.project_id, media_id, public_url(request))


@get("/media-download/{project_id:str}/{media_id:str}", opt=NO_AUTH)
async def download_media(
    project_id: FromPath[str],
    media_id: FromPath[str],
    service: FromDishka[MediaService],
    expires: FromQuery[str | None] = None,
    signature: FromQuery[str | None] = None,
) -> Response[bytes]:
    """The bytes behind a signed URL (403 when the signature is wrong or expired)."""
    data, content_type = await service.download(project_id, media_id, expires, signature)
    return Response(data, media_type=content_type, headers=_DOWNLOAD_HEADERS)


MEDIA_ROUTES = [announce_media, upload_media, report_media_upload, get_media, download_media]
