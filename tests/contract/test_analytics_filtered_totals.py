"""Contract suite: the total of a filtered ``GET /traces`` follows every write.

ClickHouse keeps such a total per UTC day and counts again only the days the daily
rollup's marks say changed (``storage/clickhouse/day_totals.py``). Each step here
changes what matches in a way that touches one day (or, for a delete, every day), and
the total must equal the number of rows the list returns.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spyglass_tracing.domain.queries import TraceQuery
from spyglass_tracing.ports.analytics import AnalyticsStore
from tests.contract.analytics_support import P1, P2, T0, S, analytics_store, cond, trace

__all__ = ("analytics_store",)  # the fixture, used by name

DAY = timedelta(days=1)
QUERIES = [
    pytest.param({"tags": ["a"]}, id="tag"),
    pytest.param({"tags": ["a"], "from_timestamp": T0 - 3 * DAY}, id="tag-since"),
    pytest.param({"filters": [cond("metadata", "stringObject", "=", "x", key="k")]}, id="metadata"),
]


def _matching(id: str, **changes: object) -> object:
    return trace(id, tags=["a"], metadata={"k": "x"}, **changes)


@pytest.mark.parametrize("query", QUERIES)
async def test_a_filtered_total_follows_writes_moves_tombstones_and_deletes(
    analytics_store: AnalyticsStore, query: dict[str, object]
) -> None:
    store = analytics_store

    async def total() -> int | None:
        page = await store.find_traces(P1, TraceQuery(limit=1, **query))  # type: ignore[arg-type]
        every = await store.find_traces(P1, TraceQuery(limit=100, **query))  # type: ignore[arg-type]
        assert page.total == len(every.items)
        return page.total

    epoch = datetime(1970, 1, 1, 12, tzinfo=UTC)
    await store.upsert_traces([
        _matching("t1"), _matching("t2", timestamp=T0 - 2 * DAY), trace("t3"),
        _matching("t4", timestamp=T0 - 9 * DAY), _matching("t5", timestamp=epoch),
        _matching("t9", project_id=P2),
    ])  # fmt: skip
    before = await total()
    # A new match on a day already counted, and one on a new day.
    await store.upsert_traces(
        [_matching("t6", timestamp=T0 + S), _matching("t7", timestamp=T0 + DAY)]
    )
    assert await total() == before + 2  # type: ignore[operator]
    # A match stops matching; a non-match starts to.
    await store.upsert_traces([trace("t1", event_ts=T0 + S), _matching("t3", event_ts=T0 + S)])
    assert await total() == before + 2  # type: ignore[operator]
    # A match moves days: out of the window of "tag-since" and back.
    await store.upsert_traces([_matching("t2", timestamp=T0 - 5 * DAY, event_ts=T0 + S)])
    moved_out = await total()
    await store.upsert_traces([_matching("t2", timestamp=T0 - DAY, event_ts=T0 + 2 * S)])
    assert await total() == before + 2  # type: ignore[operator]
    assert moved_out in (before + 1, before + 2)  # type: ignore[operator]
    # A tombstone, then deletes (every day changes, the epoch's included).
    await store.upsert_traces([_matching("t6", timestamp=T0 + S, is_deleted=True, event_ts=T0 + S)])
    assert await total() == before + 1  # type: ignore[operator]
    await store.delete_traces(P1, ["t5", "t7"])
    after_delete = await total()
    await store.upsert_traces([_matching("t8", timestamp=T0 - DAY)])
    assert await total() == after_delete + 1  # type: ignore[operator]
