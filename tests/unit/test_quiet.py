"""Work done once the process goes quiet after work (``spyglass.quiet``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from spyglass.quiet import QuietSpells, run_when_quiet

BUSY, QUIET = (0.5, 1.0), (0.01, 1.0)
INTERVAL = 0.01


def test_an_action_is_due_once_per_quiet_spell_after_work() -> None:
    spells = QuietSpells(quiet_samples=3)
    # Start-up counts as work: the first spell is due on its third quiet sample, once.
    assert [spells.sample(*QUIET) for _ in range(5)] == [False, False, True, False, False]
    # Quiet samples broken by a busy one start counting again.
    assert spells.sample(*BUSY) is False
    assert [spells.sample(*QUIET) for _ in range(2)] == [False, False]
    assert spells.sample(*BUSY) is False
    assert [spells.sample(*QUIET) for _ in range(4)] == [False, False, True, False]


def test_busy_is_a_share_of_the_interval_not_an_absolute_time() -> None:
    spells = QuietSpells(quiet_samples=1, busy_share=0.1)
    assert spells.sample(0.15, 2.0) is True  # 7.5% of a core over two seconds: quiet
    assert spells.sample(0.25, 2.0) is False  # 12.5%: busy
    assert spells.sample(0.09, 1.0) is True


class FakeCpu:
    """A CPU clock the test advances: ``work()`` makes the next sample a busy one."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds

    def work(self) -> None:
        self.seconds += 10.0


async def wait_for(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(INTERVAL)


async def test_each_action_runs_after_its_own_quiet_spell_and_again_after_work() -> None:
    cpu = FakeCpu()
    calls: list[str] = []
    schedule = [
        (3 * INTERVAL, lambda: calls.append("short")),
        (30 * INTERVAL, lambda: calls.append("long")),
    ]
    task = asyncio.create_task(run_when_quiet(schedule, interval=INTERVAL, cpu_clock=cpu))
    try:
        await wait_for(lambda: calls == ["short", "long"])  # start-up was work
        await asyncio.sleep(40 * INTERVAL)
        assert calls == ["short", "long"]  # once per quiet spell, not once per sample
        cpu.work()
        await wait_for(lambda: calls == ["short", "long", "short", "long"])
    finally:
        task.cancel()
        await asyncio.wait({task})


async def test_an_actions_own_cpu_time_is_not_work() -> None:
    cpu = FakeCpu()
    calls: list[str] = []

    def expensive() -> None:
        calls.append("ran")
        cpu.work()  # as if reading /proc/self/smaps took a while

    task = asyncio.create_task(
        run_when_quiet([(INTERVAL, expensive)], interval=INTERVAL, cpu_clock=cpu)
    )
    try:
        await wait_for(lambda: calls == ["ran"])
        await asyncio.sleep(20 * INTERVAL)
        assert calls == ["ran"]
    finally:
        task.cancel()
        await asyncio.wait({task})


async def test_an_action_that_fails_is_logged_and_the_task_keeps_going(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cpu = FakeCpu()
    calls: list[str] = []

    def fail_once() -> None:
        calls.append("ran")
        if len(calls) == 1:
            raise OSError("no /proc here")

    task = asyncio.create_task(
        run_when_quiet([(INTERVAL, fail_once)], interval=INTERVAL, cpu_clock=cpu)
    )
    try:
        await wait_for(lambda: calls == ["ran"])
        cpu.work()
        await wait_for(lambda: calls == ["ran", "ran"])
    finally:
        task.cancel()
        await asyncio.wait({task})
    assert "fail_once failed" in caplog.text


async def test_the_process_clock_counts_work_on_any_thread() -> None:
    # The default clock: CPU burnt in a thread (as the merge and chDB's threads do) is work.
    calls: list[str] = []
    task = asyncio.create_task(run_when_quiet([(0.2, lambda: calls.append("ran"))], interval=0.1))
    try:
        await wait_for(lambda: calls == ["ran"])

        def burn() -> None:
            end = time.process_time() + 0.5
            while time.process_time() < end:
                pass

        await asyncio.to_thread(burn)
        await wait_for(lambda: len(calls) == 2)
    finally:
        task.cancel()
        await asyncio.wait({task})
