"""What the analytics store's contract suites share: the store under test and rows.

``analytics_store`` runs each test on the in-memory fake and on ClickHouse (embedded
chDB). chDB hosts one engine path per process at a time, so every chDB test shares one
session-wide directory and isolates itself with a fresh database, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import clickhouse_connect
import msgspec
import pytest

from spyglass_core.domain.tracing import (
    Observation,
    ObservationLevel,
    ObservationType,
    Score,
    ScoreDataType,
    ScoreSource,
    Trace,
)
from spyglass_tracing.domain.queries import (
    FilterCondition,
    ObservationQuery,
    ScoreQuery,
    TraceQuery,
)
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.storage.clickhouse import ClickHouseAnalyticsStore
from spyglass_tracing.storage.memory_analytics import MemoryAnalyticsStore

__all__ = (
    "P1",
    "P2",
    "PLUS2",
    "T0",
    "H",
    "S",
    "analytics_store",
    "assert_utc",
    "cond",
    "drop_database",
    "found_observations",
    "found_scores",
    "found_traces",
    "full_observation",
    "full_score",
    "full_trace",
    "observation",
    "opened_chdb_store",
    "opened_store",
    "score",
    "trace",
)

P1, P2 = "project-1", "project-2"
T0 = datetime(2024, 3, 31, 22, 30, 1, 123000, tzinfo=UTC)
PLUS2 = timezone(timedelta(hours=2))


def drop_database(dsn: str, database: str) -> None:
    """Drop a test's ClickHouse database (blocking: run it in a thread)."""
    client = clickhouse_connect.get_client(dsn=dsn)
    try:
        client.command(f"DROP DATABASE IF EXISTS {database}")
    finally:
        client.close()


@contextlib.asynccontextmanager
async def opened_chdb_store(chdb_dsn: str) -> AsyncIterator[ClickHouseAnalyticsStore]:
    """An empty ClickHouse store in a database of its own, dropped afterwards."""
    database = f"test_{uuid.uuid4().hex}"
    store = await ClickHouseAnalyticsStore.open(chdb_dsn, database)
    try:
        yield store
    finally:
        await store.close()
        await asyncio.to_thread(drop_database, chdb_dsn, database)


@contextlib.asynccontextmanager
async def opened_store(kind: str, chdb_dsn: str) -> AsyncIterator[AnalyticsStore]:
    """An empty store of ``kind``: ``memory`` (the fake) or ``chdb``."""
    if kind == "memory":
        yield MemoryAnalyticsStore()
        return
    async with opened_chdb_store(chdb_dsn) as store:
        yield store


@pytest.fixture(params=["memory", "chdb"])
async def analytics_store(
    request: pytest.FixtureRequest, chdb_dsn: str
) -> AsyncIterator[AnalyticsStore]:
    async with opened_store(request.param, chdb_dsn) as store:
        yield store


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
