"""Work done once the process goes quiet after work (``spyglass.quiet``)."""

from __future__ import annotations

import asyncio
import time

import pytest

from spyglass.quiet import QuietSpells, run_when_quiet

BUSY, QUIET = (0.5, 1.0), (0.01, 1.0)


def test_an_action_is_due_once_per_quiet_spell_after_work() -> None:
    spells = QuietSpells(quiet_seconds=3)
    # Start-up counts as work: the first spell is due on its third quiet second, once.
    assert [spells.sample(*QUIET) for _ in range(5)] == [False, False, True, False, False]
    # Quiet seconds broken by a busy one start counting again.
    assert spells.sample(*BUSY) is False
    assert [spells.sample(*QUIET) for _ in range(2)] == [False, False]
    assert spells.sample(*BUSY) is False
    assert [spells.sample(*QUIET) for _ in range(4)] == [False, False, True, False]


def test_busy_is_a_share_of_the_interval_not_an_absolute_time() -> None:
    spells = QuietSpells(quiet_seconds=1, busy_share=0.1)
    assert spells.sample(0.15, 2.0) is True  # 7.5% of a core over two seconds: quiet
    assert spells.sample(0.25, 2.0) is False  # 12.5%: busy
    assert spells.sample(0.09, 1.0) is True


def _burn(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


async def test_the_task_acts_when_the_process_goes_quiet_and_again_after_work() -> None:
    calls: list[str] = []
    task = asyncio.create_task(run_when_quiet(1, lambda: calls.append("ran")))
    try:
        await asyncio.sleep(2.5)
        assert calls == ["ran"]  # once after start-up, not once a second
        await asyncio.to_thread(_burn, 1.5)  # CPU on any thread of the process is work
        await asyncio.sleep(2.5)
        assert calls == ["ran", "ran"]
    finally:
        task.cancel()
        await asyncio.wait({task})


async def test_an_action_that_fails_is_logged_and_the_task_keeps_going(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[str] = []

    def fail_once() -> None:
        calls.append("ran")
        if len(calls) == 1:
            raise OSError("no /proc here")

    task = asyncio.create_task(run_when_quiet(1, fail_once))
    try:
        await asyncio.sleep(1.5)
        await asyncio.to_thread(_burn, 1.5)
        await asyncio.sleep(2.5)
    finally:
        task.cancel()
        await asyncio.wait({task})
    assert calls == ["ran", "ran"]
    assert "fail_once failed" in caplog.text
