"""Contract of ``Clock``: the system clock and ``FixedClock``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from spyglass_adapters.clock import SystemClock
from spyglass_adapters.memory.clock import FixedClock
from spyglass_core.ports.clock import Clock


@dataclass
class ClockUnderTest:
    clock: Clock
    let_time_pass: Callable[[float], Awaitable[None]]


@pytest.fixture(params=["system", "fixed"])
def subject(request: pytest.FixtureRequest) -> ClockUnderTest:
    if request.param == "system":
        return ClockUnderTest(SystemClock(), asyncio.sleep)
    clock = FixedClock()

    async def advance(seconds: float) -> None:
        clock.advance(seconds)

    return ClockUnderTest(clock, advance)


def test_now_is_timezone_aware_utc(subject: ClockUnderTest) -> None:
    now = subject.clock.now()
    assert isinstance(now, datetime)
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)


def test_now_and_monotonic_never_go_backwards(subject: ClockUnderTest) -> None:
    nows = [subject.clock.now() for _ in range(2000)]
    ticks = [subject.clock.monotonic() for _ in range(2000)]
    assert nows == sorted(nows)
    assert ticks == sorted(ticks)
    assert all(isinstance(t, float) for t in ticks)


async def test_both_clocks_move_forward_as_time_passes(subject: ClockUnderTest) -> None:
    now_before, tick_before = subject.clock.now(), subject.clock.monotonic()
    await subject.let_time_pass(0.05)
    now_after, tick_after = subject.clock.now(), subject.clock.monotonic()
    assert tick_after - tick_before >= 0.05 - 1e-6
    assert now_after - now_before >= timedelta(seconds=0.04)
    assert now_after.utcoffset() == timedelta(0)


def test_fixed_clock_moves_only_when_advanced() -> None:
    clock = FixedClock()
    start_now, start_tick = clock.now(), clock.monotonic()
    assert start_now == datetime(2026, 1, 1, tzinfo=UTC)
    assert (clock.now(), clock.monotonic()) == (start_now, start_tick)
    clock.advance(1.5)
    assert clock.now() == start_now + timedelta(seconds=1.5)
    assert clock.monotonic() == start_tick + 1.5
    clock.advance(0)
    assert clock.now() == start_now + timedelta(seconds=1.5)
    clock.advance(86_400)
    assert clock.now() == start_now + timedelta(days=1, seconds=1.5)
    assert clock.monotonic() == start_tick + 86_401.5


def test_fixed_clock_starts_where_told() -> None:
    start = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    clock = FixedClock(start)
    assert clock.now() == start
    clock.advance(60)
    assert clock.now() == datetime(2030, 6, 1, 12, 1, tzinfo=UTC)


def test_fixed_clock_given_a_non_utc_start_still_reports_utc() -> None:
    start = datetime(2030, 6, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    clock = FixedClock(start)
    assert clock.now() == start
    assert clock.now().utcoffset() == timedelta(0)


def test_fixed_clock_refuses_a_naive_start() -> None:
    with pytest.raises(ValueError):
        FixedClock(datetime(2030, 6, 1, 12, 0))
