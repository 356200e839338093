"""The key rule every blob store applies, so keys mean the same on disk and in S3."""

from __future__ import annotations

import re

from spyglass_core.domain.errors import InvalidInput

__all__ = ("check_key",)

_SEGMENT = re.compile(r"^[A-Za-z0-9._=-]+$")


def check_key(key: str) -> str:
    """Return ``key`` unchanged, or raise ``InvalidInput`` when it breaks the key rule."""
    segments = key.split("/")
    if not key or any(s in ("", ".", "..") or not _SEGMENT.match(s) for s in segments):
        raise InvalidInput(f"Invalid blob key: {key!r}")
    return key
