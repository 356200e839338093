"""A note and its rules."""

from __future__ import annotations

from datetime import datetime

import msgspec

from spyglass_core.domain.errors import InvalidInput

__all__ = ("MAX_TEXT_LENGTH", "Note", "validate_text")

MAX_TEXT_LENGTH = 10_000


class Note(msgspec.Struct, frozen=True, kw_only=True):
    """A short text kept for one project."""

    id: str
    project_id: str
    text: str
    created_at: datetime


def validate_text(text: str) -> str:
    """``text`` when it is non-empty and short enough. Raises: InvalidInput."""
    if not text.strip():
        raise InvalidInput("A note needs some text")
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidInput(f"A note holds at most {MAX_TEXT_LENGTH} characters")
    return text
