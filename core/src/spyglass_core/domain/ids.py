"""Identifier generation."""

from __future__ import annotations

import uuid

__all__ = ("new_id",)


def new_id() -> str:
    """Return a new random identifier (a UUID4 in its canonical text form)."""
    return str(uuid.uuid4())
