"""Opaque keyset cursors: a small value as URL-safe text, and back.

A cursor is base64url (unpadded) of the value's msgspec JSON. Clients treat it as opaque;
decoding checks it against the expected type, so a forged or damaged cursor is a 400.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, TypeVar

import msgspec

from spyglass_core.domain.errors import InvalidInput

__all__ = ("decode_cursor", "encode_cursor")

_T = TypeVar("_T")


def encode_cursor(value: Any) -> str:
    """The opaque, URL-safe text of ``value`` (anything msgspec encodes)."""
    return base64.urlsafe_b64encode(msgspec.json.encode(value)).rstrip(b"=").decode("ascii")


def decode_cursor(text: str, kind: type[_T]) -> _T:
    """The value of type ``kind`` a cursor holds.

    Raises:
        InvalidInput: the text is not a cursor of that type.
    """
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return msgspec.json.decode(raw, type=kind)
    except (ValueError, binascii.Error, msgspec.DecodeError):
        raise InvalidInput("Invalid cursor", details="cursor is malformed") from None
