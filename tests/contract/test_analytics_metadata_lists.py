"""Contract suite: ``GET /traces`` filtered by one metadata value stays exact as traces
change their metadata, move in time and get deleted, page after page.

ClickHouse streams such a page's candidate versions from ``trace_metadata``
(``storage/clickhouse/trace_metadata.py``), a copy of every version's metadata entries
that keeps the versions whose value a later version changed: the page's exact step on
``traces`` is what drops them. These cases fail if it does not.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
import pytest

from spyglass_core.domain.tracing import Trace
from spyglass_tracing.domain.queries import FilterCondition, TraceQuery
from spyglass_tracing.ports.analytics import AnalyticsStore
from tests.contract.analytics_support import P1, P2, T0, S, analytics_store, trace

__all__ = ("analytics_store",)  # the fixture, used by name

M = timedelta(minutes=1)
DAY = timedelta(days=1)


def _holding(key: str, value: str, operator: str = "=") -> FilterCondition:
    return FilterCondition(column="metadata", type="stringObject", operator=operator,
                           key=key, value=value)  # fmt: skip


async def _ids(store: AnalyticsStore, value: str, **query: Any) -> tuple[list[str], int | None]:
    """The page's ids in order and the total, filtered by ``customer = value``."""
    page = await store.find_traces(P1, TraceQuery(filters=[_holding("customer", value)], **query))
    assert all(item.metadata.get("customer", "") == value for item in page.items)
    return [item.id for item in page.items], page.total


def _later(row: Trace, step: int, **changes: Any) -> Trace:
    return msgspec.structs.replace(row, event_ts=T0 + step * S, **changes)


async def test_a_changed_value_or_a_deleted_trace_leaves_the_page(
    analytics_store: AnalyticsStore,
) -> None:
    first = [
        trace(f"t{i}", timestamp=T0 + i * M, metadata={"customer": "c1", "region": "eu"})
        for i in range(6)
    ]
    await analytics_store.upsert_traces([
        *first, trace("x1", project_id=P2, metadata={"customer": "c1"}),
    ])  # fmt: skip
    await analytics_store.upsert_traces([
        _later(first[5], 1, metadata={"customer": "c2"}),  # the newest leaves c1
        _later(first[4], 1, metadata={"customer": "c1", "plan": "pro"}),  # stays
        _later(first[3], 1, timestamp=T0 - 2 * DAY),  # moves two days back, stays
        _later(first[2], 1, is_deleted=True),  # a tombstone version
    ])  # fmt: skip
    await analytics_store.delete_traces(P1, ["t1"])

    assert await _ids(analytics_store, "c1") == (["t4", "t0", "t3"], 3)
    assert await _ids(analytics_store, "c2") == (["t5"], 1)
    assert await _ids(analytics_store, "c1", limit=1, offset=1) == (["t0"], 3)
    in_range = {"from_timestamp": T0, "to_timestamp": T0 + 5 * M}
    assert await _ids(analytics_store, "c1", **in_range) == (["t4", "t0"], 2)
    assert await _ids(analytics_store, "nobody") == ([], 0)


async def test_outdated_versions_crowding_the_newest_first_page_do_not_hide_it(
    analytics_store: AnalyticsStore,
) -> None:
    # Forty newer traces held c1 and left it: their old versions fill the candidate
    # stream ahead of the two that still hold it, and the page must reach past them.
    leaving = [trace(f"new{i:02}", timestamp=T0 + (100 + i) * M, metadata={"customer": "c1"})
               for i in range(40)]  # fmt: skip
    staying = [trace(f"old{i}", timestamp=T0 + i * M, metadata={"customer": "c1"})
               for i in range(2)]  # fmt: skip
    await analytics_store.upsert_traces([*leaving, *staying])
    await analytics_store.upsert_traces(
        [_later(row, 1, metadata={"customer": "c9"}) for row in leaving]
    )
    assert await _ids(analytics_store, "c1", limit=2) == (["old1", "old0"], 2)
    ids, total = await _ids(analytics_store, "c9", limit=5, offset=35)
    assert (ids, total) == ([f"new{i:02}" for i in range(4, -1, -1)], 40)


async def test_an_empty_value_matches_traces_without_the_key_too(
    analytics_store: AnalyticsStore,
) -> None:
    # A missing key reads as '' (ClickHouse's map, the fake alike): no entry stands for it.
    await analytics_store.upsert_traces([
        trace("t0", timestamp=T0, metadata={}),
        trace("t1", timestamp=T0 + M, metadata={"customer": ""}),
        trace("t2", timestamp=T0 + 2 * M, metadata={"customer": "c1"}),
    ])  # fmt: skip
    assert await _ids(analytics_store, "") == (["t1", "t0"], 2)


@pytest.mark.parametrize(
    "query",
    [{"tags": ["a"]}, {"name": "n0"}, {"user_id": "u0"}, {"environments": ["default"]},
     {"from_timestamp": T0 + M}],
)  # fmt: skip
async def test_a_metadata_value_with_other_conditions(
    analytics_store: AnalyticsStore, query: dict[str, Any]
) -> None:
    """With another condition the page reads `traces` (but for a time range, which the
    lookup checks too); either way only traces meeting every condition come."""
    same = {"name": "n0", "user_id": "u0", "tags": ["a"]}
    await analytics_store.upsert_traces([
        trace("t0", timestamp=T0, metadata={"customer": "c1"}, **same),
        trace("t1", timestamp=T0 + M, metadata={"customer": "c1"}, **same),
        trace("t2", timestamp=T0 + 2 * M, tags=["b"], metadata={"customer": "c1"}),
        trace("t3", timestamp=T0 + 3 * M, metadata={"customer": "c2"}, **same),
    ])  # fmt: skip
    # t2's newest version meets the other conditions but holds no metadata any more.
    await analytics_store.upsert_traces([_later(trace("t2", timestamp=T0 + 2 * M, **same), 1)])
    expected = ["t1"] if "from_timestamp" in query else ["t1", "t0"]
    assert (await _ids(analytics_store, "c1", **query))[0] == expected
