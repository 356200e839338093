"""What the read API's wire shapes share: JSON-text decoding, offset-page ``meta``,
keyset cursors and the (time, created, updated) timestamps of a row.

Field names become camelCase through ``msgspec.Struct(rename="camel")``; datetimes go
out as UTC (``spyglass_tracing.domain.time.utc``) and so encode with ``Z``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.cursors import decode_cursor as decode_opaque
from spyglass_core.domain.cursors import encode_cursor as encode_opaque
from spyglass_core.domain.input_limits import json_too_deep
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

# Plain text that cannot start a JSON document is returned as is, without a decode attempt.
_JSON_START = frozenset('{["-0123456789tfn')


def decode_json_text(text: str | None) -> Any:
    """The JSON value ``text`` holds, or ``text`` itself when it is no JSON.

    Text nested deeper than ``MAX_JSON_DEPTH`` (stored as a string: the API refuses
    such JSON elsewhere) is returned as it is, as decoding it could exhaust the stack.
    """
    if not text or text[0] not in _JSON_START or json_too_deep(text):
        return text
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError:
        return text


def decoded_metadata(metadata: Mapping[str, str]) -> dict[str, Any]:
    """Stored metadata with each value decoded as ``decode_json_text`` does."""
    return {key: decode_json_text(value) for key, value in metadata.items()}


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
