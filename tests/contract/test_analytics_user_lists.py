"""Contract suite: ``GET /traces?userId=`` and a page's score ids stay exact as traces
change user, get deleted, and scores come and go; so do a user's observations, scores
and daily metrics.

ClickHouse answers a user's list from ``traces_by_user`` and a page's score ids from
``scores_by_trace`` (``storage/clickhouse/traces_by_user.py``, ``scores_by_trace.py``),
copies that a materialized view fills. A trace that leaves a user keeps its older
version there; the tombstone the store writes is what hides it. Both write paths are
covered: ``upsert_traces`` (the store reads the stored users back) and
``write(..., replaces=...)`` (the worker's, which passes the versions it merged from).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import msgspec
import pytest

from spyglass_core.domain.tracing import Trace
from spyglass_tracing.domain.queries import MetricsQuery, TraceQuery
from spyglass_tracing.ports.analytics import AnalyticsStore
from tests.contract.analytics_support import (
    P1,
    T0,
    H,
    S,
    analytics_store,
    found_observations,
    found_scores,
    observation,
    score,
    trace,
)

__all__ = ("analytics_store",)  # the fixture, used by name

Writer = Callable[[AnalyticsStore, Sequence[Trace], Sequence[Trace]], Awaitable[None]]


async def _by_upsert(
    store: AnalyticsStore, traces: Sequence[Trace], stored: Sequence[Trace]
) -> None:
    await store.upsert_traces(traces)


async def _by_merge(
    store: AnalyticsStore, traces: Sequence[Trace], stored: Sequence[Trace]
) -> None:
    await store.write(traces=traces, replaces=list(stored))


WRITERS = [pytest.param(_by_upsert, id="upsert"), pytest.param(_by_merge, id="merge")]


async def _of_user(store: AnalyticsStore, user_id: str, **query: object) -> list[str]:
    """The ids of the user's page, in page order; checks the total and the rows' user."""
    page = await store.find_traces(P1, TraceQuery(user_id=user_id, limit=50, **query))  # type: ignore[arg-type]
    assert all(item.user_id == user_id for item in page.items)
    if query.get("offset", 0) == 0 and len(page.items) < 50:
        assert page.total == len(page.items)
    return [item.id for item in page.items]


def _later(row: Trace, step: int, **changes: object) -> Trace:
    """The next version of ``row``: ``changes`` applied, ``step`` seconds later."""
    return msgspec.structs.replace(row, event_ts=T0 + step * S, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("write", WRITERS)
async def test_a_trace_that_changes_user_is_listed_under_its_new_user_only(
    analytics_store: AnalyticsStore, write: Writer
) -> None:
    first = trace("t1", user_id="u1", name="first")
    other = trace("t2", timestamp=T0 - H, user_id="u1")
    await write(analytics_store, [first, other], [])
    assert await _of_user(analytics_store, "u1") == ["t1", "t2"]

    moved = _later(first, 1, user_id="u2", name="moved")
    await write(analytics_store, [moved], [first])
    assert await _of_user(analytics_store, "u1") == ["t2"]
    assert await _of_user(analytics_store, "u2") == ["t1"]
    [listed] = (await analytics_store.find_traces(P1, TraceQuery(user_id="u2"))).items
    assert listed.name == "moved"

    back = _later(moved, 2, user_id="u1", name="back")
    await write(analytics_store, [back], [moved])
    assert await _of_user(analytics_store, "u1") == ["t1", "t2"]
    assert await _of_user(analytics_store, "u2") == []
    [listed, _] = (await analytics_store.find_traces(P1, TraceQuery(user_id="u1"))).items
    assert listed.name == "back"


@pytest.mark.parametrize("write", WRITERS)
async def test_a_trace_gets_its_user_later_and_keeps_it_through_updates(
    analytics_store: AnalyticsStore, write: Writer
) -> None:
    anonymous = trace("t1")
    await write(analytics_store, [anonymous], [])
    assert await _of_user(analytics_store, "u1") == []

    named = _later(anonymous, 1, user_id="u1")
    await write(analytics_store, [named], [anonymous])
    renamed = _later(named, 2, name="renamed", tags=["x"])
    await write(analytics_store, [renamed], [named])
    assert await _of_user(analytics_store, "u1") == ["t1"]
    assert await _of_user(analytics_store, "u1", tags=["x"]) == ["t1"]
    assert await _of_user(analytics_store, "u1", name="renamed") == ["t1"]
    assert await _of_user(analytics_store, "u1", name="other") == []


async def test_a_users_list_pages_in_any_order_with_the_other_conditions(
    analytics_store: AnalyticsStore,
) -> None:
    traces = [
        trace(f"t{i}", timestamp=T0 + i * H, user_id="u1" if i % 3 else "u2",
              name=f"n{i % 2}")
        for i in range(12)
    ]  # fmt: skip
    await analytics_store.upsert_traces(traces)
    mine = [f"t{i}" for i in reversed(range(12)) if i % 3]
    assert await _of_user(analytics_store, "u1") == mine
    page = await analytics_store.find_traces(P1, TraceQuery(user_id="u1", limit=3, offset=2))
    assert [item.id for item in page.items] == mine[2:5]
    assert page.total == len(mine)
    oldest_first = TraceQuery(user_id="u1", order_by="timestamp", order_desc=False)
    page = await analytics_store.find_traces(P1, oldest_first)
    assert [item.id for item in page.items] == mine[::-1]
    named = [f"t{i}" for i in reversed(range(12)) if i % 3 and i % 2 == 0]
    assert await _of_user(analytics_store, "u1", name="n0") == named
    window = TraceQuery(user_id="u1", from_timestamp=T0 + 4 * H, to_timestamp=T0 + 8 * H)
    page = await analytics_store.find_traces(P1, window)
    assert [item.id for item in page.items] == ["t7", "t5", "t4"]


async def test_deleted_traces_leave_their_users_list_and_scores_their_traces(
    analytics_store: AnalyticsStore,
) -> None:
    await analytics_store.upsert_traces(
        [trace("t1", user_id="u1"), trace("t2", timestamp=T0 + H, user_id="u1")]
    )
    await analytics_store.upsert_scores([
        score("s1", trace_id="t1"), score("s2", trace_id="t1", timestamp=T0 + S),
        score("s3", trace_id="t2"),
    ])  # fmt: skip
    assert await analytics_store.score_ids_of_traces(P1, ["t1", "t2"]) == {
        "t1": ["s1", "s2"], "t2": ["s3"],
    }  # fmt: skip

    await analytics_store.delete_scores(P1, ["s1"])
    assert await analytics_store.score_ids_of_traces(P1, ["t1"]) == {"t1": ["s2"]}
    await analytics_store.delete_traces(P1, ["t2"])
    assert await _of_user(analytics_store, "u1") == ["t1"]
    assert await analytics_store.score_ids_of_traces(P1, ["t2"]) == {"t2": []}


async def test_a_scores_newest_version_is_the_one_whose_time_orders_it(
    analytics_store: AnalyticsStore,
) -> None:
    first = score("s1", trace_id="t1", timestamp=T0 + H)
    await analytics_store.upsert_scores([first, score("s2", trace_id="t1", timestamp=T0)])
    assert await analytics_store.score_ids_of_traces(P1, ["t1"]) == {"t1": ["s2", "s1"]}
    earlier = msgspec.structs.replace(first, timestamp=T0 - H, event_ts=T0 + S)
    await analytics_store.upsert_scores([earlier])
    assert await analytics_store.score_ids_of_traces(P1, ["t1"]) == {"t1": ["s1", "s2"]}


@pytest.mark.parametrize("write", WRITERS)
async def test_observations_scores_and_daily_metrics_follow_a_trace_to_its_new_user(
    analytics_store: AnalyticsStore, write: Writer
) -> None:
    first = trace("t1", user_id="u1")
    await write(analytics_store, [first, trace("t2", user_id="u1")], [])
    await analytics_store.upsert_observations(
        [observation("o1", trace_id="t1"), observation("o2", trace_id="t2")]
    )
    await analytics_store.upsert_scores([score("s1", trace_id="t1"), score("s2", trace_id="t2")])
    await write(analytics_store, [_later(first, 1, user_id="u2")], [first])

    assert await found_observations(analytics_store, user_id="u1") == ["o2"]
    assert await found_observations(analytics_store, user_id="u2") == ["o1"]
    assert await found_scores(analytics_store, user_id="u1") == ["s2"]
    assert await found_scores(analytics_store, user_id="u2") == ["s1"]
    for user_id, count in (("u1", 1), ("u2", 1), ("u3", 0)):
        days = await analytics_store.daily_metrics(P1, MetricsQuery(user_id=user_id))
        assert sum(day.count_traces for day in days.items) == count, user_id


async def test_an_older_version_written_later_does_not_list_the_trace_under_its_user(
    analytics_store: AnalyticsStore,
) -> None:
    """``upsert_traces`` takes any ``event_ts``: a version older than the stored newest
    names a user the trace is not under."""
    newest = trace("t1", user_id="u2", name="newest", event_ts=T0 + 10 * S)
    await analytics_store.upsert_traces([newest])
    await analytics_store.upsert_traces([trace("t1", user_id="u1", name="older")])
    assert await _of_user(analytics_store, "u1") == []
    assert await _of_user(analytics_store, "u2") == ["t1"]
    [listed] = (await analytics_store.find_traces(P1, TraceQuery(user_id="u2"))).items
    assert listed.name == "newest"


async def test_several_versions_of_a_trace_in_one_write_count_in_version_order(
    analytics_store: AnalyticsStore,
) -> None:
    await analytics_store.upsert_traces([
        trace("t1", user_id="u4", event_ts=T0 + S), trace("t1", user_id="u3"),
        trace("t2", user_id="u3"), trace("t2", user_id="u4", event_ts=T0 + S),
    ])  # fmt: skip
    assert await _of_user(analytics_store, "u3") == []
    assert await _of_user(analytics_store, "u4") == ["t2", "t1"]  # same time: id desc
