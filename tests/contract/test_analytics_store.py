"""Contract suite for AnalyticsStore: the in-memory fake and ClickHouse on embedded chDB.

chDB hosts one engine path per process at a time, so every chDB test shares one
session-wide directory and isolates itself with a fresh database, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import clickhouse_connect
import msgspec
import pytest

from spyglass_adapters.clickhouse import ClickHouseAnalyticsStore, apply_migrations
from spyglass_adapters.clickhouse.migrator import split_statements
from spyglass_adapters.memory.analytics import MemoryAnalyticsStore
from spyglass_core.domain.errors import StorageUnavailable
from spyglass_core.domain.tracing import (
    Observation,
    ObservationLevel,
    ObservationType,
    Score,
    ScoreDataType,
    ScoreSource,
    Trace,
)
from spyglass_core.ports.analytics import AnalyticsStore

P1, P2 = "project-1", "project-2"
T0 = datetime(2024, 3, 31, 22, 30, 1, 123000, tzinfo=UTC)
PLUS2 = timezone(timedelta(hours=2))


def _drop_database(dsn: str, database: str) -> None:
    client = clickhouse_connect.get_client(dsn=dsn)
    try:
        client.command(f"DROP DATABASE IF EXISTS {database}")
    finally:
        client.close()


@pytest.fixture(params=["memory", "chdb"])
async def analytics_store(
    request: pytest.FixtureRequest, chdb_dsn: str
) -> AsyncIterator[AnalyticsStore]:
    if request.param == "memory":
        yield MemoryAnalyticsStore()
        return
    database = f"test_{uuid.uuid4().hex}"
    store = await ClickHouseAnalyticsStore.open(chdb_dsn, database)
    try:
        yield store
    finally:
        await store.close()
        await asyncio.to_thread(_drop_database, chdb_dsn, database)


def full_trace(**changes: object) -> Trace:
    trace = Trace(
        id="t1",
        project_id=P1,
        timestamp=T0.astimezone(PLUS2),
        name="chat",
        user_id="user-1",
        session_id="session-1",
        release="v1.2",
        version="7",
        environment="production",
        public=True,
        bookmarked=True,
        tags=["b", "a"],
        metadata={"key": "value", "ünï": "cødé"},
        input='{"q": "hi"}',
        output='{"a": "hello"}',
        created_at=T0,
        updated_at=T0 + timedelta(seconds=1),
        event_ts=T0 + timedelta(seconds=2),
    )
    return msgspec.structs.replace(trace, **changes)


def full_observation(**changes: object) -> Observation:
    obs = Observation(
        id="o1",
        trace_id="t1",
        project_id=P1,
        type=ObservationType.GENERATION,
        start_time=T0,
        end_time=(T0 + timedelta(seconds=3)).astimezone(PLUS2),
        name="llm-call",
        parent_observation_id="o0",
        environment="staging",
        level=ObservationLevel.WARNING,
        status_message="slow",
        version="3",
        metadata={"k": "v"},
        input="prompt",
        output="completion",
        provided_model_name="gpt-4o",
        internal_model_id="model-1",
        model_parameters='{"temperature": 0.2}',
        provided_usage_details={"input": 10, "output": 20},
        usage_details={"input": 10, "output": 20, "total": 10**12},
        provided_cost_details={"input": 0.29},
        cost_details={"input": 0.000123, "output": 1.5},
        total_cost=1.500123,
        completion_start_time=T0 + timedelta(milliseconds=500),
        prompt_id="prompt-1",
        prompt_name="greeting",
        prompt_version=4,
        created_at=T0,
        updated_at=T0,
        event_ts=T0 + timedelta(seconds=5),
    )
    return msgspec.structs.replace(obs, **changes)


def full_score(**changes: object) -> Score:
    score = Score(
        id="s1",
        project_id=P1,
        timestamp=T0,
        name="quality",
        value=0.75,
        data_type=ScoreDataType.CATEGORICAL,
        source=ScoreSource.ANNOTATION,
        environment="production",
        trace_id="t1",
        observation_id="o1",
        session_id="session-1",
        dataset_run_id="run-1",
        string_value="good",
        comment="fine",
        metadata={"reviewer": "x"},
        author_user_id="user-2",
        config_id="config-1",
        queue_id="queue-1",
        created_at=T0,
        updated_at=T0,
        event_ts=T0 + timedelta(seconds=1),
    )
    return msgspec.structs.replace(score, **changes)


def assert_utc(*values: datetime | None) -> None:
    for value in values:
        assert value is None or value.utcoffset() == timedelta(0)


async def test_trace_round_trip(analytics_store: AnalyticsStore) -> None:
    trace = full_trace()
    await analytics_store.upsert_traces([trace])
    got = await analytics_store.get_trace(P1, "t1")
    assert got == trace
    assert got is not None
    assert_utc(got.timestamp, got.created_at, got.updated_at, got.event_ts)


async def test_minimal_trace_keeps_none_and_defaults(analytics_store: AnalyticsStore) -> None:
    trace = Trace(id="t1", project_id=P1, timestamp=T0)
    before = datetime.now(UTC) - timedelta(seconds=1)
    await analytics_store.upsert_traces([trace])
    got = await analytics_store.get_trace(P1, "t1")
    assert got is not None
    assert got.event_ts is not None and got.event_ts >= before
    assert msgspec.structs.replace(got, event_ts=None) == trace


async def test_observation_round_trip(analytics_store: AnalyticsStore) -> None:
    obs = full_observation()
    await analytics_store.upsert_observations([obs])
    got = await analytics_store.get_observation(P1, "o1")
    assert got == obs
    assert got is not None
    assert_utc(got.start_time, got.end_time, got.completion_start_time, got.event_ts)
    minimal = Observation(
        id="o2", trace_id="t1", project_id=P1, type=ObservationType.EVENT, start_time=T0
    )
    await analytics_store.upsert_observations([minimal])
    got = await analytics_store.get_observation(P1, "o2")
    assert got is not None
    assert msgspec.structs.replace(got, event_ts=None) == minimal


async def test_score_round_trip(analytics_store: AnalyticsStore) -> None:
    score = full_score()
    await analytics_store.upsert_scores([score])
    got = await analytics_store.get_score(P1, "s1")
    assert got == score
    assert got is not None
    assert_utc(got.timestamp, got.created_at, got.event_ts)
    minimal = Score(id="s2", project_id=P1, timestamp=T0, name="n", value=-1.0)
    await analytics_store.upsert_scores([minimal])
    got = await analytics_store.get_score(P1, "s2")
    assert got is not None
    assert msgspec.structs.replace(got, event_ts=None) == minimal


async def test_newest_event_ts_wins(analytics_store: AnalyticsStore) -> None:
    # The newer version also moves the trace to another day and month (another sort key).
    newer = full_trace(name="newer", timestamp=T0 + timedelta(days=3), event_ts=T0 + timedelta(1))
    older = full_trace(name="older", event_ts=T0)
    await analytics_store.upsert_traces([newer])
    await analytics_store.upsert_traces([older])
    assert await analytics_store.get_trace(P1, "t1") == newer

    await analytics_store.upsert_observations([full_observation(name="v1", event_ts=T0)])
    moved = full_observation(
        name="v2", start_time=T0 + timedelta(days=40), event_ts=T0 + timedelta(1)
    )
    await analytics_store.upsert_observations([moved])
    assert await analytics_store.get_observation(P1, "o1") == moved
    assert await analytics_store.list_observations(P1, "t1") == [moved]

    await analytics_store.upsert_scores([full_score(value=2.0, event_ts=T0 + timedelta(1))])
    await analytics_store.upsert_scores([full_score(value=1.0, event_ts=T0)])
    got = await analytics_store.get_score(P1, "s1")
    assert got is not None and got.value == 2.0


async def test_same_row_twice_reads_once(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_observations([full_observation()])
    await analytics_store.upsert_observations([full_observation(), full_observation()])
    await analytics_store.upsert_scores([full_score()])
    await analytics_store.upsert_scores([full_score()])
    assert await analytics_store.list_observations(P1, "t1") == [full_observation()]
    assert await analytics_store.list_scores(P1, "t1") == [full_score()]


async def test_reads_are_scoped_to_one_project(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces([full_trace(name="one"), full_trace(project_id=P2)])
    await analytics_store.upsert_observations(
        [full_observation(name="one"), full_observation(project_id=P2)]
    )
    await analytics_store.upsert_scores([full_score(name="one"), full_score(project_id=P2)])

    assert await analytics_store.get_trace(P2, "t1") == full_trace(project_id=P2)
    assert await analytics_store.get_observation(P2, "o1") == full_observation(project_id=P2)
    assert await analytics_store.get_score(P2, "s1") == full_score(project_id=P2)
    assert await analytics_store.list_observations(P2, "t1") == [full_observation(project_id=P2)]
    assert await analytics_store.list_scores(P2, "t1") == [full_score(project_id=P2)]
    assert await analytics_store.get_trace("project-3", "t1") is None

    await analytics_store.delete_traces(P2, ["t1"])
    await analytics_store.delete_scores(P2, ["s1"])
    assert await analytics_store.get_trace(P1, "t1") == full_trace(name="one")
    assert await analytics_store.list_observations(P1, "t1") == [full_observation(name="one")]
    assert await analytics_store.list_scores(P1, "t1") == [full_score(name="one")]


async def test_delete_traces_removes_observations_but_keeps_scores(
    analytics_store: AnalyticsStore,
) -> None:
    await analytics_store.upsert_traces([full_trace(), full_trace(id="t2")])
    await analytics_store.upsert_observations(
        [full_observation(), full_observation(id="o2", trace_id="t2")]
    )
    await analytics_store.upsert_scores([full_score()])

    await analytics_store.delete_traces(P1, ["t1", "unknown"])

    assert await analytics_store.get_trace(P1, "t1") is None
    assert await analytics_store.get_observation(P1, "o1") is None
    assert await analytics_store.list_observations(P1, "t1") == []
    assert await analytics_store.list_scores(P1, "t1") == [full_score()]
    assert await analytics_store.get_trace(P1, "t2") == full_trace(id="t2")
    assert await analytics_store.get_observation(P1, "o2") is not None


async def test_delete_scores(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_scores([full_score(), full_score(id="s2")])
    await analytics_store.delete_scores(P1, ["s1"])
    assert await analytics_store.get_score(P1, "s1") is None
    assert await analytics_store.list_scores(P1, "t1") == [full_score(id="s2")]


async def test_tombstone_version_hides_row(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces([full_trace()])
    await analytics_store.upsert_traces([full_trace(is_deleted=True, event_ts=T0 + timedelta(1))])
    await analytics_store.upsert_observations([full_observation()])
    tombstone = full_observation(is_deleted=True, event_ts=T0 + timedelta(1))
    await analytics_store.upsert_observations([tombstone])
    assert await analytics_store.get_trace(P1, "t1") is None
    assert await analytics_store.get_observation(P1, "o1") is None
    assert await analytics_store.list_observations(P1, "t1") == []


async def test_lists_are_ordered_and_filtered_by_trace(analytics_store: AnalyticsStore) -> None:
    observations = [
        full_observation(id="b", start_time=T0),
        full_observation(id="a", start_time=T0),
        full_observation(id="0", start_time=T0 + timedelta(seconds=1)),
        full_observation(id="z", start_time=T0 - timedelta(days=1)),
        full_observation(id="other", trace_id="t2"),
    ]
    await analytics_store.upsert_observations(observations)
    listed = await analytics_store.list_observations(P1, "t1")
    assert [obs.id for obs in listed] == ["z", "a", "b", "0"]

    scores = [
        full_score(id="y", timestamp=T0),
        full_score(id="x", timestamp=T0),
        full_score(id="w", timestamp=T0 - timedelta(hours=1)),
        full_score(id="loose", trace_id=None),
        full_score(id="other", trace_id="t2"),
    ]
    await analytics_store.upsert_scores(scores)
    assert [s.id for s in await analytics_store.list_scores(P1, "t1")] == ["w", "x", "y"]


async def test_observation_moved_to_another_trace(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_observations([full_observation(event_ts=T0)])
    await analytics_store.upsert_observations(
        [full_observation(trace_id="t2", event_ts=T0 + timedelta(1))]
    )
    assert await analytics_store.list_observations(P1, "t1") == []
    assert [obs.id for obs in await analytics_store.list_observations(P1, "t2")] == ["o1"]


async def test_unknown_ids_and_empty_batches(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces([])
    await analytics_store.upsert_observations([])
    await analytics_store.upsert_scores([])
    await analytics_store.delete_traces(P1, [])
    await analytics_store.delete_traces(P1, ["nope"])
    await analytics_store.delete_scores(P1, [])
    await analytics_store.delete_scores(P1, ["nope"])
    assert await analytics_store.get_trace(P1, "nope") is None
    assert await analytics_store.get_observation(P1, "nope") is None
    assert await analytics_store.get_score(P1, "nope") is None
    assert await analytics_store.list_observations(P1, "nope") == []
    assert await analytics_store.list_scores(P1, "nope") == []


async def test_callers_cannot_mutate_stored_rows(analytics_store: AnalyticsStore) -> None:
    trace = full_trace()
    await analytics_store.upsert_traces([trace])
    trace.tags.append("sneaky")
    got = await analytics_store.get_trace(P1, "t1")
    assert got is not None
    got.metadata["sneaky"] = "yes"
    assert await analytics_store.get_trace(P1, "t1") == full_trace()


async def test_ping(analytics_store: AnalyticsStore) -> None:
    await analytics_store.ping()


async def test_migrations_are_idempotent(chdb_dsn: str) -> None:
    database = f"test_{uuid.uuid4().hex}"

    def migrate_twice() -> tuple[list[str], list[str]]:
        client = clickhouse_connect.get_client(dsn=chdb_dsn)
        try:
            return apply_migrations(client, database), apply_migrations(client, database)
        finally:
            client.close()

    try:
        first, second = await asyncio.to_thread(migrate_twice)
        assert first == ["0001_traces", "0002_observations", "0003_scores"]
        assert second == []
        store = await ClickHouseAnalyticsStore.open(chdb_dsn, database)
        await store.ping()
        await store.close()
    finally:
        await asyncio.to_thread(_drop_database, chdb_dsn, database)


async def test_invalid_database_name_is_rejected(chdb_dsn: str) -> None:
    with pytest.raises(ValueError):
        await ClickHouseAnalyticsStore.open(chdb_dsn, "x; DROP DATABASE y")


def test_split_statements_respects_quotes_and_comments() -> None:
    sql = "-- a; comment\nSELECT 'a;b' ; /* c; */ SELECT `x;y`;\n;\n  "
    assert split_statements(sql) == ["-- a; comment\nSELECT 'a;b'", "/* c; */ SELECT `x;y`"]


async def test_unreachable_clickhouse_raises_storage_unavailable() -> None:
    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        store = await ClickHouseAnalyticsStore.open(
            "http://default:secret@127.0.0.1:1", "spyglass", connect_timeout=1
        )
        await store.ping()
    assert time.monotonic() - started < 10
