"""Work a long-running process does only once it has gone quiet after work.

Quiet is read off the process's CPU time, sampled once a second: every thread counts,
the event loop's, the ingestion merge's and the embedded engine's background merges
alike, so nothing runs while any of them is still busy. Each action runs once per quiet
spell, and only if the process was busy since it last ran: an idle process has nothing
new to give back. A steady trickle of requests below the busy share never counts as
work, so neither does it trigger anything.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

__all__ = ("QuietSpells", "run_when_quiet")

logger = logging.getLogger(__name__)

BUSY_SHARE = 0.1
"""A second in which the process used more than this share of a core is a busy one."""


class QuietSpells:
    """Decides, one CPU-time sample at a time, when a quiet spell is long enough.

    Quiet means ``quiet_samples`` samples in a row each under ``busy_share`` of a core.
    The first spell after creation counts as following work (start-up is work).
    """

    def __init__(self, quiet_samples: int, busy_share: float = BUSY_SHARE) -> None:
        self.quiet_samples = quiet_samples
        self.busy_share = busy_share
        self._quiet_in_a_row = 0
        self._busy_since_last = True

    def sample(self, cpu_seconds: float, wall_seconds: float) -> bool:
        """Record one interval's CPU use; True when the action is due now."""
        if cpu_seconds >= self.busy_share * wall_seconds:
            self._quiet_in_a_row = 0
            self._busy_since_last = True
            return False
        self._quiet_in_a_row += 1
        if self._busy_since_last and self._quiet_in_a_row >= self.quiet_samples:
            self._busy_since_last = False
            return True
        return False


async def run_when_quiet(
    schedule: Sequence[tuple[int, Callable[[], object]]],
    *,
    interval: float = 1.0,
    cpu_clock: Callable[[], float] = time.process_time,
) -> None:
    """Run forever: each ``(quiet_seconds, action)`` of ``schedule`` runs its action, in a
    thread, each time the process has been quiet that many seconds after work.

    One sampler serves every action, and an action's own CPU time is not counted as work.
    Cancel the task to stop; an action that fails is logged and tried again after the
    next spell of work. ``interval`` and ``cpu_clock`` are for tests.
    """
    spells = [(QuietSpells(max(1, round(wait / interval))), action) for wait, action in schedule]
    last_cpu, last_wall = cpu_clock(), time.monotonic()
    while True:
        await asyncio.sleep(interval)
        cpu, wall = cpu_clock(), time.monotonic()
        due = [action for spell, action in spells if spell.sample(cpu - last_cpu, wall - last_wall)]
        for action in due:
            try:
                await asyncio.to_thread(action)
            except Exception:  # housekeeping: never worth stopping the process for
                logger.exception("%s failed", getattr(action, "__name__", action))
        if due:
            cpu = cpu_clock()  # the actions' own time is not the next interval's work
        last_cpu, last_wall = cpu, wall
