"""Clock: the only source of "now" in domain code, so tests can control time.

Contract: ``now()`` returns a timezone-aware UTC datetime that never goes backwards
within one clock; ``monotonic()`` is seconds from an arbitrary origin, for durations.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

__all__ = ("Clock",)


class Clock(Protocol):
    """Wall-clock and monotonic time."""

    def now(self) -> datetime:
        """The current time, UTC, timezone-aware."""

    def monotonic(self) -> float:
        """Seconds since an arbitrary origin, never decreasing."""
