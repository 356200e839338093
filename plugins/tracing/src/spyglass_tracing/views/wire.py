"""What the read API's wire shapes share: JSON-text decoding, offset-page ``meta``,
keyset cursors and the (time, created, updated) timestamps of a row.

Field names become camelCase through ``msgspec.Struct(rename="camel")``; datetimes go
out as UTC (``spyglass_tracing.domain.time.utc``) and so encode with ``Z``.
"""

from __future__ import annotations

import math
from datetime import datetime

import msgspec

from spyglass_core.domain.cursors import decode_cursor as decode_opaque
from spyglass_core.domain.cursors import encode_cursor as encode_opaque
from spyglass_core.domain.tracing import decode_json_text, decoded_metadata
from spyglass_tracing.domain.time import utc, utc_or_none

__all__ = (
    "PageMeta",
    "decode_cursor",
    "decode_json_text",
    "decoded_metadata",
    "encode_cursor",
    "page_meta",
    "row_times",
)


def row_times(
    time: datetime, created_at: datetime | None, updated_at: datetime | None
) -> tuple[datetime, datetime, datetime]:
    """A row's (time, createdAt, updatedAt) in UTC: created defaults to the row's time,
    updated to created."""
    moment = utc(time)
    created = utc_or_none(created_at) or moment
    return moment, created, utc_or_none(updated_at) or created


class PageMeta(msgspec.Struct, kw_only=True, rename="camel"):
    """Offset pagination: ``totalPages = ceil(totalItems / limit)``."""

    page: int
    limit: int
    total_items: int
    total_pages: int


def page_meta(page: int, limit: int, total: int | None) -> PageMeta:
    """The ``meta`` of an offset page."""
    items = total or 0
    return PageMeta(page=page, limit=limit, total_items=items, total_pages=math.ceil(items / limit))


# --- cursors ------------------------------------------------------------------------------


def encode_cursor(time: datetime, row_id: str) -> str:
    """An opaque cursor for keyset pages: base64url of the last row's (time, id)."""
    return encode_opaque((utc(time), row_id))


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (time, id) a cursor names. Raises: InvalidInput when it is malformed."""
    time, row_id = decode_opaque(cursor, tuple[datetime, str])
    return utc(time), row_id
