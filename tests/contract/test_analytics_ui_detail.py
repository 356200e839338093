"""Contract suite for the web UI's detail reads of AnalyticsStore (observation nodes,
session summaries, session turns): the in-memory fake and ClickHouse on embedded chDB."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import (
    Observation,
    ObservationLevel,
    ObservationType,
    Trace,
)
from spyglass_tracing.domain.ui_detail import LightObservation, SessionSummaryQuery
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.storage.clickhouse.queries.select import Params
from spyglass_tracing.storage.clickhouse.queries.ui_detail import observation_nodes_sql
from tests.contract.analytics_support import opened_store

P1, P2 = "project-1", "project-2"
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture(params=["memory", "chdb"])
async def store(request: pytest.FixtureRequest, chdb_dsn: str) -> AsyncIterator[AnalyticsStore]:
    async with opened_store(request.param, chdb_dsn) as opened:
        yield opened


def observation(obs_id: str, start: datetime, **fields: object) -> Observation:
    values: dict[str, object] = {
        "id": obs_id,
        "trace_id": "t1",
        "project_id": P1,
        "type": ObservationType.SPAN,
        "start_time": start,
        "input": "big input",
        "output": "big output",
        "metadata": {"k": "v"},
    }
    return Observation(**(values | fields))  # type: ignore[arg-type]


# --- observation nodes --------------------------------------------------------------------


async def test_nodes_page_a_large_trace_without_gaps(store: AnalyticsStore) -> None:
    # 2,500 observations, five per millisecond: the id breaks start-time ties.
    rows = [observation(f"o{i:05d}", at((i // 5) / 1000)) for i in range(2500)]
    await store.upsert_observations(list(reversed(rows)))
    seen: list[str] = []
    after: tuple[datetime, str] | None = None
    pages = 0
    while True:
        page = await store.observation_nodes(P1, "t1", after=after, limit=1000)
        pages += 1
        seen.extend(node.id for node in page)
        if len(page) < 1000:
            break
        after = (page[-1].start_time, page[-1].id)
    assert pages == 3
    assert seen == [row.id for row in rows]


async def test_a_node_carries_the_light_columns_only(store: AnalyticsStore) -> None:
    full = observation(
        "o1",
        T0,
        type=ObservationType.GENERATION,
        end_time=at(2),
        completion_start_time=at(0.5),
        name="llm",
        parent_observation_id="o0",
        level=ObservationLevel.ERROR,
        status_message="é" * 300,
        provided_model_name="gpt-4o",
        total_cost=0.25,
        usage_details={"input": 3, "output": 4, "total": 7},
    )
    await store.upsert_observations([full])
    (node,) = await store.observation_nodes(P1, "t1", after=None, limit=10)
    assert node == LightObservation(
        id="o1",
        trace_id="t1",
        type=ObservationType.GENERATION,
        start_time=T0,
        end_time=at(2),
        completion_start_time=at(0.5),
        name="llm",
        parent_observation_id="o0",
        level=ObservationLevel.ERROR,
        model="gpt-4o",
        total_cost=0.25,
        usage_details={"input": 3, "output": 4, "total": 7},
        status_message="é" * 200,
    )


async def test_nodes_are_of_one_trace_of_one_project_and_live(store: AnalyticsStore) -> None:
    await store.upsert_observations(
        [
            observation("a", T0),
            observation("b", at(1)),
            observation("other-trace", T0, trace_id="t2"),
            observation("other-project", T0, project_id=P2),
            observation("gone", at(2), is_deleted=True),
        ]
    )
    nodes = await store.observation_nodes(P1, "t1", after=None, limit=10)
    assert [node.id for node in nodes] == ["a", "b"]
    later = await store.observation_nodes(P1, "t1", after=(T0, "a"), limit=10)
    assert [node.id for node in later] == ["b"]
    assert await store.observation_nodes(P1, "nope", after=None, limit=10) == []


async def test_a_negative_node_limit_is_refused(store: AnalyticsStore) -> None:
    with pytest.raises(InvalidInput):
        await store.observation_nodes(P1, "t1", after=None, limit=-1)


def test_the_node_query_reads_no_payload_column() -> None:
    sql = observation_nodes_sql("db.observations", Params(P1), "t1", (T0, "a"), 1000)
    assert re.search(r"\b(input|output|metadata|model_parameters)\b", sql) is None
    assert "status_message" in sql and "usage_details" in sql


# --- sessions -----------------------------------------------------------------------------


def trace(trace_id: str, session: str | None, seconds: float, **fields: object) -> Trace:
    values: dict[str, object] = {
        "id": trace_id,
        "project_id": P1,
        "timestamp": at(seconds),
        "session_id": session,
        "input": f"question {trace_id}",
        "output": f"answer {trace_id}",
    }
    return Trace(**(values | fields))  # type: ignore[arg-type]


async def seed_sessions(store: AnalyticsStore) -> None:
    await store.upsert_traces(
        [
            trace("a1", "chat-A", 0, user_id="u2", environment="prod"),
            trace("a2", "chat-A", 60, user_id="u1", environment="dev"),
            trace("a3", "chat-A", 30, user_id="u2"),
            trace("b1", "Chat-B", 100, user_id="u3"),
            trace("c1", "other", 10),
            trace("loose", None, 500),
            trace("elsewhere", "chat-A", 900, project_id=P2),
            trace("deleted", "chat-Z", 1000, is_deleted=True),
        ]
    )
    await store.upsert_observations(
        [
            observation(
                "oa1",
                at(-5),
                trace_id="a1",
                end_time=at(1),
                total_cost=0.1,
                usage_details={"input": 1, "output": 2, "total": 3},
            ),
            observation(
                "oa2",
                at(60),
                trace_id="a2",
                end_time=at(75),
                total_cost=0.2,
                usage_details={"input": 10, "output": 5},
            ),
            observation("ob1", at(100), trace_id="b1"),
        ]
    )


async def test_session_summaries_aggregate_their_traces(store: AnalyticsStore) -> None:
    await seed_sessions(store)
    found = await store.session_summaries(P1, SessionSummaryQuery())
    assert [s.id for s in found] == ["Chat-B", "chat-A", "other"]
    chat_a = found[1]
    assert (chat_a.created_at, chat_a.last_trace_at) == (T0, at(60))
    assert (chat_a.trace_count, chat_a.user_ids, chat_a.environment) == (3, ["u1", "u2"], "prod")
    assert chat_a.total_cost == pytest.approx(0.3)
    assert chat_a.total_tokens == 3 + 15
    assert chat_a.duration_seconds == 80.0  # from oa1's start (-5) to oa2's end (75)
    other = found[2]
    assert (other.total_cost, other.total_tokens, other.duration_seconds) == (0.0, 0, 0.0)
    assert other.user_ids == []
    assert await store.session_summary(P1, "chat-A") == chat_a
    assert await store.session_summary(P1, "chat-Z") is None
    assert await store.session_summary(P2, "Chat-B") is None


async def test_session_summaries_page_by_keyset_and_filter(store: AnalyticsStore) -> None:
    await seed_sessions(store)
    first = await store.session_summaries(P1, SessionSummaryQuery(limit=2))
    assert [s.id for s in first] == ["Chat-B", "chat-A"]
    rest = await store.session_summaries(
        P1, SessionSummaryQuery(limit=2, after=(first[-1].last_trace_at, first[-1].id))
    )
    assert [s.id for s in rest] == ["other"]

    async def ids(**query: object) -> list[str]:
        found = await store.session_summaries(P1, SessionSummaryQuery(**query))  # type: ignore[arg-type]
        return [s.id for s in found]

    assert await ids(search="CHAT") == ["Chat-B", "chat-A"]
    assert await ids(user_id="u1") == ["chat-A"]
    assert await ids(from_timestamp=at(60)) == ["Chat-B", "chat-A"]
    assert await ids(to_timestamp=at(60)) == ["other"]
    # Ties on the last trace time are broken by id, descending.
    await store.upsert_traces([trace("d1", "chat-D", 100)])
    assert await ids(limit=2) == ["chat-D", "Chat-B"]
    assert await ids(after=(at(100), "chat-D")) == ["Chat-B", "chat-A", "other"]


async def test_session_turns_page_oldest_first(store: AnalyticsStore) -> None:
    await seed_sessions(store)
    await store.upsert_traces([trace("a0", "chat-A", 30)])  # ties a3 on time: id decides
    first = await store.session_turns(P1, "chat-A", after=None, limit=3)
    assert [t.id for t in first] == ["a1", "a0", "a3"]
    assert first[0].input == "question a1" and first[0].output == "answer a1"
    rest = await store.session_turns(
        P1, "chat-A", after=(first[-1].timestamp, first[-1].id), limit=3
    )
    assert [t.id for t in rest] == ["a2"]
    assert await store.session_turns(P2, "chat-A", after=None, limit=5) != []
    assert await store.session_turns(P1, "chat-Z", after=None, limit=5) == []
