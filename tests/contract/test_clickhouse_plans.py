"""The hot public reads use the sorting key and the indexes (``EXPLAIN indexes = 1``).

A guard on query plans instead of wall-clock thresholds: it cannot flake, and it fails
when a change to a table or a query makes a read scan what it used to skip — the newest
first lists stop reading the sorting key in reverse (and so read every row of the
project to sort it), a read loses its project bound, an id lookup its index.

Each test runs reads through a ``ClickHouseAnalyticsStore`` on embedded chDB whose client
records every query, then asks chDB for the plan of each recorded query.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spyglass_core.domain.tracing import Observation, ObservationType, Score, Trace
from spyglass_tracing.domain.queries import (
    MetricsQuery,
    ObservationQuery,
    ScoreQuery,
    TraceQuery,
)
from spyglass_tracing.domain.ui_lists import TraceListQuery
from spyglass_tracing.storage.clickhouse import ClickHouseAnalyticsStore
from tests.contract.analytics_support import opened_chdb_store

P1 = "project-1"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


class RecordingClient:
    """Delegates to a clickhouse-connect client and keeps every query it was given."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.queries: list[tuple[str, dict[str, Any]]] = []

    def query(self, sql: str, parameters: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        self.queries.append((sql, dict(parameters or {})))
        return self.client.query(sql, parameters=parameters, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


@dataclass
class TableRead:
    """One ``ReadFromMergeTree`` step of a plan."""

    table: str
    read_type: str = ""
    primary_key: list[str] = field(default_factory=list)
    skip_indexes: list[str] = field(default_factory=list)


def plan_reads(client: Any, sql: str, parameters: dict[str, Any]) -> list[TableRead]:
    """The table reads of ``sql``'s plan: read type, primary-key conditions, skip indexes."""
    lines = [
        str(row[0])
        for row in client.query(
            f"EXPLAIN actions = 1, indexes = 1 {sql}", parameters=parameters
        ).result_rows
    ]
    reads: list[TableRead] = []
    section = ""
    for raw in lines:
        line = raw.strip(" │└─")
        match = re.match(r"ReadFromMergeTree \((\S+)\)", line)
        if match:
            reads.append(TableRead(table=match.group(1).split(".")[-1]))
            section = ""
            continue
        if not reads:
            continue
        read = reads[-1]
        if line.startswith("Read type:"):
            read.read_type = line.removeprefix("Read type:").strip()
        elif line in ("PrimaryKey", "Skip", "Partition", "Min-Max"):
            section = line
        elif section == "PrimaryKey" and line.startswith("Condition:"):
            read.primary_key.append(line.removeprefix("Condition:").strip())
        elif section == "Skip" and line.startswith("Name:"):
            read.skip_indexes.append(line.removeprefix("Name:").strip())
    return reads


@dataclass
class Recorded:
    store: ClickHouseAnalyticsStore
    recorder: RecordingClient

    def take(self) -> list[tuple[str, dict[str, Any]]]:
        """The queries on the tracing tables since the last take (not the system tables)."""
        queries, self.recorder.queries = self.recorder.queries, []
        return [(sql, params) for sql, params in queries if "system.parts" not in sql]

    def reads(self, queries: Sequence[tuple[str, dict[str, Any]]]) -> list[list[TableRead]]:
        return [plan_reads(self.recorder.client, sql, params) for sql, params in queries]


@pytest.fixture
async def recorded(chdb_dsn: str) -> AsyncIterator[Recorded]:
    """A store holding a few traces, observations and scores, its queries recorded."""
    async with opened_chdb_store(chdb_dsn) as store:
        minute = timedelta(minutes=1)
        await store.upsert_traces([
            Trace(id=f"t{i}", project_id=P1, timestamp=T0 + i * minute, user_id=f"u{i % 3}",
                  session_id=f"s{i % 4}", name=f"n{i % 2}", event_ts=T0)
            for i in range(40)
        ])  # fmt: skip
        await store.upsert_observations([
            Observation(id=f"o{i}", trace_id=f"t{i % 40}", project_id=P1,
                        type=ObservationType.GENERATION if i % 3 else ObservationType.SPAN,
                        start_time=T0 + i * minute, event_ts=T0)
            for i in range(120)
        ])  # fmt: skip
        await store.upsert_scores([
            Score(id=f"s{i}", project_id=P1, trace_id=f"t{i}", timestamp=T0 + i * minute,
                  name="quality", value=0.5, event_ts=T0)
            for i in range(40)
        ])  # fmt: skip
        recorder = RecordingClient(store._client)
        store._client = recorder
        yield Recorded(store, recorder)


# The prefix scan of a newest-first page: versions in the key's order, cut by a LIMIT.
_PREFIX_SCAN = re.compile(
    r"^SELECT id, \S+(, toDate\(\S+\))? FROM \S+ WHERE .* ORDER BY toDate\(.* LIMIT \{\w+:UInt64\}$"
)


def _prefix_scans(recorded: Recorded) -> list[tuple[str, list[TableRead]]]:
    queries = recorded.take()
    scans = [(sql, params) for sql, params in queries if _PREFIX_SCAN.search(sql)]
    return [(sql, reads) for (sql, _), reads in zip(scans, recorded.reads(scans), strict=True)]


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda s: s.find_traces(P1, TraceQuery(limit=10)), id="traces"),
        pytest.param(
            lambda s: s.find_traces(P1, TraceQuery(limit=10, tags=["a"], name="n1")),
            id="traces-by-tag-and-name",
        ),
        pytest.param(lambda s: s.find_observations(P1, ObservationQuery(limit=10)), id="v2-obs"),
        pytest.param(
            lambda s: s.find_observations(P1, ObservationQuery(limit=10, type="GENERATION")),
            id="v2-obs-by-type",
        ),
        pytest.param(lambda s: s.find_scores(P1, ScoreQuery(limit=10)), id="scores"),
    ],
)
async def test_newest_first_pages_read_the_sorting_key_in_reverse(
    recorded: Recorded, read: Any
) -> None:
    await read(recorded.store)
    scans = _prefix_scans(recorded)
    assert scans, "the newest-first page did not use the prefix scan"
    for sql, reads in scans:
        assert len(reads) == 1, sql
        assert reads[0].read_type == "InReverseOrder", (sql, reads)
        assert any("project_id" in condition for condition in reads[0].primary_key), reads


def _sort_descriptions(client: Any, sql: str, parameters: dict[str, Any]) -> tuple[str, str]:
    """The (prefix, result) sort descriptions of ``sql``'s ORDER BY step: the part the
    table's order serves, and the whole order."""
    lines = [
        str(row[0]).strip(" │└─")
        for row in client.query(f"EXPLAIN actions = 1 {sql}", parameters=parameters).result_rows
    ]
    found = {}
    for line in lines:
        for name in ("Prefix sort description:", "Result sort description:"):
            if line.startswith(name):
                found[name] = line.removeprefix(name).strip()
    return found.get("Prefix sort description:", ""), found["Result sort description:"]


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda s: s.find_traces(P1, TraceQuery(limit=10)), id="traces"),
        pytest.param(
            lambda s: s.find_traces(P1, TraceQuery(limit=10, name="n1")), id="traces-by-name"
        ),
        pytest.param(lambda s: s.find_trace_rows(P1, TraceListQuery(limit=10)), id="ui-traces"),
        pytest.param(lambda s: s.find_observations(P1, ObservationQuery(limit=10)), id="v2-obs"),
        pytest.param(
            lambda s: s.find_observations(P1, ObservationQuery(limit=10, type="GENERATION")),
            id="v2-obs-by-type",
        ),
    ],
)
async def test_newest_first_pages_stop_after_a_page_of_versions(
    recorded: Recorded, read: Any
) -> None:
    """The traces' and observations' keys go on with the time after the day, so the order
    of a newest-first page is the key's whole: nothing is sorted after reading, and the
    scan stops at its LIMIT instead of reading the newest day (``LIMIT 1 BY`` in the scan
    would keep it from stopping too)."""
    await read(recorded.store)
    queries = recorded.take()
    scans = [(sql, params) for sql, params in queries if _PREFIX_SCAN.search(sql)]
    assert scans, queries
    for sql, params in scans:
        assert "LIMIT 1 BY" not in sql, sql
        prefix, result = _sort_descriptions(recorded.recorder.client, sql, params)
        assert prefix == result, (sql, prefix, result)


@pytest.mark.parametrize(
    ("read", "table"),
    [
        pytest.param(lambda s: s.find_traces(P1, TraceQuery(limit=10)), "traces", id="traces"),
        pytest.param(
            lambda s: s.find_observations(P1, ObservationQuery(limit=10)),
            "observations",
            id="v2-obs",
        ),
        pytest.param(lambda s: s.find_scores(P1, ScoreQuery(limit=10)), "scores", id="scores"),
    ],
)
async def test_the_exact_step_reads_its_ids_by_day_through_the_key(
    recorded: Recorded, read: Any, table: str
) -> None:
    """A page's candidate ids are checked against their newest versions on the days they
    were seen and those ``moved_rows`` holds for them: the day bounds the key, so the id
    index of every granule of the project is not probed."""
    await read(recorded.store)
    queries = recorded.take()
    # (the daily rollup's computation, for the list's total, reads moved_rows too)
    exact = [(sql, params) for sql, params in queries
             if "moved_rows" in sql and not sql.startswith("SELECT day")]  # fmt: skip
    assert len(exact) == 1, queries
    # The set of days (built from the subquery before the key is analysed) is in the
    # primary key's condition, with the ids and the project.
    reads = recorded.reads(exact)[0]
    assert [table_read.table for table_read in reads] == [table], reads
    key = reads[0].primary_key
    assert any("(toDate(" in c and "(id in " in c and "project_id" in c for c in key), key


async def test_a_selective_condition_deduplicates_its_candidates_only(
    recorded: Recorded,
) -> None:
    """A user's traces are few and scattered: no walk over the whole project for them."""
    await recorded.store.find_traces(P1, TraceQuery(limit=10, user_id="u1"))
    assert not _prefix_scans(recorded)


async def test_every_hot_read_is_bounded_by_the_project_key(recorded: Recorded) -> None:
    store = recorded.store
    await store.find_traces(P1, TraceQuery(limit=10))
    await store.find_traces(P1, TraceQuery(limit=10, session_id="s1"))
    await store.get_trace(P1, "t1")
    await store.list_observations(P1, "t1")
    await store.list_scores(P1, "t1")
    await store.trace_metrics(P1, ["t1", "t2"])
    await store.find_observations(P1, ObservationQuery(limit=10, trace_id="t1"))
    await store.get_session(P1, "s1")
    await store.session_traces(P1, "s1")
    await store.daily_metrics(P1, MetricsQuery(from_timestamp=T0, to_timestamp=T0 + timedelta(1)))
    queries = recorded.take()
    assert len(queries) >= 10
    for (sql, _), reads in zip(queries, recorded.reads(queries), strict=True):
        assert reads, sql
        for read in reads:
            assert any("project_id" in c for c in read.primary_key), (sql, read)


async def test_lookups_by_id_use_the_key_and_the_id_index(recorded: Recorded) -> None:
    await recorded.store.get_trace(P1, "t1")
    await recorded.store.get_observations(P1, ["o1", "o2"])
    queries = recorded.take()
    for (sql, _), reads in zip(queries, recorded.reads(queries), strict=True):
        for read in reads:
            assert any("(id in " in c for c in read.primary_key), (sql, read)
            assert "idx_id" in read.skip_indexes, (sql, read)


_CANDIDATE_PASS = re.compile(r"id IN \(SELECT id FROM \S+\.(observations|scores) WHERE")


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda s: s.list_observations(P1, "t1"), id="trace-observations"),
        pytest.param(lambda s: s.list_scores(P1, "t1"), id="trace-scores"),
        pytest.param(lambda s: s.scores_of_traces(P1, ["t1", "t2"]), id="list-scores"),
        pytest.param(
            lambda s: s.find_observations(P1, ObservationQuery(limit=10, trace_id="t1")),
            id="observations-of-a-trace",
        ),
        pytest.param(
            lambda s: s.find_observations(P1, ObservationQuery(limit=10, user_id="u1")),
            id="observations-of-a-user",
        ),
        pytest.param(
            lambda s: s.find_scores(P1, ScoreQuery(limit=10, trace_id="t1")),
            id="scores-of-a-trace",
        ),
    ],
)
async def test_reads_by_trace_filter_row_versions_through_the_trace_index(
    recorded: Recorded, read: Any
) -> None:
    """A trace's observations and scores are read once, their versions filtered by the
    ``idx_trace_id`` bloom index under the project key: no pass that first collects
    candidate ids from the table (which read the project's index twice)."""
    await read(recorded.store)
    queries = recorded.take()
    checked = 0
    for (sql, _), reads in zip(queries, recorded.reads(queries), strict=True):
        for table_read in reads:
            if table_read.table in ("observations", "scores"):
                assert "idx_trace_id" in table_read.skip_indexes, (sql, table_read)
                assert any("project_id" in c for c in table_read.primary_key), table_read
                checked += 1
        assert not _CANDIDATE_PASS.search(sql), sql
    assert checked >= 1, queries


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda s: s.trace_metrics(P1, ["t1", "t2"]), id="list-default-fields"),
    ],
)
async def test_trace_summaries_serve_metrics_without_reading_observations(
    recorded: Recorded, read: Any
) -> None:
    """Latency, cost and ids of a page's traces come from the trace rows' summaries: one
    read of ``traces`` under the project key, no observation."""
    await read(recorded.store)
    queries = recorded.take()
    reads = [read for reads in recorded.reads(queries) for read in reads]
    assert len(queries) == 1 and reads, queries
    for table_read in reads:
        assert table_read.table == "traces", (queries, table_read)
        assert any("project_id" in c for c in table_read.primary_key), table_read


def _tables_read(recorded: Recorded) -> list[TableRead]:
    queries = recorded.take()
    return [read for reads in recorded.reads(queries) for read in reads]


async def test_daily_metrics_compute_only_the_days_changed_since_the_rollup(
    recorded: Recorded,
) -> None:
    """The first daily read computes the days from the trace summaries (no observation
    read); the next reads only the rollup; after a write, only the day it touched is
    computed again."""
    store = recorded.store
    first = await store.daily_metrics(P1, MetricsQuery())
    reads = _tables_read(recorded)
    assert {read.table for read in reads} == {"changed_days", "daily_rollup", "traces"}, reads
    for read in reads:
        assert any("project_id" in c for c in read.primary_key), read

    again = await store.daily_metrics(P1, MetricsQuery())
    assert again == first
    assert {read.table for read in _tables_read(recorded)} == {"changed_days", "daily_rollup"}

    later = T0 + timedelta(days=3)
    await store.upsert_traces([Trace(id="t-later", project_id=P1, timestamp=later, event_ts=T0)])
    recorded.take()
    after = await store.daily_metrics(P1, MetricsQuery())
    assert [m.date for m in after.items] == ["2026-03-04", "2026-03-01"]
    assert after.items[1] == first.items[0]
    trace_reads = [read for read in _tables_read(recorded) if read.table == "traces"]
    assert trace_reads, "the changed day was not computed"
    for read in trace_reads:
        assert any("project_id" in c for c in read.primary_key), read
    # The candidates are the changed day's one trace (the plan holds the set the
    # subquery built), not the 40 of the other day, and their versions are read on that
    # day and the days moved_rows holds for them, through the key.
    by_id = [c for read in trace_reads for c in read.primary_key if "id in 1-element set" in c]
    assert by_id and all("toDate(timestamp)" in c for c in by_id), trace_reads


async def test_a_time_range_prunes_by_the_time_in_the_key(recorded: Recorded) -> None:
    window = TraceQuery(limit=10, from_timestamp=T0, to_timestamp=T0 + timedelta(minutes=5))
    await recorded.store.find_traces(P1, window)
    queries = recorded.take()
    scans = 0
    for (sql, _), reads in zip(queries, recorded.reads(queries), strict=True):
        for read in reads:
            by_id = any("(id in " in c for c in read.primary_key)  # a page's rows, by id
            if read.table == "traces" and not by_id:
                scans += 1
                # The day or the time itself (both in the key) prunes the granules read.
                assert any("timestamp" in c for c in read.primary_key), (sql, read)
    assert scans >= 1, queries  # the prefix scan


# A total counted whole, or per day (``day_totals``).
_COUNTS = ("SELECT count()", "SELECT day, count()")


async def test_a_total_is_read_again_only_after_a_write(recorded: Recorded) -> None:
    """Paging reuses a filtered list's total; any write (here one more trace) makes it
    read again."""
    store = recorded.store
    by_name = [TraceQuery(limit=10, offset=o, name="n1") for o in (0, 10)]
    pages = [await store.find_traces(P1, query) for query in by_name]
    counts = [sql for sql, _ in recorded.take() if sql.startswith(_COUNTS)]
    assert [page.total for page in pages] == [20, 20] and len(counts) == 1

    await store.upsert_traces([Trace(id="t-new", project_id=P1, timestamp=T0, name="n1",
                                     event_ts=T0)])  # fmt: skip
    recorded.take()
    again = await store.find_traces(P1, by_name[0])
    counts = [sql for sql, _ in recorded.take() if sql.startswith(_COUNTS)]
    assert again.total == 21 and len(counts) == 1
    other = await store.find_traces(P1, TraceQuery(limit=10, user_id="u1"))
    assert other.total == 13  # another filter, another total


async def test_a_mark_alone_makes_a_kept_total_stale(recorded: Recorded) -> None:
    """A total counted from the rollup depends on its marks, which a delete adds after
    deleting (another process's, say): a mark alone is a change of the tables."""
    store = recorded.store
    await store.find_traces(P1, TraceQuery(limit=10))
    await store.find_traces(P1, TraceQuery(limit=10))
    recorded.take()
    await store.find_traces(P1, TraceQuery(limit=10))
    assert "changed_days" not in {read.table for read in _tables_read(recorded)}  # kept
    await store._run(store._rollup.mark_every_day, P1)
    recorded.take()
    await store.find_traces(P1, TraceQuery(limit=10))
    assert "changed_days" in {read.table for read in _tables_read(recorded)}  # counted again


async def test_the_total_of_a_list_without_conditions_comes_from_the_daily_rollup(
    recorded: Recorded,
) -> None:
    """No deduplication of every trace for the default list's total once a write made
    the kept one stale: the rollup's days (computed once, then only the days a write
    changed), each read under the project's key."""
    store = recorded.store
    await store.find_traces(P1, TraceQuery(limit=10))  # the rollup computes its days
    await store.upsert_traces([Trace(id="t-new", project_id=P1, timestamp=T0, event_ts=T0)])
    recorded.take()
    page = await store.find_traces(P1, TraceQuery(limit=10, offset=10))  # a miss: a write
    assert page.total == 41
    queries = recorded.take()
    assert not [sql for sql, _ in queries if sql.startswith("SELECT count()")], queries
    reads = [read for reads in recorded.reads(queries) for read in reads]
    assert "daily_rollup" in {read.table for read in reads}, reads
    for read in reads:
        assert any("project_id" in c for c in read.primary_key), read
