"""Media: images, audio and files referenced from trace I/O, stored in the blob store.

The id is derived from the content: the first 22 characters of the URL-safe base64
SHA-256, which is what the Langfuse SDKs compute before they ask for an upload URL.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

import msgspec

__all__ = ("Media", "media_id_for_hash")


def media_id_for_hash(sha256_base64: str) -> str | None:
    """The media id the SDK derives from a standard-base64 SHA-256, or None if malformed."""
    try:
        digest = base64.b64decode(sha256_base64, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(digest) != 32:
        return None
    return base64.urlsafe_b64encode(digest).decode("ascii")[:22]


class Media(msgspec.Struct, kw_only=True):
    """One uploaded (or announced) piece of content of a project."""

    id: str
    project_id: str
    sha256_hash: str
    content_type: str
    content_length: int
    blob_key: str
    created_at: datetime
    uploaded_at: datetime | None = None
    upload_http_status: int | None = None
    upload_http_error: str | None = None
