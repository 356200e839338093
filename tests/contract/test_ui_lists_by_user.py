"""Contract suite: the web UI's traces table filtered by users, on the in-memory fake and
ClickHouse (embedded chDB).

ClickHouse reads the users' traces off ``traces_by_user``, where a trace that leaves a
user leaves a tombstone beside its live row under the next user
(``storage/clickhouse/ui_lists.py``, ``traces_by_user.users_traces``); users with many
rows there get their newest page from the newest-first scan of ``traces`` instead.
"""

from __future__ import annotations

import pytest

from spyglass_tracing.domain.ui_lists import TraceListQuery, TraceRow
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.storage.clickhouse import ui_lists
from tests.contract.test_ui_lists import LATER, P1, at, span, store, trace, walk

__all__ = ("store",)  # the fixture, used by name


@pytest.mark.parametrize(
    ("order_by", "few_rows"),
    [("timestamp", 5_000), ("timestamp", 0), ("name", 5_000), ("latency", 5_000),
     ("totalCost", 5_000)],
    ids=["timestamp-sorted-whole", "timestamp-newest-first", "name", "latency", "totalCost"],
)  # fmt: skip
async def test_a_user_filter_follows_traces_from_user_to_user(
    store: AnalyticsStore, order_by: str, few_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Filtered by users, ClickHouse reads `traces_by_user`, where a trace that leaves a
    # user leaves a tombstone beside its live row under the next user. Users with more
    # rows than `few_rows` get their newest page by the scan of `traces` instead.
    monkeypatch.setattr(ui_lists, "_SORTED_WHOLE_ROWS", few_rows)
    await store.upsert_traces([
        trace(f"t{n}", n, name=f"n{n}", user_id="a" if n % 2 else "b", input=f"in-{n}")
        for n in range(1, 7)
    ])  # fmt: skip
    await store.upsert_observations([span(f"o{n}", f"t{n}", n, n + n / 10) for n in range(1, 7)])
    # t1 moves from a to b (and is renamed), t2 from b to c, t3 leaves a for no user.
    await store.upsert_traces([
        trace("t1", 1, name="moved", user_id="b", input="in-1 again", event_ts=LATER),
        trace("t2", 2, name="n2", user_id="c", input="in-2", event_ts=LATER),
        trace("t3", 3, name="n3", user_id=None, event_ts=LATER),
    ])  # fmt: skip
    await store.delete_traces(P1, ["t6"])

    async def users(*user_ids: str) -> list[TraceRow]:
        query = TraceListQuery(limit=2, user_ids=list(user_ids), order_by=order_by)
        return await walk(store, query)

    def by_order(rows: list[TraceRow]) -> list[str]:
        return sorted(row.id for row in rows)

    assert by_order(await users("a")) == ["t5"]
    assert by_order(await users("b")) == ["t1", "t4"]
    assert by_order(await users("c")) == ["t2"]
    both = await users("a", "b", "c")
    assert by_order(both) == ["t1", "t2", "t4", "t5"]  # each once, t3 and t6 in none
    shown = {row.id: row for row in both}
    newest = (shown["t1"].name, shown["t1"].user_id, shown["t1"].input_preview)
    assert newest == ("moved", "b", "in-1 again")
    assert shown["t5"].observation_count == 1
    assert shown["t5"].latency == pytest.approx(0.5)
    if order_by == "timestamp":
        assert [row.id for row in both] == ["t5", "t4", "t2", "t1"]
    # With the table's other conditions, checked on the newest versions.
    in_range = TraceListQuery(limit=2, user_ids=["a", "b"], order_by=order_by,
                              from_timestamp=at(2), to_timestamp=at(5))  # fmt: skip
    assert by_order(await walk(store, in_range)) == ["t4"]
    searched = TraceListQuery(limit=2, user_ids=["a", "b", "c"], order_by=order_by,
                              search="MOVED")  # fmt: skip
    assert by_order(await walk(store, searched)) == ["t1"]
