"""Plan guards of the lookup tables and the per-day totals (``EXPLAIN indexes = 1``).

The fixture and the plan reader are ``test_clickhouse_plans``'s; see its docstring.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from spyglass_core.domain.tracing import Trace
from spyglass_tracing.domain.queries import (
    FilterCondition,
    MetricsQuery,
    ObservationQuery,
    ScoreQuery,
    TraceQuery,
)
from spyglass_tracing.domain.ui_lists import TraceListQuery
from spyglass_tracing.storage.clickhouse import ui_lists
from tests.contract.test_clickhouse_plans import P1, T0, Recorded, recorded

__all__ = ("recorded",)  # the fixture, used by name


async def test_a_users_traces_and_a_pages_score_ids_are_read_by_their_lookup_key(
    recorded: Recorded,
) -> None:
    """A user's list (page and total), observations, scores and days read the user's
    traces off ``traces_by_user``, and a page's score ids off ``scores_by_trace``, each
    through its key: never ``traces``, where one user's rows are spread over every day."""
    store = recorded.store
    await store.find_traces(P1, TraceQuery(limit=10, user_id="u1"))
    await store.score_ids_of_traces(P1, ["t1", "t2"])
    await store.find_observations(P1, ObservationQuery(limit=10, user_id="u1"))
    await store.find_scores(P1, ScoreQuery(limit=10, user_id="u1"))
    await store.daily_metrics(P1, MetricsQuery(user_id="u1"))
    queries = recorded.take()
    reads = [read for reads in recorded.reads(queries) for read in reads]
    tables = {read.table for read in reads}
    assert {"traces_by_user", "scores_by_trace"} <= tables, reads
    assert "traces" not in tables, reads
    for read in reads:
        key = {"traces_by_user": "user_id in ", "scores_by_trace": "trace_id in "}.get(read.table)
        if key is not None:
            assert any("project_id in " in c and key in c for c in read.primary_key), read


async def test_the_traces_table_filtered_by_users_reads_their_traces_by_the_lookup_key(
    recorded: Recorded,
) -> None:
    """The web UI's traces table filtered by users finds its page and reads the page's
    rows off ``traces_by_user``, in every order: never ``traces``."""
    store = recorded.store
    for order_by in ("timestamp", "name", "latency"):
        await store.find_trace_rows(
            P1, TraceListQuery(limit=10, user_ids=["u1", "u2"], order_by=order_by)
        )
    reads = [read for reads in recorded.reads(recorded.take()) for read in reads]
    tables = {read.table for read in reads}
    assert "traces_by_user" in tables, reads
    assert "traces" not in tables, reads
    for read in reads:
        if read.table == "traces_by_user":
            assert any("user_id in " in c for c in read.primary_key), read


async def test_many_users_rows_are_read_by_user_and_id(
    recorded: Recorded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Users with many rows get their newest page off ``traces`` (newest first), and the
    page's shown columns off ``traces_by_user`` by user and id, before deduplicating."""
    monkeypatch.setattr(ui_lists, "_SORTED_WHOLE_ROWS", 0)
    store = recorded.store
    page = await store.find_trace_rows(P1, TraceListQuery(limit=10, user_ids=["u1", "u2"]))
    assert page.items
    reads = [read for reads in recorded.reads(recorded.take()) for read in reads]
    by_user = [read for read in reads if read.table == "traces_by_user"]
    assert by_user, reads
    assert any(
        "user_id in " in c and "id in " in c.replace("user_id in ", "")
        for read in by_user
        for c in read.primary_key
    ), by_user


async def test_a_page_by_a_metadata_value_streams_its_candidates_off_trace_metadata(
    recorded: Recorded,
) -> None:
    """A list filtered by one metadata value takes its candidate versions off
    ``trace_metadata``, in reverse key order after the fixed key and value (so it stops
    after a page), and reads ``traces`` only for those ids."""
    store = recorded.store
    await store.upsert_traces([
        Trace(id=f"m{i}", project_id=P1, timestamp=T0 + timedelta(minutes=i), event_ts=T0,
              metadata={"customer": f"c{i % 2}"})
        for i in range(10)
    ])  # fmt: skip
    recorded.take()
    holding = FilterCondition(column="metadata", type="stringObject", operator="=",
                              key="customer", value="c1")  # fmt: skip
    page = await store.find_traces(P1, TraceQuery(limit=3, filters=[holding]))
    assert [trace.id for trace in page.items] == ["m9", "m7", "m5"]
    # The total is counted per day apart (day_totals), once, and kept.
    queries = [(sql, p) for sql, p in recorded.take() if not sql.startswith("SELECT day")]
    reads = [read for reads in recorded.reads(queries) for read in reads]
    lookups = [read for read in reads if read.table == "trace_metadata"]
    assert lookups, reads
    for read in lookups:
        assert read.read_type == "InReverseOrder", read
        assert any("(key in " in c and "(value_hash in " in c for c in read.primary_key), read
    traces = [read for read in reads if read.table == "traces"]
    assert traces, reads
    for read in traces:
        assert any("(id in " in c for c in read.primary_key), read


async def test_a_filtered_total_after_a_write_counts_only_the_changed_day(
    recorded: Recorded,
) -> None:
    """A filtered list's total is kept per day (``day_totals``): after a write it counts
    again only the day the write touched, through the key, not the project's traces."""
    store = recorded.store
    named = TraceQuery(limit=10, name="n1")
    first = await store.find_traces(P1, named)
    later = T0 + timedelta(days=3)
    await store.upsert_traces(
        [Trace(id="t-later", project_id=P1, timestamp=later, name="n1", event_ts=T0)]
    )
    recorded.take()
    after = await store.find_traces(P1, named)
    assert after.total == (first.total or 0) + 1
    counts = [(sql, p) for sql, p in recorded.take() if sql.startswith("SELECT day, count()")]
    assert len(counts) == 1, counts
    [reads] = recorded.reads(counts)
    trace_reads = [read for read in reads if read.table == "traces"]
    by_id = [c for read in trace_reads for c in read.primary_key if "id in 1-element set" in c]
    assert by_id and all("toDate(timestamp)" in c for c in by_id), trace_reads
