"""The system clock."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from spyglass_core.ports.clock import Clock

__all__ = ("SystemClock",)


class SystemClock(Clock):
    """``datetime.now(UTC)`` and ``time.monotonic()``."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()
