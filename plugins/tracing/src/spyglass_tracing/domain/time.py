"""The tracing plugin's one UTC normalisation: every datetime it reads or writes goes
through ``utc`` (naive values are taken to be UTC already)."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ("utc", "utc_or_none")


def utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (naive means UTC), which encodes with ``Z``.

    The instant is kept to the microsecond; an aware value in another zone is converted.
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def utc_or_none(value: datetime | None) -> datetime | None:
    """``utc(value)``, or None for None."""
    return None if value is None else utc(value)
