"""Media: announce, upload (checked against the announcement), report, describe, download.

The Langfuse SDKs announce a piece of content (type, length, SHA-256) with
``POST /media``, PUT the bytes to the URL they get back, and report the result with
``PATCH /media/{id}``. Here the upload URL points back at this server; the upload needs
no credentials because it is accepted only when the bytes hash to what an authenticated
client announced. Downloads use URLs signed with ``TracingOptions.media_signing_key``, or
without one with the deployment's own key, kept in the transactional store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime

import msgspec

from spyglass_core.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from spyglass_core.domain.input_limits import MAX_INT64, parse_bounded_int
from spyglass_core.ports.blob_store import BlobStore
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_core.services.instance_secrets import instance_secret
from spyglass_tracing.admin_schemas import (
    MediaResponse,
    MediaUploadRequest,
    MediaUploadResponse,
    PatchMediaRequest,
)
from spyglass_tracing.domain.media import Media, media_id_for_hash
from spyglass_tracing.options import TracingOptions
from spyglass_tracing.ports.repositories import MediaRepository

__all__ = ("DOWNLOAD_URL_SECONDS", "MEDIA_EXTENSIONS", "MediaService", "is_uploaded")

DOWNLOAD_URL_SECONDS = 3600

MEDIA_EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/jpg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/svg+xml": "svg",
    "image/tiff": "tiff",
    "image/bmp": "bmp",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/wav": "wav",
    "audio/ogg": "ogg",
    "audio/oga": "oga",
    "audio/aac": "aac",
    "audio/mp4": "m4a",
    "audio/flac": "flac",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "text/plain": "txt",
    "text/html": "html",
    "text/css": "css",
    "text/csv": "csv",
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/zip": "zip",
    "application/json": "json",
    "application/xml": "xml",
    "application/octet-stream": "bin",
}
"""The accepted content types and the file extension of their blobs."""


def _refused() -> InvalidInput:
    """The one answer to every refused upload, so none tells more than another.

    A new exception each time: re-raising one shared instance would grow its traceback
    with every refusal and keep the refused requests' frames (and their chunks) alive.
    """
    return InvalidInput(
        "Upload refused",
        details="the upload must match an open announcement: its id, Content-Type, "
        "contentLength and sha256Hash",
    )


SIGNING_KEY_SECRET = "tracing.media_signing_key"
"""The instance secret that signs media URLs when no key is configured."""


def is_uploaded(media: Media) -> bool:
    """True once an upload of the bytes was reported (or verified) as successful."""
    status = media.upload_http_status
    return media.uploaded_at is not None and status is not None and 200 <= status < 300


def _media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


async def _announced_bytes(body: AsyncIterable[bytes], record: Media) -> AsyncIterator[bytes]:
    """The chunks of ``body``, refused as soon as they cannot be the announced content.

    Stops at the first byte past the announced length; after the last chunk, checks the
    length and SHA-256 before finishing, so whoever consumes the stream (the blob store)
    sees it fail instead of end.
    """
    digest = hashlib.sha256()
    received = 0
    async for chunk in body:
        received += len(chunk)
        if received > record.content_length:
            raise _refused()
        digest.update(chunk)
        yield chunk
    if received != record.content_length:
        raise _refused()
    if digest.digest() != base64.b64decode(record.sha256_hash):
        raise _refused()


class MediaService:
    """Media records of a project and their bytes in the blob store.

    URLs are built from ``public_url``, the absolute URL of ``/api/public`` as the
    client reached it.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        blobs: BlobStore,
        clock: Clock,
        options: TracingOptions,
    ) -> None:
        self._uow_factory = uow_factory
        self._blobs = blobs
        self._clock = clock
        self._options = options
        configured = options.media_signing_key
        self._signing_key: bytes | None = configured.encode() if configured else None

    async def load_signing_key(self) -> None:
        """Read the deployment's signing key (created on first use) unless one is configured.

        Kept in the transactional store like the API-key salt, so signed URLs survive a
        restart and verify on every replica.
        """
        if self._signing_key is None:
            key = await instance_secret(self._uow_factory, SIGNING_KEY_SECRET)
            self._signing_key = key.encode()

    async def announce(
        self, project_id: str, request: MediaUploadRequest, public_url: str
    ) -> MediaUploadResponse:
        """Record the announced content; where to upload it, or no URL if it is stored.

        The id is the SDK's: derived from the hash. Content already uploaded with the
        same content type needs no upload; anything else (new, not yet uploaded, or now
        announced with another type) gets a fresh record state and an upload URL.

        Raises:
            InvalidInput: a malformed hash, an unknown content type, a length outside
                1..``media_max_bytes``, no trace or dataset item, an empty field.
        """
        media_id = media_id_for_hash(request.sha256_hash)
        if media_id is None:
            raise InvalidInput("sha256Hash must be the standard base64 of a SHA-256 digest")
        content_type = _media_type(request.content_type)
        extension = MEDIA_EXTENSIONS.get(content_type)
        if extension is None:
            raise InvalidInput(
                f"contentType '{request.content_type}' is not supported; use one of "
                f"{', '.join(MEDIA_EXTENSIONS)}"
            )
        limit = self._options.media_max_bytes
        if not 0 < request.content_length <= limit:
            raise InvalidInput(f"contentLength must be between 1 and {limit} bytes")
        if not request.trace_id and not (request.dataset_id and request.dataset_item_id):
            raise InvalidInput("Give a traceId, or a datasetId and a datasetItemId")
        if not request.field.strip():
            raise InvalidInput("field must not be empty")
        upload_url = f"{public_url}/media-upload/{project_id}/{media_id}"
        for attempt in range(2):
            try:
                stored = await self._record(project_id, media_id, request, content_type, extension)
            except Conflict:  # a concurrent announcement of the same content won
                if attempt:
                    raise
                continue
            return MediaUploadResponse(media_id=media_id, upload_url=None if stored else upload_url)
        raise AssertionError("unreachable")

    async def _record(
        self,
        project_id: str,
        media_id: str,
        request: MediaUploadRequest,
        content_type: str,
        extension: str,
    ) -> bool:
        """Create or reset the record; True when the content is already stored."""
        async with self._uow_factory() as uow:
            existing = await uow.repository(MediaRepository).get(project_id, media_id)
            if (
                existing is not None
                and is_uploaded(existing)
                and existing.content_type == content_type
            ):
                return True
            record = Media(
                id=media_id,
                project_id=project_id,
                sha256_hash=request.sha256_hash,
                content_type=content_type,
                content_length=request.content_length,
                blob_key=f"media/{project_id}/{media_id}.{extension}",
                created_at=existing.created_at if existing else self._clock.now(),
            )
            if existing is None:
                await uow.repository(MediaRepository).add(record)
            elif existing != record:
                await uow.repository(MediaRepository).update(record)
            await uow.commit()
        return False

    async def upload(
        self,
        project_id: str,
        media_id: str,
        content_type: str | None,
        body: AsyncIterable[bytes],
    ) -> None:
        """Store the bytes of an announced, not yet uploaded record and mark it uploaded.

        The route needs no credentials, so every refusal is the same ``InvalidInput``:
        an unknown id, finished media, or bytes whose type, length or SHA-256 differ from
        the announcement are indistinguishable, and nobody learns whether some content
        exists in a project or what its type is.

        The body is streamed into the blob store as it arrives, hashed on the way and
        read only up to the announced length, so an upload holds a few chunks in memory
        however large it is. The last check runs after the last chunk, before the stream
        ends: the blob store then discards what it was writing, and a refused upload
        stores nothing. The blob key is derived from the content (the media id is the
        SHA-256's prefix), so a stream that passes the checks can only ever write the
        bytes already there, and one that fails them never replaces anything: no
        further guard against overwriting a finished object is needed.

        Raises:
            InvalidInput: the upload matches no open announcement.
        """
        record = await self._get(project_id, media_id)
        if record is None or is_uploaded(record):
            raise _refused()
        if _media_type(content_type) != record.content_type:
            raise _refused()
        await self._blobs.put_stream(record.blob_key, _announced_bytes(body, record))
        async with self._uow_factory() as uow:
            current = await uow.repository(MediaRepository).get(project_id, media_id)
            if current is not None and current.blob_key == record.blob_key:
                await uow.repository(MediaRepository).update(
                    msgspec.structs.replace(
                        current,
                        uploaded_at=self._clock.now(),
                        upload_http_status=200,
                        upload_http_error=None,
                    )
                )
                await uow.commit()

    async def report(self, project_id: str, media_id: str, report: PatchMediaRequest) -> None:
        """Record how the client's upload went. Raises: NotFound."""
        uploaded_at = report.uploaded_at
        if uploaded_at.tzinfo is None:
            uploaded_at = uploaded_at.replace(tzinfo=UTC)
        async with self._uow_factory() as uow:
            record = await uow.repository(MediaRepository).get(project_id, media_id)
            if record is None:
                raise NotFound(f"Media '{media_id}' not found")
            await uow.repository(MediaRepository).update(
                msgspec.structs.replace(
                    record,
                    uploaded_at=uploaded_at,
                    upload_http_status=report.upload_http_status,
                    upload_http_error=report.upload_http_error,
                )
            )
            await uow.commit()

    async def describe(self, project_id: str, media_id: str, public_url: str) -> MediaResponse:
        """The record with a download URL valid for an hour.

        Raises:
            NotFound: unknown, or not (successfully) uploaded yet.
        """
        record = await self._get(project_id, media_id)
        if record is None or not is_uploaded(record):
            raise NotFound(f"Media '{media_id}' not found")
        assert record.uploaded_at is not None
        expires = int(self._clock.now().timestamp()) + DOWNLOAD_URL_SECONDS
        await self.load_signing_key()
        signature = self.sign(project_id, media_id, expires)
        return MediaResponse(
            media_id=media_id,
            content_type=record.content_type,
            content_length=record.content_length,
            uploaded_at=record.uploaded_at,
            url=(
                f"{public_url}/media-download/{project_id}/{media_id}"
                f"?expires={expires}&signature={signature}"
            ),
            url_expiry=datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z"),
        )

    async def download(
        self, project_id: str, media_id: str, expires: str | None, signature: str | None
    ) -> tuple[bytes, str]:
        """The bytes and content type behind a signed URL.

        Raises:
            PermissionDenied: the signature is missing or wrong, or the URL expired.
            NotFound: the record or its bytes are gone.
        """
        expiry = parse_bounded_int(expires or "", MAX_INT64)
        if expiry is None or not signature:
            raise PermissionDenied("A signed media URL needs expires and signature")
        await self.load_signing_key()
        expected = self.sign(project_id, media_id, expiry)
        if not hmac.compare_digest(expected, signature):
            raise PermissionDenied("Invalid media URL signature")
        if expiry < self._clock.now().timestamp():
            raise PermissionDenied("The media URL has expired")
        record = await self._get(project_id, media_id)
        if record is None:
            raise NotFound(f"Media '{media_id}' not found")
        return await self._blobs.get(record.blob_key), record.content_type

    def sign(self, project_id: str, media_id: str, expires: int) -> str:
        """Hex HMAC-SHA256 of ``{project_id}/{media_id}/{expires}`` (after ``load_signing_key``)."""
        assert self._signing_key is not None, "load_signing_key() first"
        message = f"{project_id}/{media_id}/{expires}".encode()
        return hmac.new(self._signing_key, message, hashlib.sha256).hexdigest()

    async def _get(self, project_id: str, media_id: str) -> Media | None:
        async with self._uow_factory() as uow:
            return await uow.repository(MediaRepository).get(project_id, media_id)
