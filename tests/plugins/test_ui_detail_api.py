"""The trace and session pages' internal reads over HTTP, on both analytics stores.

One app per store per module; rows are written straight into its analytics store, so
these tests depend on the read path only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from spyglass_core.domain.accounts import Role
from spyglass_core.domain.tracing import (
    Observation,
    ObservationLevel,
    ObservationType,
    Score,
    ScoreDataType,
    ScoreSource,
    Trace,
)
from spyglass_tracing.ports.analytics import AnalyticsStore
from tests.plugins.accounts_support import session_of
from tests.plugins.ui_detail_support import STORES, UiWorld, ui_world

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BIG = 2500


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def iso(moment: datetime) -> str:
    return msgspec.json.encode(moment).decode().strip('"')


async def seed(store: AnalyticsStore, project: str) -> None:
    await store.upsert_traces(
        [
            Trace(
                id="t1",
                project_id=project,
                timestamp=T0,
                name="chat",
                user_id="u1",
                session_id="s1",
                release="r1",
                version="v1",
                environment="production",
                public=True,
                tags=["a", "b"],
                metadata={"k": '{"x": 1}', "plain": "hello"},
                input='{"q": "hi"}',
                output="plain answer",
            ),
            Trace(
                id="t2",
                project_id=project,
                timestamp=at(3600),
                user_id="u2",
                session_id="s1",
                input="raw",
            ),
            Trace(id="t3", project_id=project, timestamp=at(7200), session_id="s2"),
            Trace(id="big", project_id=project, timestamp=T0, name="many observations"),
            Trace(id="secret", project_id="another-project", timestamp=T0, session_id="s1"),
        ]
    )
    await store.upsert_observations(
        [
            Observation(
                id="o1",
                trace_id="t1",
                project_id=project,
                type=ObservationType.SPAN,
                name="root",
                start_time=T0,
                end_time=at(2),
                input='{"a": 1}',
                output="text",
            ),
            Observation(
                id="o2",
                trace_id="t1",
                project_id=project,
                type=ObservationType.GENERATION,
                name="llm",
                parent_observation_id="o1",
                start_time=at(0.5),
                end_time=at(1.5),
                completion_start_time=at(0.75),
                level=ObservationLevel.WARNING,
                status_message="x" * 300,
                version="gen-1",
                environment="production",
                metadata={"json": '{"n": 1}'},
                input='[{"role": "user", "content": "hi"}]',
                output='{"role": "assistant"}',
                provided_model_name="gpt-4o",
                model_parameters='{"temperature": 0.1}',
                usage_details={"input": 10, "output": 20, "total": 30},
                cost_details={"input": 0.01, "output": 0.02, "total": 0.03},
                total_cost=0.03,
                prompt_id="prompt-1",
                prompt_name="p",
                prompt_version=2,
            ),
            Observation(
                id="o3",
                trace_id="t1",
                project_id=project,
                type=ObservationType.EVENT,
                parent_observation_id="o1",
                start_time=at(1),
            ),
            Observation(
                id="o4",
                trace_id="t2",
                project_id=project,
                type=ObservationType.SPAN,
                start_time=at(3600),
                end_time=at(3603),
                total_cost=0.5,
                usage_details={"input": 1, "output": 1},
            ),
            *(
                Observation(
                    id=f"n{i:05d}",
                    trace_id="big",
                    project_id=project,
                    type=ObservationType.SPAN,
                    start_time=at((i // 4) / 1000),
                    input="payload " * 50,
                )
                for i in range(BIG)
            ),
        ]
    )
    await store.upsert_scores(
        [
            Score(
                id="sc1",
                project_id=project,
                timestamp=at(10),
                name="quality",
                value=0.9,
                trace_id="t1",
                comment="good",
                config_id="cfg1",
            ),
            Score(
                id="sc2",
                project_id=project,
                timestamp=at(20),
                name="correct",
                value=1,
                string_value="True",
                data_type=ScoreDataType.BOOLEAN,
                source=ScoreSource.EVAL,
                trace_id="t1",
                observation_id="o2",
                metadata={"execution_id": "x1", "judge_trace_id": "judge-t1"},
            ),
            Score(
                id="sc3",
                project_id=project,
                timestamp=at(3610),
                name="tone",
                value=0,
                string_value="polite",
                data_type=ScoreDataType.CATEGORICAL,
                source=ScoreSource.ANNOTATION,
                trace_id="t2",
                author_user_id="user-9",
            ),
            Score(
                id="sc4", project_id=project, timestamp=at(30), name="s", value=1, session_id="s1"
            ),
        ]
    )


@pytest.fixture(scope="module", params=STORES)
async def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, chdb_dsn: str
) -> AsyncIterator[UiWorld]:
    async with ui_world(tmp_path_factory.mktemp("ui-detail"), chdb_dsn, request.param) as world:
        await seed(world.store, world.project)
        yield world


async def get(world: UiWorld, path: str, expected: int = 200, **params: Any) -> Any:
    async with session_of(world.app, world.users[Role.VIEWER]) as viewer:
        response = await viewer.client.get(world.url(path), params=params)
    assert response.status_code == expected, response.text
    return response.json()


SC1 = {
    "id": "sc1", "name": "quality", "value": 0.9, "stringValue": None, "dataType": "NUMERIC",
    "source": "API", "comment": "good", "observationId": None, "configId": "cfg1",
    "authorUserId": None, "timestamp": iso(at(10)), "metadata": {},
}  # fmt: skip
SC2 = {
    "id": "sc2", "name": "correct", "value": 1.0, "stringValue": "True", "dataType": "BOOLEAN",
    "source": "EVAL", "comment": None, "observationId": "o2", "configId": None,
    "authorUserId": None, "timestamp": iso(at(20)),
    "metadata": {"execution_id": "x1", "judge_trace_id": "judge-t1"},
}  # fmt: skip


# --- the trace page -----------------------------------------------------------------------


async def test_trace_detail(world: UiWorld) -> None:
    body = await get(world, "/traces/t1")
    assert body == {
        "id": "t1",
        "timestamp": iso(T0),
        "name": "chat",
        "userId": "u1",
        "sessionId": "s1",
        "tags": ["a", "b"],
        "environment": "production",
        "release": "r1",
        "version": "v1",
        "public": True,
        "input": {"q": "hi"},
        "output": "plain answer",
        "metadata": {"k": {"x": 1}, "plain": "hello"},
        "latency": 2.0,
        "totalCost": pytest.approx(0.03),
        "observationCount": 3,
        "scores": [SC1, SC2],
    }


async def test_trace_without_observations_has_null_aggregates(world: UiWorld) -> None:
    body = await get(world, "/traces/t3")
    assert (body["latency"], body["totalCost"], body["observationCount"]) == (None, None, 0)
    assert body["scores"] == [] and body["input"] is None and body["metadata"] == {}


async def test_unknown_and_foreign_traces_are_404(world: UiWorld) -> None:
    await get(world, "/traces/nope", 404)
    await get(world, "/traces/secret", 404)


async def test_observation_nodes_are_light(world: UiWorld) -> None:
    body = await get(world, "/traces/t1/observations")
    assert body["nextCursor"] is None
    assert [item["id"] for item in body["items"]] == ["o1", "o2", "o3"]
    assert body["items"][1] == {
        "id": "o2",
        "parentObservationId": "o1",
        "type": "GENERATION",
        "name": "llm",
        "startTime": iso(at(0.5)),
        "endTime": iso(at(1.5)),
        "completionStartTime": iso(at(0.75)),
        "level": "WARNING",
        "model": "gpt-4o",
        "totalCost": pytest.approx(0.03),
        "inputTokens": 10,
        "outputTokens": 20,
        "totalTokens": 30,
        "statusMessage": "x" * 200,
    }
    assert body["items"][2]["totalTokens"] == 0 and body["items"][2]["endTime"] is None


async def test_a_large_trace_pages_without_gaps(world: UiWorld) -> None:
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": 1000} | ({"cursor": cursor} if cursor else {})
        body = await get(world, "/traces/big/observations", **params)
        pages += 1
        seen.extend(item["id"] for item in body["items"])
        assert all("input" not in item for item in body["items"])
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [f"n{i:05d}" for i in range(BIG)]


async def test_observation_node_paging_is_checked(world: UiWorld) -> None:
    await get(world, "/traces/big/observations", 400, cursor="not a cursor!")
    await get(world, "/traces/big/observations", 400, limit=0)
    await get(world, "/traces/big/observations", 400, limit=5001)
    empty = await get(world, "/traces/nope/observations")
    assert empty == {"items": [], "nextCursor": None}


async def test_observation_detail(world: UiWorld) -> None:
    body = await get(world, "/observations/o2")
    assert body == {
        "id": "o2",
        "traceId": "t1",
        "parentObservationId": "o1",
        "type": "GENERATION",
        "name": "llm",
        "startTime": iso(at(0.5)),
        "endTime": iso(at(1.5)),
        "completionStartTime": iso(at(0.75)),
        "latency": 1.0,
        "timeToFirstToken": 0.25,
        "level": "WARNING",
        "statusMessage": "x" * 300,
        "version": "gen-1",
        "environment": "production",
        "model": "gpt-4o",
        "modelParameters": {"temperature": 0.1},
        "input": [{"role": "user", "content": "hi"}],
        "output": {"role": "assistant"},
        "metadata": {"json": {"n": 1}},
        "usageDetails": {"input": 10, "output": 20, "total": 30},
        "costDetails": pytest.approx({"input": 0.01, "output": 0.02, "total": 0.03}),
        "totalCost": pytest.approx(0.03),
        "promptId": "prompt-1",
        "promptName": "p",
        "promptVersion": 2,
    }
    assert (await get(world, "/observations/o3"))["latency"] is None
    await get(world, "/observations/nope", 404)


# --- sessions -----------------------------------------------------------------------------


S1 = {
    "id": "s1",
    "createdAt": iso(T0),
    "lastTraceAt": iso(at(3600)),
    "traceCount": 2,
    "userIds": ["u1", "u2"],
    "totalCost": pytest.approx(0.53),
    "totalTokens": 32,
    "durationSeconds": 3603.0,
    "environment": "production",
}


async def test_sessions_newest_last_trace_first_with_aggregates(world: UiWorld) -> None:
    body = await get(world, "/sessions")
    assert [item["id"] for item in body["items"]] == ["s2", "s1"]
    assert body["items"][1] == S1
    assert body["items"][0]["traceCount"] == 1 and body["items"][0]["userIds"] == []
    assert body["nextCursor"] is None


async def test_sessions_page_and_filter(world: UiWorld) -> None:
    first = await get(world, "/sessions", limit=1)
    assert [item["id"] for item in first["items"]] == ["s2"]
    rest = await get(world, "/sessions", limit=1, cursor=first["nextCursor"])
    assert [item["id"] for item in rest["items"]] == ["s1"] and rest["nextCursor"] is None
    assert [i["id"] for i in (await get(world, "/sessions", search="S2"))["items"]] == ["s2"]
    assert [i["id"] for i in (await get(world, "/sessions", userId="u2"))["items"]] == ["s1"]
    until = await get(world, "/sessions", toTimestamp=iso(at(7200)))
    assert [item["id"] for item in until["items"]] == ["s1"]
    since = await get(world, "/sessions", fromTimestamp=iso(at(7200)))
    assert [item["id"] for item in since["items"]] == ["s2"]
    await get(world, "/sessions", 400, cursor="%%%")
    await get(world, "/sessions", 400, limit=201)


async def test_a_session_replays_its_turns_oldest_first(world: UiWorld) -> None:
    first = await get(world, "/sessions/s1", limit=1)
    assert first["session"] == S1
    assert first["traces"] == [
        {
            "id": "t1",
            "timestamp": iso(T0),
            "name": "chat",
            "userId": "u1",
            "input": {"q": "hi"},
            "output": "plain answer",
            "latency": 2.0,
            "totalCost": pytest.approx(0.03),
            "scores": [SC1, SC2],
        }
    ]
    rest = await get(world, "/sessions/s1", limit=1, cursor=first["nextCursor"])
    assert rest["nextCursor"] is None
    (turn,) = rest["traces"]
    assert (turn["id"], turn["input"], turn["latency"], turn["totalCost"]) == (
        "t2",
        "raw",
        3.0,
        0.5,
    )
    assert [(s["id"], s["value"], s["stringValue"]) for s in turn["scores"]] == [
        ("sc3", None, "polite")
    ]
    whole = await get(world, "/sessions/s1")
    assert [t["id"] for t in whole["traces"]] == ["t1", "t2"] and whole["nextCursor"] is None


async def test_unknown_sessions_are_404(world: UiWorld) -> None:
    await get(world, "/sessions/nope", 404)
    await get(world, "/sessions/s1", 400, limit=201)
