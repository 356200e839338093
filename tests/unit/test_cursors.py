"""Opaque keyset cursors round-trip, and anything else is a clear 400."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from spyglass_core.domain.cursors import decode_cursor, encode_cursor
from spyglass_core.domain.errors import InvalidInput


class After(msgspec.Struct, frozen=True):
    name: str
    at: datetime


def test_a_cursor_round_trips_and_is_url_safe() -> None:
    value = After(name="a/b+c?", at=datetime(2026, 1, 1, tzinfo=UTC))
    text = encode_cursor(value)
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(text, After) == value


@pytest.mark.parametrize("text", ["garbage!", "", encode_cursor({"other": 1}), "=="])
def test_a_malformed_cursor_is_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput, match="Invalid cursor"):
        decode_cursor(text, After)
