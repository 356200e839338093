"""Contract suite for AnalyticsStore: the in-memory fake and ClickHouse on embedded chDB.

chDB hosts one engine path per process at a time, so every chDB test shares one
session-wide directory and isolates itself with a fresh database, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import enum
import json
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import clickhouse_connect
import msgspec
import pytest

from spyglass_adapters.clickhouse.migrator import ClickHouseMigrator, Migration, split_statements
from spyglass_core.domain.errors import InvalidInput, StorageUnavailable
from spyglass_core.domain.tracing import (
    Observation,
    ObservationLevel,
    ObservationType,
    Score,
    ScoreDataType,
    ScoreSource,
    Trace,
)
from spyglass_tracing.domain.filter_columns import (
    OBSERVATION_FILTER_COLUMNS,
    OBSERVATION_FILTERS,
    SCORE_FILTER_COLUMNS,
    SCORE_FILTERS,
    TRACE_FILTER_COLUMNS,
    TRACE_FILTERS,
    FilterColumn,
)
from spyglass_tracing.domain.queries import (
    DailyMetric,
    DailyModelUsage,
    FilterCondition,
    MetricsQuery,
    ObservationQuery,
    ScoreQuery,
    Session,
    SessionQuery,
    TraceMetrics,
    TraceQuery,
)
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.storage.clickhouse import ClickHouseAnalyticsStore
from spyglass_tracing.storage.clickhouse.store import apply_tracing_migrations as apply_migrations
from spyglass_tracing.storage.memory_analytics import MemoryAnalyticsStore

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
    await analytics_store.write(
        traces=[full_trace(name="one"), full_trace(project_id=P2)],
        observations=[full_observation(name="one"), full_observation(project_id=P2)],
        scores=[full_score(name="one"), full_score(project_id=P2)],
    )

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


async def test_delete_traces_removes_observations_and_scores(
    analytics_store: AnalyticsStore,
) -> None:
    await analytics_store.write(
        traces=[full_trace(), full_trace(id="t2")],
        observations=[full_observation(), full_observation(id="o2", trace_id="t2")],
        scores=[
            full_score(),
            full_score(id="s2", trace_id="t2"),
            full_score(id="s3", trace_id=None),
        ],
    )

    await analytics_store.delete_traces(P1, ["t1", "unknown"])

    assert await analytics_store.get_trace(P1, "t1") is None
    assert await analytics_store.get_observation(P1, "o1") is None
    assert await analytics_store.list_observations(P1, "t1") == []
    assert await analytics_store.list_scores(P1, "t1") == []
    assert await analytics_store.get_score(P1, "s1") is None
    assert await analytics_store.get_trace(P1, "t2") == full_trace(id="t2")
    assert await analytics_store.get_observation(P1, "o2") is not None
    assert await analytics_store.get_score(P1, "s2") is not None
    assert await analytics_store.get_score(P1, "s3") is not None


async def test_members_of_traces_are_their_live_observations_and_scores(
    analytics_store: AnalyticsStore,
) -> None:
    await analytics_store.upsert_observations(
        [
            full_observation(),
            full_observation(event_ts=T0 + timedelta(seconds=5)),  # a second version
            full_observation(id="o2", trace_id="t2"),
            full_observation(id="o3", trace_id="t3"),
            full_observation(id="o1", project_id=P2),
        ]
    )
    await analytics_store.upsert_scores(
        [full_score(), full_score(id="s2", trace_id=None), full_score(id="s3", trace_id="t2")]
    )
    await analytics_store.delete_traces(P1, ["t3"])

    members = await analytics_store.members_of_traces(P1, ["t1", "t2", "t3", "unknown"])

    assert sorted((m.kind.value, m.entity_id, m.trace_id) for m in members) == [
        ("observation", "o1", "t1"),
        ("observation", "o2", "t2"),
        ("score", "s1", "t1"),
        ("score", "s3", "t2"),
    ]
    assert await analytics_store.members_of_traces(P1, []) == []


async def test_purge_deleted_keeps_every_live_row(analytics_store: AnalyticsStore) -> None:
    await analytics_store.write(
        traces=[full_trace(), full_trace(id="t2")],
        observations=[full_observation(id="o2", trace_id="t2")],
    )
    await analytics_store.delete_traces(P1, ["t1"])
    await analytics_store.purge_deleted()
    await analytics_store.purge_deleted()  # nothing left to rewrite: still fine
    assert await analytics_store.get_trace(P1, "t1") is None
    assert await analytics_store.get_trace(P1, "t2") == full_trace(id="t2")
    assert await analytics_store.get_observation(P1, "o2") == full_observation(
        id="o2", trace_id="t2"
    )


def _files_holding(root: Path, needle: bytes) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        try:
            if path.is_file() and needle in path.read_bytes():
                found.append(path)
        except FileNotFoundError:  # a part removed while we walked
            continue
    return found


async def test_purge_deleted_leaves_no_deleted_byte_on_disk(chdb_dsn: str) -> None:
    """After purge_deleted, no file of the engine's directory holds a deleted row's input."""
    root = Path(chdb_dsn.removeprefix("chdb://"))
    marker = f"deleted-{uuid.uuid4().hex}"
    kept = f"kept-{uuid.uuid4().hex}"
    doomed_input, kept_input = json.dumps({"q": marker}), json.dumps({"q": kept})
    database = f"test_{uuid.uuid4().hex}"
    store = await ClickHouseAnalyticsStore.open(chdb_dsn, database)
    try:
        await store.upsert_traces(
            [full_trace(input=doomed_input), full_trace(id="t2", input=kept_input)]
        )
        await store.upsert_observations([full_observation(input=doomed_input)])
        await store.upsert_scores([full_score(comment=marker)])
        assert await asyncio.to_thread(_files_holding, root, marker.encode())

        await store.delete_traces(P1, ["t1"])
        await store.purge_deleted()

        assert await asyncio.to_thread(_files_holding, root, marker.encode()) == []
        assert await asyncio.to_thread(_files_holding, root, kept.encode())
        survivor = await store.get_trace(P1, "t2")
        assert survivor is not None and survivor.input == kept_input
    finally:
        await store.close()
        await asyncio.to_thread(_drop_database, chdb_dsn, database)


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


async def test_a_row_whose_sorting_key_changed_is_read_in_its_newest_version_by_trace(
    analytics_store: AnalyticsStore,
) -> None:
    # A retyped observation and a renamed, re-dated score sit under another sorting key
    # (ClickHouse: another key-table row); by trace, only the newest version is read.
    await analytics_store.upsert_observations(
        [full_observation(type=ObservationType.SPAN, event_ts=T0)]
    )
    await analytics_store.upsert_observations(
        [full_observation(type=ObservationType.GENERATION, name="retyped", event_ts=T0 + S)]
    )
    assert [(o.id, o.type, o.name) for o in await analytics_store.list_observations(P1, "t1")] == [
        ("o1", ObservationType.GENERATION, "retyped")
    ]
    await analytics_store.upsert_scores([score("s1", name="A", trace_id="t1")])
    await analytics_store.upsert_scores(
        [score("s1", name="B", trace_id="t1", timestamp=T0 + timedelta(days=2), event_ts=T0 + S)]
    )
    assert [(s.id, s.name) for s in await analytics_store.list_scores(P1, "t1")] == [("s1", "B")]
    assert [s.name for s in (await analytics_store.scores_of_traces(P1, ["t1"]))["t1"]] == ["B"]
    metrics = await analytics_store.trace_metrics(P1, ["t1"])
    assert metrics["t1"].observation_ids == ["o1"]
    # A score given its trace in a later version is found by that trace.
    await analytics_store.upsert_scores([score("s2", name="A")])
    await analytics_store.upsert_scores([score("s2", name="A", trace_id="t1", event_ts=T0 + S)])
    assert sorted(s.id for s in await analytics_store.list_scores(P1, "t1")) == ["s1", "s2"]


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
        assert first[:4] == ["0001_traces", "0002_observations", "0003_scores", "0004_read_indexes"]
        assert first == sorted(first)
        assert second == []
        store = await ClickHouseAnalyticsStore.open(chdb_dsn, database)
        await store.ping()
        await store.close()
    finally:
        await asyncio.to_thread(_drop_database, chdb_dsn, database)


async def test_migration_records_are_namespaced_and_old_records_still_count(
    chdb_dsn: str,
) -> None:
    database = f"test_{uuid.uuid4().hex}"
    table = f"{database}.schema_migrations"

    def scenario() -> tuple[list[str], list[str], list[str], list[str]]:
        client = clickhouse_connect.get_client(dsn=chdb_dsn)
        try:
            first = apply_migrations(client, database)
            recorded = sorted(
                r[0] for r in client.query(f"SELECT version FROM {table}").result_rows
            )
            # Releases before namespaces recorded the bare file stem: such a database must
            # not be migrated twice.
            client.command(f"TRUNCATE TABLE {table}")
            client.insert(
                table,
                [[version, datetime.now(UTC)] for version in first],
                column_names=["version", "applied_at"],
            )
            again = apply_migrations(client, database)
            adopted = {r[0] for r in client.query(f"SELECT version FROM {table}").result_rows}
            assert {f"tracing:{version}" for version in first} <= adopted
            # Another namespace's files are its own, even under the same names.
            other = apply_namespace(client, database, "other", [Migration(first[0], "SELECT 1")])
            return first, recorded, again, other
        finally:
            client.close()

    try:
        first, recorded, again, other = await asyncio.to_thread(scenario)
        assert recorded == [f"tracing:{version}" for version in first]
        assert again == []
        assert other == [first[0]]
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


def apply_namespace(
    client: Any, database: str, namespace: str, migrations: list[Migration]
) -> list[str]:
    return ClickHouseMigrator(client, database, namespace, migrations).apply()


# --- reads over many rows -------------------------------------------------------------------

S = timedelta(seconds=1)
H = timedelta(hours=1)


def trace(id: str, **changes: object) -> Trace:
    values: dict[str, object] = {"project_id": P1, "timestamp": T0, "event_ts": T0}
    values.update(changes)
    return Trace(id=id, **values)  # type: ignore[arg-type]


def observation(id: str, **changes: object) -> Observation:
    values: dict[str, object] = {
        "trace_id": "t1",
        "project_id": P1,
        "type": ObservationType.SPAN,
        "start_time": T0,
        "event_ts": T0,
    }
    values.update(changes)
    return Observation(id=id, **values)  # type: ignore[arg-type]


def score(id: str, **changes: object) -> Score:
    values: dict[str, object] = {
        "project_id": P1,
        "timestamp": T0,
        "name": "quality",
        "value": 1.0,
        "event_ts": T0,
    }
    values.update(changes)
    return Score(id=id, **values)  # type: ignore[arg-type]


def cond(
    column: str, type: str, operator: str, value: object = None, key: str | None = None
) -> FilterCondition:
    return FilterCondition(column=column, type=type, operator=operator, value=value, key=key)


async def found_traces(store: AnalyticsStore, **query: object) -> list[str]:
    page = await store.find_traces(P1, TraceQuery(limit=100, **query))  # type: ignore[arg-type]
    assert page.total == len(page.items)
    return sorted(item.id for item in page.items)


async def found_observations(store: AnalyticsStore, **query: object) -> list[str]:
    page = await store.find_observations(P1, ObservationQuery(limit=100, **query))  # type: ignore[arg-type]
    assert page.total == len(page.items)
    return sorted(item.id for item in page.items)


async def found_scores(store: AnalyticsStore, **query: object) -> list[str]:
    page = await store.find_scores(P1, ScoreQuery(limit=100, **query))  # type: ignore[arg-type]
    assert page.total == len(page.items)
    return sorted(item.id for item in page.items)


async def test_get_many_by_ids(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces(
        [trace("t1", name="old"), trace("t2"), trace("t3"), trace("t1", project_id=P2)]
    )
    await analytics_store.upsert_traces([trace("t1", name="new", event_ts=T0 + S)])
    await analytics_store.delete_traces(P1, ["t3"])
    await analytics_store.upsert_observations(
        [observation("o1"), observation("o2"), observation("o1", project_id=P2)]
    )
    await analytics_store.upsert_observations([observation("o2", is_deleted=True, event_ts=T0 + S)])
    await analytics_store.upsert_scores([score("s1"), score("s2"), score("s9", project_id=P2)])
    await analytics_store.delete_scores(P1, ["s2"])

    traces = await analytics_store.get_traces(P1, ["t1", "t2", "t3", "nope", "t1"])
    assert sorted((t.id, t.name) for t in traces) == [("t1", "new"), ("t2", None)]
    assert [o.id for o in await analytics_store.get_observations(P1, ["o1", "o2", "x"])] == ["o1"]
    assert [s.id for s in await analytics_store.get_scores(P1, ["s1", "s2", "s9"])] == ["s1"]
    assert await analytics_store.get_traces(P1, []) == []
    assert await analytics_store.get_observations(P1, []) == []
    assert await analytics_store.get_scores(P1, []) == []


async def test_get_many_takes_a_thousand_ids(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces([trace(f"t{i}") for i in range(0, 1000, 2)])
    got = await analytics_store.get_traces(P1, [f"t{i}" for i in range(1000)])
    assert sorted(t.id for t in got) == sorted(f"t{i}" for i in range(0, 1000, 2))


async def _traces_to_filter(store: AnalyticsStore) -> None:
    await store.upsert_traces(
        [
            trace(
                "t1", name="chat-bot", user_id="u1", session_id="s1", environment="prod",
                tags=["a", "b"], version="1", release="r1", metadata={"k": "val", "n": "5"},
                bookmarked=True,
            ),
            trace(
                "t2", timestamp=T0 + H, name="search", user_id="u2", environment="dev",
                tags=["b"], metadata={"k": "other", "n": "12"}, public=True,
            ),
            trace(
                "t3", timestamp=T0 + 2 * H, session_id="s2", environment="prod",
                metadata={"n": "x"},
            ),
            trace("t1", project_id=P2, name="chat-bot"),
        ]
    )  # fmt: skip


async def test_find_traces_by_simple_parameters(analytics_store: AnalyticsStore) -> None:
    await _traces_to_filter(analytics_store)
    cases: list[tuple[dict[str, object], list[str]]] = [
        ({}, ["t1", "t2", "t3"]),
        ({"user_id": "u1"}, ["t1"]),
        ({"name": "search"}, ["t2"]),
        ({"session_id": "s2"}, ["t3"]),
        ({"version": "1"}, ["t1"]),
        ({"release": "r1"}, ["t1"]),
        ({"environments": ["prod"]}, ["t1", "t3"]),
        ({"environments": ["prod", "dev"]}, ["t1", "t2", "t3"]),
        ({"tags": ["b"]}, ["t1", "t2"]),
        ({"tags": ["a", "b"]}, ["t1"]),
        ({"tags": ["a", "z"]}, []),
        ({"from_timestamp": T0 + H}, ["t2", "t3"]),
        ({"to_timestamp": T0 + H}, ["t1"]),
        ({"from_timestamp": T0 + H, "to_timestamp": T0 + 2 * H}, ["t2"]),
        ({"from_timestamp": T0 + H - timedelta(microseconds=1)}, ["t2", "t3"]),
        ({"to_timestamp": (T0 + H).astimezone(PLUS2)}, ["t1"]),
        ({"user_id": "u1", "environments": ["dev"]}, []),
    ]
    for query, expected in cases:
        assert await found_traces(analytics_store, **query) == expected, query


async def test_trace_filter_conditions(analytics_store: AnalyticsStore) -> None:
    await _traces_to_filter(analytics_store)
    cases: list[tuple[list[FilterCondition], list[str]]] = [
        ([cond("name", "string", "=", "chat-bot")], ["t1"]),
        ([cond("name", "string", "contains", "a")], ["t1", "t2"]),
        ([cond("name", "string", "does not contain", "bot")], ["t2"]),  # NULL never matches
        ([cond("name", "string", "starts with", "se")], ["t2"]),
        ([cond("name", "string", "ends with", "bot")], ["t1"]),
        ([cond("name", "stringOptions", "any of", ["search", "x"])], ["t2"]),
        ([cond("name", "stringOptions", "none of", ["search"])], ["t1"]),
        ([cond("name", "null", "is null")], ["t3"]),
        ([cond("id", "stringOptions", "any of", ["t1", "t3"])], ["t1", "t3"]),
        ([cond("id", "string", "=", "t2")], ["t2"]),
        ([cond("tags", "arrayOptions", "any of", ["a", "z"])], ["t1"]),
        ([cond("tags", "arrayOptions", "none of", ["a"])], ["t2", "t3"]),
        ([cond("tags", "arrayOptions", "all of", ["a", "b"])], ["t1"]),
        ([cond("tags", "arrayOptions", "all of", ["b"])], ["t1", "t2"]),
        ([cond("timestamp", "datetime", ">", T0)], ["t2", "t3"]),
        ([cond("timestamp", "datetime", ">=", T0)], ["t1", "t2", "t3"]),
        ([cond("timestamp", "datetime", "<", T0 + H)], ["t1"]),
        ([cond("timestamp", "datetime", "<=", T0 + H)], ["t1", "t2"]),
        ([cond("timestamp", "datetime", "=", (T0 + H).astimezone(PLUS2))], ["t2"]),
        ([cond("metadata", "stringObject", "=", "val", key="k")], ["t1"]),
        ([cond("metadata", "stringObject", "contains", "th", key="k")], ["t2"]),
        ([cond("metadata", "stringObject", "does not contain", "val", key="k")], ["t2", "t3"]),
        ([cond("metadata", "stringObject", "starts with", "v", key="k")], ["t1"]),
        ([cond("metadata", "stringObject", "ends with", "er", key="k")], ["t2"]),
        ([cond("metadata", "numberObject", ">", 6, key="n")], ["t2"]),
        ([cond("metadata", "numberObject", "<=", 5, key="n")], ["t1"]),
        ([cond("metadata", "numberObject", "!=", 5, key="n")], ["t2"]),  # "x" is no number
        ([cond("metadata", "numberObject", "=", 12, key="n")], ["t2"]),
        ([cond("metadata", "numberObject", ">=", 5, key="n")], ["t1", "t2"]),
        ([cond("metadata", "numberObject", "<", 100, key="n")], ["t1", "t2"]),
        ([cond("bookmarked", "boolean", "=", True)], ["t1"]),
        ([cond("bookmarked", "boolean", "<>", True)], ["t2", "t3"]),
        ([cond("public", "boolean", "=", True)], ["t2"]),
        ([cond("userId", "null", "is null")], ["t3"]),
        ([cond("userId", "null", "is not null")], ["t1", "t2"]),
        ([cond("userId", "string", "=", "u2")], ["t2"]),
        ([cond("sessionId", "null", "is null")], ["t2"]),
        ([cond("sessionId", "stringOptions", "any of", ["s1", "s2"])], ["t1", "t3"]),
        ([cond("environment", "stringOptions", "any of", ["prod"])], ["t1", "t3"]),
        ([cond("environment", "string", "=", "dev")], ["t2"]),
        ([cond("version", "string", "=", "1")], ["t1"]),
        ([cond("release", "null", "is not null")], ["t1"]),
        (
            [cond("name", "string", "contains", "a"), cond("environment", "string", "=", "prod")],
            ["t1"],
        ),
    ]
    for filters, expected in cases:
        assert await found_traces(analytics_store, filters=filters) == expected, filters


async def test_invalid_filters_are_rejected(analytics_store: AnalyticsStore) -> None:
    bad = [
        cond("nope", "string", "=", "x"),
        cond("name", "number", "=", 1.0),
        cond("name", "string", ">", "x"),
        cond("metadata", "stringObject", "=", "x"),  # no key
    ]
    for condition in bad:
        with pytest.raises(InvalidInput):
            await analytics_store.find_traces(P1, TraceQuery(filters=[condition]))
    with pytest.raises(InvalidInput):
        await analytics_store.find_observations(
            P1, ObservationQuery(filters=[cond("tags", "arrayOptions", "any of", ["a"])])
        )
    with pytest.raises(InvalidInput):
        await analytics_store.find_scores(
            P1, ScoreQuery(filters=[cond("userId", "string", "=", "u")])
        )
    with pytest.raises(InvalidInput):
        await analytics_store.find_traces(P1, TraceQuery(order_by="input"))
    with pytest.raises(InvalidInput):
        await analytics_store.find_scores(P1, ScoreQuery(value_operator="~", value=1.0))


def _valid_value(type: str) -> object:
    return {
        "string": "x",
        "stringOptions": ["x"],
        "arrayOptions": ["x"],
        "number": 1.0,
        "datetime": T0,
        "stringObject": "x",
        "numberObject": 1.0,
        "boolean": True,
    }.get(type)


async def test_every_allowed_filter_column_and_type_runs(analytics_store: AnalyticsStore) -> None:
    from spyglass_tracing.domain.filter_columns import FILTER_OPERATORS

    tables = [
        (TRACE_FILTER_COLUMNS, analytics_store.find_traces, TraceQuery),
        (OBSERVATION_FILTER_COLUMNS, analytics_store.find_observations, ObservationQuery),
        (SCORE_FILTER_COLUMNS, analytics_store.find_scores, ScoreQuery),
    ]
    for columns, find, query_type in tables:
        conditions = [
            cond(column, type, operator, _valid_value(type), key="k")
            for column, types in columns.items()
            for type in sorted(types)
            for operator in sorted(FILTER_OPERATORS[type])
        ]
        for condition in conditions:
            page = await find(P1, query_type(filters=[condition]))  # type: ignore[operator]
            assert page.items == [], condition


_SAMPLES: dict[str, tuple[str, object]] = {
    "stringOptions": ("any of", None),
    "arrayOptions": ("any of", ["a"]),
    "number": (">=", 0.5),
    "datetime": (">=", None),
    "stringObject": ("=", "value"),
    "numberObject": (">", 1.0),
    "boolean": ("=", True),
    "null": ("is null", None),
}


def _conditions(columns: Mapping[str, FilterColumn], rich: object, rich_trace: Trace) -> list[Any]:
    """One condition per declared column and type, with a value the rich row holds."""
    found = []
    for column, declared in sorted(columns.items()):
        held = getattr(rich_trace if declared.on_trace else rich, declared.field)
        held = held.value if isinstance(held, enum.Enum) else held
        for kind in sorted(declared.types):
            operator, value = _SAMPLES.get(kind, ("=", None))
            key = {"stringObject": "key", "numberObject": "n"}.get(kind)
            if value is None and kind == "stringOptions":
                value = [held]
            elif value is None and kind != "null":
                value = held
            found.append(cond(column, kind, operator, value, key))
    return found


async def test_every_declared_filter_runs_alike_on_memory_and_clickhouse(
    chdb_dsn: str,
) -> None:
    # Both stores derive their filters from one declaration; this checks that each
    # declared field exists in both and that they agree on which rows match.
    rich_trace = full_trace(metadata={"key": "value", "n": "2"})
    traces = [rich_trace, trace("t2")]
    rich_observation = observation(
        "o1",
        name="llm",
        type=ObservationType.GENERATION,
        level=ObservationLevel.WARNING,
        end_time=T0 + S,
        version="3",
        parent_observation_id="o0",
        provided_model_name="gpt-4o",
        prompt_name="greeting",
        metadata={"key": "value", "n": "2"},
        cost_details={"total": 1.25},
        total_cost=1.25,
    )
    observations = [rich_observation, observation("o2", trace_id="t2")]
    rich_score = score(
        "s1",
        trace_id="t1",
        observation_id="o1",
        session_id="session-1",
        string_value="good",
        config_id="cfg",
        metadata={"key": "value", "n": "2"},
        value=0.75,
    )
    scores = [rich_score, score("s2", value=0.25)]

    memory = MemoryAnalyticsStore()
    database = f"test_{uuid.uuid4().hex}"
    clickhouse = await ClickHouseAnalyticsStore.open(chdb_dsn, database)
    try:
        for store in (memory, clickhouse):
            await store.upsert_traces(traces)
            await store.upsert_observations(observations)
            await store.upsert_scores(scores)
        checks = [
            *(("trace", c) for c in _conditions(TRACE_FILTERS, rich_trace, rich_trace)),
            *(
                ("observation", c)
                for c in _conditions(OBSERVATION_FILTERS, rich_observation, rich_trace)
            ),
            *(("score", c) for c in _conditions(SCORE_FILTERS, rich_score, rich_trace)),
        ]
        matched = 0
        for entity, condition in checks:
            results = []
            for store in (memory, clickhouse):
                if entity == "trace":
                    page: Any = await store.find_traces(P1, TraceQuery(filters=[condition]))
                elif entity == "observation":
                    page = await store.find_observations(P1, ObservationQuery(filters=[condition]))
                else:
                    page = await store.find_scores(P1, ScoreQuery(filters=[condition]))
                results.append(sorted(item.id for item in page.items))
            assert results[0] == results[1], (entity, condition)
            matched += bool(results[0])
        assert matched >= len(checks) // 2  # the samples do select rows
    finally:
        await clickhouse.close()
        await asyncio.to_thread(_drop_database, chdb_dsn, database)


async def test_find_traces_order_and_tie_break(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces(
        [
            trace("a", timestamp=T0 + S, name="x", session_id="s2", release="r1", version="2",
                  environment="prod"),
            trace("b", name="y", user_id="u1", session_id="s1", version="1", environment="dev"),
            trace("c", timestamp=T0 + S, user_id="u2", release="r2", environment="prod"),
            trace("d", timestamp=T0 - S, name="x", user_id="u1", environment="dev"),
        ]
    )  # fmt: skip

    async def order(order_by: str, desc: bool) -> list[str]:
        query = TraceQuery(order_by=order_by, order_desc=desc)
        return [t.id for t in (await analytics_store.find_traces(P1, query)).items]

    assert await order("timestamp", True) == ["c", "a", "b", "d"]
    assert await order("timestamp", False) == ["d", "b", "a", "c"]
    # NULLs last in both directions; ties broken by id in the same direction.
    assert await order("name", True) == ["b", "d", "a", "c"]
    assert await order("name", False) == ["a", "d", "b", "c"]
    assert await order("userId", False) == ["b", "d", "c", "a"]
    assert await order("userId", True) == ["c", "d", "b", "a"]
    assert await order("sessionId", False) == ["b", "a", "c", "d"]
    assert await order("release", True) == ["c", "a", "d", "b"]
    assert await order("version", False) == ["b", "a", "c", "d"]
    assert await order("environment", False) == ["b", "d", "a", "c"]
    assert await order("id", True) == ["d", "c", "b", "a"]
    default = await analytics_store.find_traces(P1, TraceQuery())
    assert [t.id for t in default.items] == ["c", "a", "b", "d"]


async def test_find_traces_offset_pages(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces([trace(f"t{i}", timestamp=T0 + i * S) for i in range(7)])
    await analytics_store.upsert_traces([trace("other", project_id=P2)])
    pages = [
        await analytics_store.find_traces(P1, TraceQuery(limit=3, offset=offset))
        for offset in (0, 3, 6, 9)
    ]
    assert [page.total for page in pages] == [7, 7, 7, 7]
    assert [[t.id for t in page.items] for page in pages] == [
        ["t6", "t5", "t4"],
        ["t3", "t2", "t1"],
        ["t0"],
        [],
    ]
    assert pages[0].items[0] == trace("t6", timestamp=T0 + 6 * S)
    with pytest.raises(InvalidInput):
        await analytics_store.find_traces(P1, TraceQuery(offset=-1))


async def test_finds_read_only_the_newest_version(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces([trace("t1", name="A", user_id="u1"), trace("t2")])
    await analytics_store.upsert_traces(
        [
            trace("t1", name="B", user_id="u9", event_ts=T0 + S),
            # Moved ten days later: the old time range no longer finds it.
            trace("t2", timestamp=T0 + timedelta(days=10), event_ts=T0 + S),
        ]
    )
    assert await found_traces(analytics_store, name="A") == []
    assert await found_traces(analytics_store, name="B") == ["t1"]
    assert await found_traces(analytics_store, user_id="u1") == []
    assert await found_traces(analytics_store, filters=[cond("name", "string", "=", "A")]) == []
    assert await found_traces(analytics_store, from_timestamp=T0 - H, to_timestamp=T0 + H) == ["t1"]
    assert await found_traces(analytics_store, from_timestamp=T0 + timedelta(days=9)) == ["t2"]

    await analytics_store.upsert_observations(
        [observation("o1", name="A"), observation("o2", trace_id="t2")]
    )
    await analytics_store.upsert_observations(
        [
            observation("o1", name="B", start_time=T0 + timedelta(days=3), event_ts=T0 + S),
            observation("o2", trace_id="t2", event_ts=T0 + S),
        ]
    )
    assert await found_observations(analytics_store, name="A") == []
    assert await found_observations(analytics_store, to_start_time=T0 + H) == ["o2"]
    assert await found_observations(analytics_store, trace_id="t1") == ["o1"]
    assert await found_observations(analytics_store, trace_id="t2") == ["o2"]
    # The trace's user changed from u1 to u9.
    assert await found_observations(analytics_store, user_id="u1") == []
    assert await found_observations(analytics_store, user_id="u9") == ["o1"]

    # A score's trace, once set, never changes (the store's contract); the rest may.
    await analytics_store.upsert_scores([score("s1", name="A", trace_id="t1")])
    await analytics_store.upsert_scores([score("s1", name="B", trace_id="t1", event_ts=T0 + S)])
    assert await found_scores(analytics_store, names=["A"]) == []
    assert await found_scores(analytics_store, trace_id="t1") == ["s1"]
    assert await found_scores(analytics_store, trace_id="t2") == []


async def test_finds_skip_deleted_rows_and_other_projects(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces(
        [trace("t1"), trace("t2"), trace("t3"), trace("t9", project_id=P2)]
    )
    await analytics_store.upsert_traces([trace("t2", is_deleted=True, event_ts=T0 + S)])
    await analytics_store.upsert_observations(
        [observation("o1"), observation("o3", trace_id="t3"), observation("o9", project_id=P2)]
    )
    await analytics_store.delete_traces(P1, ["t3"])
    await analytics_store.upsert_observations([observation("o1", is_deleted=True, event_ts=T0 + S)])
    await analytics_store.upsert_scores([score("s1"), score("s2"), score("s9", project_id=P2)])
    await analytics_store.delete_scores(P1, ["s2"])

    assert await found_traces(analytics_store) == ["t1"]
    assert await found_observations(analytics_store) == []
    assert await found_scores(analytics_store) == ["s1"]
    page = await analytics_store.find_traces(P2, TraceQuery())
    assert [t.id for t in page.items] == ["t9"] and page.total == 1


async def _observations_to_filter(store: AnalyticsStore) -> None:
    await store.upsert_traces(
        [trace("t1", user_id="u1", session_id="s1"), trace("t2", session_id="s2")]
    )
    await store.upsert_observations(
        [
            observation(
                "o1", type=ObservationType.GENERATION, name="llm", end_time=T0 + 2 * S,
                environment="prod", version="v1", provided_model_name="gpt-4o",
                prompt_name="greet", metadata={"k": "a"}, total_cost=0.5,
            ),
            observation(
                "o2", name="retrieve", level=ObservationLevel.WARNING, start_time=T0 + S,
                environment="dev", parent_observation_id="o1",
            ),
            observation(
                "o3", trace_id="t2", type=ObservationType.EVENT, level=ObservationLevel.ERROR,
                start_time=T0 + 2 * S, end_time=T0 + 2 * S, environment="prod",
                parent_observation_id="o1", provided_model_name="claude", total_cost=1.25,
                version="v2",
            ),
            observation("o4", trace_id="missing", name="orphan", start_time=T0 + 3 * S,
                        environment="prod"),
            observation("o1", project_id=P2),
        ]
    )  # fmt: skip


async def test_find_observations_by_simple_parameters(analytics_store: AnalyticsStore) -> None:
    await _observations_to_filter(analytics_store)
    cases: list[tuple[dict[str, object], list[str]]] = [
        ({}, ["o1", "o2", "o3", "o4"]),
        ({"trace_id": "t1"}, ["o1", "o2"]),
        ({"name": "llm"}, ["o1"]),
        ({"type": "SPAN"}, ["o2", "o4"]),
        ({"level": "ERROR"}, ["o3"]),
        ({"parent_observation_id": "o1"}, ["o2", "o3"]),
        ({"environments": ["dev"]}, ["o2"]),
        ({"environments": ["dev", "prod"]}, ["o1", "o2", "o3", "o4"]),
        ({"from_start_time": T0 + S}, ["o2", "o3", "o4"]),
        ({"to_start_time": T0 + S}, ["o1"]),
        ({"from_start_time": T0 + S, "to_start_time": T0 + 3 * S}, ["o2", "o3"]),
        ({"version": "v1"}, ["o1"]),
        ({"is_root": True}, ["o1", "o4"]),
        ({"is_root": False}, ["o2", "o3"]),
        ({"user_id": "u1"}, ["o1", "o2"]),
        ({"session_id": "s2"}, ["o3"]),
        ({"user_id": "u1", "session_id": "s2"}, []),
        ({"trace_id": "t1", "is_root": False}, ["o2"]),
    ]
    for query, expected in cases:
        assert await found_observations(analytics_store, **query) == expected, query


async def test_observation_filter_conditions(analytics_store: AnalyticsStore) -> None:
    await _observations_to_filter(analytics_store)
    cases: list[tuple[FilterCondition, list[str]]] = [
        (cond("id", "string", "=", "o1"), ["o1"]),
        (cond("traceId", "stringOptions", "none of", ["t1"]), ["o3", "o4"]),
        (cond("name", "string", "does not contain", "r"), ["o1"]),
        (cond("type", "stringOptions", "any of", ["GENERATION", "EVENT"]), ["o1", "o3"]),
        (cond("level", "string", "=", "WARNING"), ["o2"]),
        (cond("startTime", "datetime", "<", T0 + S), ["o1"]),
        (cond("endTime", "datetime", ">=", T0 + 2 * S), ["o1", "o3"]),
        (cond("endTime", "null", "is null"), ["o2", "o4"]),
        (cond("environment", "string", "=", "prod"), ["o1", "o3", "o4"]),
        (cond("version", "null", "is null"), ["o2", "o4"]),
        (cond("parentObservationId", "null", "is not null"), ["o2", "o3"]),
        (cond("model", "string", "=", "gpt-4o"), ["o1"]),
        (cond("model", "null", "is null"), ["o2", "o4"]),
        (cond("promptName", "stringOptions", "any of", ["greet"]), ["o1"]),
        (cond("metadata", "stringObject", "=", "a", key="k"), ["o1"]),
        (cond("userId", "string", "=", "u1"), ["o1", "o2"]),
        # Via the trace: the orphan has none, so even "is null" skips it.
        (cond("userId", "null", "is null"), ["o3"]),
        (cond("sessionId", "stringOptions", "any of", ["s1", "s2"]), ["o1", "o2", "o3"]),
        (cond("totalCost", "number", ">", 1), ["o3"]),
        (cond("totalCost", "number", "<=", 0.5), ["o1"]),
        (cond("totalCost", "number", "=", 1.25), ["o3"]),
        (cond("totalCost", "number", "!=", 0.5), ["o3"]),
        (cond("totalCost", "null", "is null"), ["o2", "o4"]),
    ]
    for condition, expected in cases:
        assert await found_observations(analytics_store, filters=[condition]) == expected, condition


async def test_find_observations_keyset_walks_everything(analytics_store: AnalyticsStore) -> None:
    starts = [T0, T0, T0, T0 + S, T0 + S, T0 + 2 * S, T0 - S, T0, T0 + S, T0 + 3 * S, T0]
    await analytics_store.upsert_observations(
        [observation(f"o{i:02}", start_time=start) for i, start in enumerate(starts)]
        + [observation("other", project_id=P2)]
    )
    everything = await analytics_store.find_observations(P1, ObservationQuery(limit=100))
    expected = sorted(
        ((obs.start_time, obs.id) for obs in everything.items), reverse=True
    )  # start_time DESC, id DESC
    assert [(obs.start_time, obs.id) for obs in everything.items] == expected
    assert everything.total == len(starts)

    walked: list[str] = []
    after: tuple[datetime, str] | None = None
    while True:
        query = ObservationQuery(limit=3, after=after, with_total=False)
        page = await analytics_store.find_observations(P1, query)
        assert page.total is None
        if not page.items:
            break
        walked.extend(obs.id for obs in page.items)
        last = page.items[-1]
        after = (last.start_time, last.id)
    assert walked == [obs.id for obs in everything.items]

    # Keyset with a filter, and an "after" that names no stored row.
    query = ObservationQuery(after=(T0 + S, "o05"), from_start_time=T0)
    assert [obs.id for obs in (await analytics_store.find_observations(P1, query)).items] == [
        "o04", "o03", "o10", "o07", "o02", "o01", "o00",
    ]  # fmt: skip


async def _scores_to_filter(store: AnalyticsStore) -> None:
    await store.upsert_traces(
        [trace("t1", user_id="u1", tags=["a", "b"]), trace("t2", user_id="u2", tags=["b"])]
    )
    await store.upsert_scores(
        [
            score(
                "s1", value=0.9, environment="prod", trace_id="t1", observation_id="o1",
                config_id="c1", queue_id="q1", author_user_id="a1", metadata={"k": "x"},
            ),
            score(
                "s2", name="tone", timestamp=T0 + S, data_type=ScoreDataType.CATEGORICAL,
                string_value="good", source=ScoreSource.ANNOTATION, environment="dev",
                trace_id="t2", config_id="c2", author_user_id="a2",
            ),
            score(
                "s3", value=0.1, timestamp=T0 + 2 * S, source=ScoreSource.EVAL,
                environment="prod", session_id="sess",
            ),
            score(
                "s4", name="run", value=0.0, timestamp=T0 + 3 * S,
                data_type=ScoreDataType.BOOLEAN, string_value="False",
                dataset_run_id="run-1", metadata={"k": "y"},
            ),
            score("s1", project_id=P2),
        ]
    )  # fmt: skip


async def test_find_scores_by_simple_parameters(analytics_store: AnalyticsStore) -> None:
    await _scores_to_filter(analytics_store)
    cases: list[tuple[dict[str, object], list[str]]] = [
        ({}, ["s1", "s2", "s3", "s4"]),
        ({"ids": ["s1", "s3", "nope"]}, ["s1", "s3"]),
        ({"names": ["quality"]}, ["s1", "s3"]),
        ({"names": ["tone", "run"]}, ["s2", "s4"]),
        ({"sources": ["ANNOTATION", "EVAL"]}, ["s2", "s3"]),
        ({"data_types": ["NUMERIC"]}, ["s1", "s3"]),
        ({"environments": ["dev"]}, ["s2"]),
        ({"config_ids": ["c1"]}, ["s1"]),
        ({"queue_ids": ["q1"]}, ["s1"]),
        ({"author_user_ids": ["a2"]}, ["s2"]),
        ({"string_values": ["good"]}, ["s2"]),
        ({"trace_id": "t1"}, ["s1"]),
        ({"observation_ids": ["o1", "zz"]}, ["s1"]),
        ({"session_id": "sess"}, ["s3"]),
        ({"dataset_run_id": "run-1"}, ["s4"]),
        ({"user_id": "u2"}, ["s2"]),
        ({"trace_tags": ["a"]}, ["s1"]),
        ({"trace_tags": ["b"]}, ["s1", "s2"]),
        ({"trace_tags": ["b"], "user_id": "u2"}, ["s2"]),
        ({"from_timestamp": T0 + S}, ["s2", "s3", "s4"]),
        ({"to_timestamp": T0 + S}, ["s1"]),
        ({"value_operator": ">=", "value": 0.9}, ["s1", "s2"]),
        ({"value_operator": "<", "value": 0.5}, ["s3", "s4"]),
        ({"value_operator": "!=", "value": 1.0}, ["s1", "s3", "s4"]),
        ({"value_operator": "=", "value": 0.0}, ["s4"]),
        ({"value_operator": ">", "value": 0.5, "names": ["quality"]}, ["s1"]),
        ({"value_min": 0.1, "value_max": 0.9}, ["s1", "s3"]),
        ({"value_min": 0.5}, ["s1", "s2"]),
    ]
    for query, expected in cases:
        assert await found_scores(analytics_store, **query) == expected, query


async def test_score_filter_conditions(analytics_store: AnalyticsStore) -> None:
    await _scores_to_filter(analytics_store)
    cases: list[tuple[FilterCondition, list[str]]] = [
        (cond("id", "string", "=", "s2"), ["s2"]),
        (cond("name", "stringOptions", "none of", ["quality"]), ["s2", "s4"]),
        (cond("source", "string", "=", "EVAL"), ["s3"]),
        (cond("dataType", "stringOptions", "any of", ["CATEGORICAL"]), ["s2"]),
        (cond("environment", "string", "=", "prod"), ["s1", "s3"]),
        (cond("value", "number", ">", 0.5), ["s1", "s2"]),
        (cond("value", "number", "<", 0.1), ["s4"]),
        (cond("stringValue", "null", "is null"), ["s1", "s3"]),
        (cond("stringValue", "string", "starts with", "go"), ["s2"]),
        (cond("traceId", "null", "is not null"), ["s1", "s2"]),
        (cond("observationId", "null", "is null"), ["s2", "s3", "s4"]),
        (cond("sessionId", "string", "=", "sess"), ["s3"]),
        (cond("timestamp", "datetime", ">", T0 + S), ["s3", "s4"]),
        (cond("configId", "string", "starts with", "c"), ["s1", "s2"]),
        (cond("metadata", "stringObject", "=", "x", key="k"), ["s1"]),
    ]
    for condition, expected in cases:
        assert await found_scores(analytics_store, filters=[condition]) == expected, condition


async def test_find_scores_order_and_keyset(analytics_store: AnalyticsStore) -> None:
    stamps = [T0, T0 + S, T0, T0 - S, T0 + S, T0, T0 + 2 * S]
    await analytics_store.upsert_scores([score(f"s{i}", timestamp=t) for i, t in enumerate(stamps)])
    everything = await analytics_store.find_scores(P1, ScoreQuery(limit=100))
    assert [s.id for s in everything.items] == ["s6", "s4", "s1", "s5", "s2", "s0", "s3"]
    assert everything.total == 7

    walked: list[str] = []
    after: tuple[datetime, str] | None = None
    for _ in range(10):
        page = await analytics_store.find_scores(
            P1, ScoreQuery(limit=2, after=after, with_total=False)
        )
        assert page.total is None
        if not page.items:
            break
        walked.extend(s.id for s in page.items)
        after = (page.items[-1].timestamp, page.items[-1].id)
    assert walked == [s.id for s in everything.items]

    offset_page = await analytics_store.find_scores(P1, ScoreQuery(limit=2, offset=2))
    assert [s.id for s in offset_page.items] == ["s1", "s5"] and offset_page.total == 7


async def test_sessions(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces(
        [
            trace("t1", session_id="s1", environment="prod"),
            trace("t2", session_id="s1", timestamp=T0 - H, environment="dev"),
            trace("t3", session_id="s2", timestamp=T0 + H, environment="prod"),
            trace("t4"),
            trace("t5", session_id="s3", timestamp=T0 + H, environment="prod"),
            trace("t6", session_id="s4", timestamp=T0 + 2 * H),
            trace("t7", session_id="s6", timestamp=T0 + 3 * H),
            trace("t9", session_id="s9", project_id=P2),
        ]
    )
    await analytics_store.delete_traces(P1, ["t6"])
    # t7 leaves its session: s6 is gone, s5 appears.
    await analytics_store.upsert_traces(
        [trace("t7", session_id="s5", timestamp=T0 + 3 * H, event_ts=T0 + S)]
    )

    async def sessions(**query: object) -> tuple[list[str], int | None]:
        page = await analytics_store.find_sessions(P1, SessionQuery(**query))  # type: ignore[arg-type]
        return [s.id for s in page.items], page.total

    assert await sessions() == (["s5", "s2", "s3", "s1"], 4)
    assert await sessions(from_timestamp=T0) == (["s5", "s2", "s3"], 3)
    assert await sessions(from_timestamp=T0 - H, to_timestamp=T0 + H) == (["s1"], 1)
    assert await sessions(environments=["dev"]) == (["s1"], 1)
    assert await sessions(environments=["prod"]) == (["s2", "s3"], 2)
    assert await sessions(limit=2, offset=1) == (["s2", "s3"], 4)
    assert await sessions(limit=2, offset=4) == ([], 4)

    s1 = Session(id="s1", project_id=P1, created_at=T0 - H, environment="dev")
    page = await analytics_store.find_sessions(P1, SessionQuery(environments=["dev"]))
    assert list(page.items) == [s1]
    assert await analytics_store.get_session(P1, "s1") == s1
    assert await analytics_store.get_session(P1, "s4") is None
    assert await analytics_store.get_session(P1, "s6") is None
    assert await analytics_store.get_session(P1, "s9") is None
    assert await analytics_store.get_session(P2, "s9") == Session(
        id="s9", project_id=P2, created_at=T0, environment="default"
    )
    got = await analytics_store.session_traces(P1, "s1")
    assert got == [trace("t2", session_id="s1", timestamp=T0 - H, environment="dev"),
                   trace("t1", session_id="s1", environment="prod")]  # fmt: skip
    assert [t.id for t in await analytics_store.session_traces(P1, "s5")] == ["t7"]
    assert await analytics_store.session_traces(P1, "s6") == []
    assert await analytics_store.session_traces(P1, "nope") == []


async def test_trace_metrics(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_observations(
        [
            observation("o2", trace_id="m1", start_time=T0 + S,
                        end_time=T0 + timedelta(seconds=5.5), total_cost=0.2),
            observation("o1", trace_id="m1", end_time=T0 + 2 * S, total_cost=0.1),
            observation("o3", trace_id="m1", start_time=T0 + 6 * S),
            observation("o4", trace_id="m2"),
            observation("gone", trace_id="m2", start_time=T0 - H, total_cost=9.0),
            observation("o9", trace_id="m1", project_id=P2, start_time=T0 - H, total_cost=9.0),
        ]
    )  # fmt: skip
    await analytics_store.upsert_observations(
        [observation("gone", trace_id="m2", is_deleted=True, event_ts=T0 + S)]
    )
    metrics = await analytics_store.trace_metrics(P1, ["m1", "m2", "m3"])
    assert metrics == {
        # Latency runs to the last end, or start when an observation has no end.
        "m1": TraceMetrics(
            trace_id="m1", latency=6.0, total_cost=0.3, observation_ids=["o1", "o2", "o3"]
        ),
        "m2": TraceMetrics(trace_id="m2", latency=0.0, total_cost=0.0, observation_ids=["o4"]),
        "m3": TraceMetrics(trace_id="m3", latency=0.0, total_cost=0.0, observation_ids=[]),
    }
    assert await analytics_store.trace_metrics(P1, []) == {}


async def test_scores_of_traces(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_scores(
        [
            score("b", trace_id="t1", timestamp=T0 + S),
            score("c", trace_id="t1"),
            score("a", trace_id="t1", timestamp=T0 + S),
            score("d", trace_id="t2"),
            score("loose"),
            score("gone", trace_id="t2"),
            score("x", trace_id="t1", project_id=P2),
        ]
    )
    await analytics_store.delete_scores(P1, ["gone"])
    got = await analytics_store.scores_of_traces(P1, ["t1", "t2", "t3"])
    assert {key: [s.id for s in value] for key, value in got.items()} == {
        "t1": ["c", "a", "b"],
        "t2": ["d"],
        "t3": [],
    }
    assert got["t2"] == [score("d", trace_id="t2")]
    assert await analytics_store.scores_of_traces(P1, []) == {}


async def _daily_data(store: AnalyticsStore) -> None:
    # T0 is 22:30 UTC on 31 March: two hours later is 1 April.
    await store.upsert_traces(
        [
            trace("d1", name="chat", user_id="u1", tags=["a", "b"], environment="prod"),
            trace("d2", timestamp=T0 + H, name="chat", user_id="u2", tags=["a"],
                  environment="dev"),
            trace("d3", timestamp=T0 + 2 * H, name="other", user_id="u1", tags=["b"],
                  environment="prod"),
            trace("d4"),
            trace("p2", project_id=P2),
        ]
    )  # fmt: skip

    def generation(
        id: str, trace_id: str, model: str | None, usage: dict[str, int], cost: float | None
    ) -> Observation:
        return observation(
            id,
            trace_id=trace_id,
            type=ObservationType.GENERATION,
            provided_model_name=model,
            usage_details=usage,
            total_cost=cost,
        )

    await store.upsert_observations(
        [
            generation("g1", "d1", "gpt-4o", {"input": 10, "output": 20, "total": 30}, 0.1),
            generation("g2", "d1", "claude", {"input": 1, "output": 2, "total": 3}, 0.2),
            generation("g3", "d1", None, {}, None),
            generation("g4", "d2", "gpt-4o", {"input": 5, "output": 5, "total": 10}, 0.05),
            generation("g5", "d3", "gpt-4o", {"input": 100, "total": 100}, 1.0),
            generation("g6", "d4", "gpt-4o", {"input": 7}, 7.0),
            generation("g7", "p2", "gpt-4o", {"input": 7}, 7.0),
        ]
    )
    await store.delete_traces(P1, ["d4"])


async def test_daily_metrics(analytics_store: AnalyticsStore) -> None:
    await _daily_data(analytics_store)
    april = DailyMetric(
        date="2024-04-01",
        count_traces=1,
        count_observations=1,
        total_cost=1.0,
        usage=[DailyModelUsage(model="gpt-4o", input_usage=100, output_usage=0, total_usage=100,
                               count_observations=1, count_traces=1, total_cost=1.0)],
    )  # fmt: skip
    march = DailyMetric(
        date="2024-03-31",
        count_traces=2,
        count_observations=4,
        total_cost=0.35,
        usage=[
            DailyModelUsage(model="claude", input_usage=1, output_usage=2, total_usage=3,
                            count_observations=1, count_traces=1, total_cost=0.2),
            DailyModelUsage(model="gpt-4o", input_usage=15, output_usage=25, total_usage=40,
                            count_observations=2, count_traces=2, total_cost=0.15),
            DailyModelUsage(model=None, input_usage=0, output_usage=0, total_usage=0,
                            count_observations=1, count_traces=1, total_cost=0.0),
        ],
    )  # fmt: skip
    page = await analytics_store.daily_metrics(P1, MetricsQuery())
    assert list(page.items) == [april, march]
    assert page.total == 2

    async def days(**query: object) -> list[tuple[str, int, int]]:
        page = await analytics_store.daily_metrics(P1, MetricsQuery(**query))  # type: ignore[arg-type]
        return [(d.date, d.count_traces, d.count_observations) for d in page.items]

    assert await days(trace_name="chat") == [("2024-03-31", 2, 4)]
    assert await days(user_id="u1") == [("2024-04-01", 1, 1), ("2024-03-31", 1, 3)]
    assert await days(tags=["a", "b"]) == [("2024-03-31", 1, 3)]
    assert await days(environments=["dev"]) == [("2024-03-31", 1, 1)]
    assert await days(from_timestamp=T0 + H) == [("2024-04-01", 1, 1), ("2024-03-31", 1, 1)]
    assert await days(to_timestamp=T0 + 2 * H) == [("2024-03-31", 2, 4)]
    assert await days(trace_name="nope") == []
    second = await analytics_store.daily_metrics(P1, MetricsQuery(limit=1, offset=1))
    assert list(second.items) == [march] and second.total == 2
    empty = await analytics_store.daily_metrics(P1, MetricsQuery(offset=5))
    assert list(empty.items) == [] and empty.total == 2
