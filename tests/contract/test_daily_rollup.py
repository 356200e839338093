"""Daily metrics stay exact after the days they report change (both stores).

ClickHouse serves whole days from a rollup computed at read time and computed again for
the days a write or a delete touched (``storage/clickhouse/daily_rollup.py``); these
read the metrics once, so the rollup is kept, then change the days in every way a trace
can change them, and read again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spyglass_core.domain.tracing import ObservationType
from spyglass_tracing.domain.queries import MetricsQuery, TraceQuery
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.storage.clickhouse import ClickHouseAnalyticsStore
from tests.contract.analytics_support import (
    P1,
    P2,
    T0,
    analytics_store,
    observation,
    opened_chdb_store,
    trace,
)

__all__ = ("analytics_store",)  # the fixture, used by name

DAY = timedelta(days=1)


async def _days(store: AnalyticsStore, **query: Any) -> list[tuple[str, int, int, float]]:
    page = await store.daily_metrics(P1, MetricsQuery(**query))
    return [(d.date, d.count_traces, d.count_observations, d.total_cost) for d in page.items]


def _generation(id: str, trace_id: str, cost: float, **changes: Any) -> Any:
    return observation(id, trace_id=trace_id, type=ObservationType.GENERATION,
                       provided_model_name="gpt-4o", total_cost=cost, **changes)  # fmt: skip


async def test_kept_days_follow_moves_new_observations_and_deletes(
    analytics_store: AnalyticsStore,
) -> None:
    store = analytics_store
    await store.upsert_traces([trace("a"), trace("b"), trace("c", timestamp=T0 + DAY)])
    await store.upsert_observations([
        _generation("oa", "a", 1.0), _generation("ob", "b", 2.0),
        _generation("oc", "c", 4.0, start_time=T0 + DAY),
    ])  # fmt: skip
    first = [("2024-04-01", 1, 1, 4.0), ("2024-03-31", 2, 2, 3.0)]
    assert await _days(store) == first
    assert await _days(store) == first  # read twice: the second from the rollup

    later = T0 + timedelta(minutes=5)
    # b moves two days on: it leaves the day it was counted in.
    await store.upsert_traces([trace("b", timestamp=T0 + 2 * DAY, event_ts=later)])
    # c gains an observation, written without its trace.
    await store.upsert_observations([_generation("oc2", "c", 8.0, start_time=T0 + DAY)])
    # Another project's write changes nothing here.
    await store.upsert_traces([trace("elsewhere", project_id=P2, timestamp=T0 + 3 * DAY)])
    midnight = T0.replace(hour=0, minute=0, second=0, microsecond=0)
    # A window that ends before b's new day computes the day b left without it.
    assert await _days(store, to_timestamp=midnight + 2 * DAY) == [
        ("2024-04-01", 1, 2, 12.0),
        ("2024-03-31", 1, 1, 1.0),
    ]
    assert await _days(store) == [
        ("2024-04-02", 1, 1, 2.0),
        ("2024-04-01", 1, 2, 12.0),
        ("2024-03-31", 1, 1, 1.0),
    ]

    await store.delete_traces(P1, ["a"])
    after_delete = [("2024-04-02", 1, 1, 2.0), ("2024-04-01", 1, 2, 12.0)]
    assert await _days(store) == after_delete
    assert await _days(store) == after_delete
    # A window of whole days and one cut inside days agree with the whole project's.
    cut = T0 + DAY + timedelta(minutes=1)  # after c, inside its day
    assert await _days(store, from_timestamp=cut, to_timestamp=T0 + 3 * DAY) == [
        ("2024-04-02", 1, 1, 2.0)
    ]
    assert await _days(store, from_timestamp=midnight + DAY, to_timestamp=midnight + 3 * DAY) == (
        after_delete
    )


@pytest.fixture
async def chdb_store(chdb_dsn: str) -> AsyncIterator[ClickHouseAnalyticsStore]:
    async with opened_chdb_store(chdb_dsn) as store:
        yield store


async def test_a_write_during_a_days_computation_is_counted_by_the_next_read(
    chdb_store: ClickHouseAnalyticsStore,
) -> None:
    """A write that lands after a day was computed, before its row is kept, leaves the
    kept row out of date: its mark is later than the time the computation began."""
    store = chdb_store
    await store.upsert_traces([trace("a")])
    rollup = store._rollup
    compute = rollup._compute

    def compute_then_write(*args: Any) -> Any:
        computed = compute(*args)
        # On the connection's thread, as a concurrent writer's insert would run.
        store._write([trace("b")], [], [], None)
        return computed

    rollup._compute = compute_then_write  # type: ignore[method-assign]
    assert await _days(store) == [("2024-03-31", 1, 0, 0.0)]  # computed before b
    rollup._compute = compute  # type: ignore[method-assign]
    assert await _days(store) == [("2024-03-31", 2, 0, 0.0)]
    assert await _days(store) == [("2024-03-31", 2, 0, 0.0)]


async def test_a_day_computed_alone_does_not_count_a_trace_that_moved_away(
    analytics_store: AnalyticsStore,
) -> None:
    """A window that holds the day a trace left, not the day it moved to: the day is
    computed again alone, and the trace's newer version on the other day must still
    decide (ClickHouse reads it through the days ``moved_rows`` keeps)."""
    store = analytics_store
    await store.upsert_traces([trace("stays"), trace("moves")])
    assert await _days(store) == [("2024-03-31", 2, 0, 0.0)]
    await store.upsert_traces(
        [trace("moves", timestamp=T0 + 3 * DAY, event_ts=T0 + timedelta(minutes=5))]
    )
    start = T0.replace(hour=0, minute=0, second=0, microsecond=0)
    window = {"from_timestamp": start, "to_timestamp": start + DAY}
    assert await _days(store, **window) == [("2024-03-31", 1, 0, 0.0)]
    assert await _days(store) == [("2024-04-03", 1, 0, 0.0), ("2024-03-31", 1, 0, 0.0)]


async def test_traces_on_the_epochs_day_are_counted(analytics_store: AnalyticsStore) -> None:
    """1970-01-01 (a client clock at zero) is also the day a delete's mark names: it is
    still a day of its own, in the daily metrics and in the list's total."""
    store = analytics_store
    epoch = datetime(1970, 1, 1, 12, tzinfo=UTC)
    await store.upsert_traces([trace("zero", timestamp=epoch), trace("now")])
    assert await _days(store) == [("2024-03-31", 1, 0, 0.0), ("1970-01-01", 1, 0, 0.0)]
    await store.delete_traces(P1, ["now"])
    assert await _days(store) == [("1970-01-01", 1, 0, 0.0)]
    assert (await store.find_traces(P1, TraceQuery(limit=1))).total == 1
