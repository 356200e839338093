"""Work a long-running process does only once it has gone quiet after work.

Quiet is read off the process's CPU time, sampled once a second: every thread counts,
the event loop's, the ingestion merge's and the embedded engine's background merges
alike, so nothing runs while any of them is still busy. Each action runs once per quiet
spell, and only if the process was busy since it last ran: an idle process has nothing
new to give back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

__all__ = ("QuietSpells", "run_when_quiet")

logger = logging.getLogger(__name__)

BUSY_SHARE = 0.1
"""A second in which the process used more than this share of a core is a busy one."""


class QuietSpells:
    """Decides, one CPU-time sample at a time, when a quiet spell is long enough.

    Quiet means ``quiet_seconds`` samples in a row each under ``busy_share`` of a core.
    The first spell after creation counts as following work (start-up is work).
    """

    def __init__(self, quiet_seconds: int, busy_share: float = BUSY_SHARE) -> None:
        self.quiet_seconds = quiet_seconds
        self.busy_share = busy_share
        self._quiet_samples = 0
        self._busy_since_last = True

    def sample(self, cpu_seconds: float, wall_seconds: float) -> bool:
        """Record one interval's CPU use; True when the action is due now."""
        if cpu_seconds >= self.busy_share * wall_seconds:
            self._quiet_samples = 0
            self._busy_since_last = True
            return False
        self._quiet_samples += 1
        if self._busy_since_last and self._quiet_samples >= self.quiet_seconds:
            self._busy_since_last = False
            return True
        return False


async def run_when_quiet(quiet_seconds: int, action: Callable[[], object]) -> None:
    """Run forever: ``action`` in a thread each time the process has been quiet
    ``quiet_seconds`` after work. Cancel the task to stop; an action that fails is
    logged and tried again after the next spell of work."""
    spells = QuietSpells(quiet_seconds)
    last_cpu, last_wall = time.process_time(), time.monotonic()
    while True:
        await asyncio.sleep(1)
        cpu, wall = time.process_time(), time.monotonic()
        if spells.sample(cpu - last_cpu, wall - last_wall):
            try:
                await asyncio.to_thread(action)
            except Exception:  # housekeeping: never worth stopping the process for
                logger.exception("%s failed", getattr(action, "__name__", action))
            cpu = time.process_time()  # the action's own time is not the next interval's
        last_cpu, last_wall = cpu, wall
