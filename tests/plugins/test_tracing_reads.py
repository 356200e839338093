"""The tracing read API over HTTP on a real embedded app (SQLite + chDB).

One app per module: rows are written straight into the analytics store once, so these
tests depend on the read path only. Tests that delete work in a project of their own.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import spyglass_tracing
from spyglass_core.domain.api_keys import KeyPair
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
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

API = "/api/public"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ISO_T0 = "2026-11-01T12:00:00Z"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def traces(project: str) -> list[Trace]:
    return [
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
            name="chat",
            user_id="u2",
            session_id="s1",
            tags=["a"],
            input="raw",
        ),
        Trace(
            id="t3",
            project_id=project,
            timestamp=at(7200),
            name="other",
            user_id="u1",
            session_id="s2",
            environment="staging",
            bookmarked=True,
            version="v2",
            release="r2",
        ),
    ]


def observations(project: str) -> list[Observation]:
    return [
        Observation(
            id="o1",
            trace_id="t1",
            project_id=project,
            type=ObservationType.SPAN,
            name="root",
            start_time=T0,
            end_time=at(2),
            environment="production",
            metadata={"long": "x" * 300, "short": "s", "json": '{"n": 1}'},
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
            environment="production",
            level=ObservationLevel.WARNING,
            status_message="slow",
            version="gen-1",
            provided_model_name="gpt-4o",
            internal_model_id="m1",
            model_parameters='{"temperature": 0.1}',
            usage_details={"input": 10, "output": 20, "total": 30},
            provided_usage_details={"input": 10, "output": 20},
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
            name="evt",
            parent_observation_id="o1",
            start_time=at(1),
            environment="production",
        ),
        Observation(
            id="o4",
            trace_id="t2",
            project_id=project,
            type=ObservationType.SPAN,
            name="root",
            start_time=at(3600),
            end_time=at(3603),
            total_cost=0.5,
        ),
        Observation(
            id="o5",
            trace_id="t3",
            project_id=project,
            type=ObservationType.TOOL,
            name="tool",
            start_time=at(3600),
            environment="staging",
        ),
    ]


def scores(project: str) -> list[Score]:
    return [
        Score(
            id="sc1",
            project_id=project,
            timestamp=at(10),
            name="quality",
            value=0.9,
            trace_id="t1",
            comment="good",
            metadata={"m": "v", "obj": '{"deep": true}'},
            config_id="cfg1",
            environment="production",
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
        ),
        Score(
            id="sc3",
            project_id=project,
            timestamp=at(30),
            name="sess",
            value=0,
            string_value="yes",
            data_type=ScoreDataType.CATEGORICAL,
            source=ScoreSource.ANNOTATION,
            session_id="s1",
            author_user_id="user-1",
            queue_id="q1",
        ),
        Score(
            id="sc4",
            project_id=project,
            timestamp=at(40),
            name="exp",
            value=0.5,
            dataset_run_id="run1",
        ),
        Score(
            id="sc5",
            project_id=project,
            timestamp=at(50),
            name="fix",
            value=0,
            string_value="fixed",
            data_type=ScoreDataType.CORRECTION,
            trace_id="t2",
        ),
        Score(
            id="sc6",
            project_id=project,
            timestamp=at(60),
            name="quality",
            value=0.2,
            trace_id="t3",
            environment="staging",
        ),
        Score(
            id="sc7",
            project_id=project,
            timestamp=at(70),
            name="note",
            value=0,
            string_value="some text",
            data_type=ScoreDataType.TEXT,
            trace_id="t2",
        ),
    ]


class Reads:
    """The seeded app, a second project's keys and a bound GET helper."""

    def __init__(self, app: EmbeddedApp, other: KeyPair, other_project: str) -> None:
        self.app = app
        self.other = other
        self.other_project = other_project

    @property
    def project(self) -> str:
        return self.app.project.id

    async def call(
        self,
        method: str,
        path: str,
        expected: int = 200,
        keys: KeyPair | None = None,
        **kwargs: Any,
    ) -> Any:
        response = await self.app.client.request(
            method, API + path, auth=self.app.auth(keys), **kwargs
        )
        assert response.status_code == expected, response.text
        return response.json() if response.content else None

    async def get(self, path: str, expected: int = 200, **params: Any) -> Any:
        return await self.call("GET", path, expected, params=params)


@pytest.fixture(scope="module")
async def reads(tmp_path_factory: pytest.TempPathFactory, chdb_dsn: str) -> AsyncIterator[Reads]:
    settings = embedded_settings(tmp_path_factory.mktemp("reads"), chdb_dsn)
    async with embedded_app(settings, plugins=[spyglass_tracing]) as app:
        admin = await app.admin()
        other_project = await admin.create_project("Other")
        _, other_keys = await admin.create_api_key(other_project.id)
        store = await app.container.get(AnalyticsStore)
        await store.upsert_traces([*traces(app.project.id), *traces(other_project.id)[:1]])
        await store.upsert_observations(observations(app.project.id))
        await store.upsert_scores(scores(app.project.id))
        await store.upsert_observations(observations(other_project.id)[:1])
        await store.upsert_scores(scores(other_project.id)[:1])
        yield Reads(app, other_keys, other_project.id)


def flt(column: str, type_: str, operator: str, value: Any, key: str | None = None) -> str:
    """A one-condition ``filter`` parameter."""
    condition = {"column": column, "type": type_, "operator": operator, "value": value}
    if key is not None:
        condition["key"] = key
    return json.dumps([condition])


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["data"]]


# --- traces -------------------------------------------------------------------------------


async def test_trace_list_item_has_every_field(reads: Reads) -> None:
    body = await reads.get("/traces")
    assert ids(body) == ["t3", "t2", "t1"]
    assert body["meta"] == {"page": 1, "limit": 50, "totalItems": 3, "totalPages": 1}
    t1 = body["data"][2]
    assert {k: v for k, v in t1.items() if k not in ("createdAt", "updatedAt")} == {
        "id": "t1",
        "projectId": reads.project,
        "timestamp": ISO_T0,
        "name": "chat",
        "input": {"q": "hi"},
        "output": "plain answer",
        "sessionId": "s1",
        "release": "r1",
        "version": "v1",
        "userId": "u1",
        "metadata": {"k": {"x": 1}, "plain": "hello"},
        "tags": ["a", "b"],
        "public": True,
        "bookmarked": False,
        "environment": "production",
        "externalId": None,
        "htmlPath": f"/project/{reads.project}/traces/t1",
        "latency": 2.0,
        "totalCost": pytest.approx(0.03),
        "observations": ["o1", "o2", "o3"],
        "scores": ["sc1", "sc2"],
    }
    assert t1["createdAt"].endswith("Z") and t1["updatedAt"].endswith("Z")
    t2 = body["data"][1]
    assert (t2["latency"], t2["totalCost"], t2["input"], t2["metadata"]) == (3.0, 0.5, "raw", {})
    assert sorted(t2["scores"]) == ["sc5", "sc7"]
    assert body["data"][0]["bookmarked"] is True


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"userId": "u1"}, ["t3", "t1"]),
        ({"name": "chat"}, ["t2", "t1"]),
        ({"sessionId": "s1"}, ["t2", "t1"]),
        ({"tags": ["a", "b"]}, ["t1"]),
        ({"tags": "a"}, ["t2", "t1"]),
        ({"environment": ["production", "staging"]}, ["t3", "t1"]),
        ({"version": "v2"}, ["t3"]),
        ({"release": "r1"}, ["t1"]),
        ({"fromTimestamp": iso(at(3600)), "toTimestamp": iso(at(7200))}, ["t2"]),
        ({"fromTimestamp": "2026-11-01T13:00:00+01:00"}, ["t3", "t2", "t1"]),
        ({"orderBy": "timestamp.asc"}, ["t1", "t2", "t3"]),
        ({"orderBy": "name.desc"}, ["t3", "t2", "t1"]),
        ({"filter": flt("userId", "string", "=", "u2")}, ["t2"]),
        ({"filter": flt("metadata", "stringObject", "=", "hello", key="plain")}, ["t1"]),
        # The filter takes precedence over the simple parameter on the same column.
        ({"userId": "u1", "filter": flt("userId", "string", "=", "u2")}, ["t2"]),
    ],
)
async def test_trace_list_filters(
    reads: Reads, params: dict[str, Any], expected: list[str]
) -> None:
    body = await reads.get("/traces", **params)
    assert ids(body) == expected
    assert body["meta"]["totalItems"] == len(expected)


async def test_trace_pages(reads: Reads) -> None:
    second = await reads.get("/traces", page=2, limit=2)
    assert ids(second) == ["t1"]
    assert second["meta"] == {"page": 2, "limit": 2, "totalItems": 3, "totalPages": 2}
    assert (await reads.get("/traces", page=3, limit=2))["data"] == []


async def test_trace_field_groups(reads: Reads) -> None:
    core = (await reads.get("/traces", fields="core", userId="u1", orderBy="id.asc"))["data"][0]
    assert core["id"] == "t1"
    assert (core["latency"], core["totalCost"], core["observations"], core["scores"]) == (
        -1,
        -1,
        [],
        [],
    )
    assert (core["input"], core["output"], core["metadata"]) == (None, None, None)
    assert core["name"] == "chat" and core["tags"] == ["a", "b"]
    some = (await reads.get("/traces", fields="core,scores,bogus", userId="u1"))["data"][1]
    assert some["scores"] == ["sc1", "sc2"] and some["observations"] == []
    assert some["latency"] == -1
    metrics = (await reads.get("/traces", fields="metrics", userId="u1"))["data"][1]
    assert (metrics["latency"], metrics["observations"]) == (2.0, [])


@pytest.mark.parametrize(
    "params",
    [
        {"page": 0},
        {"limit": 0},
        {"limit": 101},
        {"orderBy": "bogus.asc"},
        {"orderBy": "timestamp.sideways"},
        {"fromTimestamp": "yesterday"},
        {"filter": "not json"},
        {"filter": flt("nope", "string", "=", "x")},
        {"filter": flt("userId", "number", "=", 1)},
    ],
)
async def test_trace_list_rejects_bad_parameters(reads: Reads, params: dict[str, Any]) -> None:
    body = await reads.get("/traces", 400, **params)
    assert body["message"]


async def test_trace_with_full_details(reads: Reads) -> None:
    body = await reads.get("/traces/t1")
    assert body["id"] == "t1" and body["htmlPath"] == f"/project/{reads.project}/traces/t1"
    assert (body["latency"], body["totalCost"]) == (2.0, pytest.approx(0.03))
    assert body["input"] == {"q": "hi"} and body["metadata"] == {"k": {"x": 1}, "plain": "hello"}
    assert [o["id"] for o in body["observations"]] == ["o1", "o2", "o3"]
    assert body["observations"][1]["model"] == "gpt-4o"
    assert body["observations"][0]["input"] == {"a": 1}
    assert [s["id"] for s in body["scores"]] == ["sc1", "sc2"]
    assert body["scores"][0]["value"] == 0.9 and body["scores"][0]["dataType"] == "NUMERIC"
    core = await reads.get("/traces/t1", fields="core")
    assert (core["observations"], core["scores"], core["latency"]) == ([], [], -1)


async def test_missing_trace_is_404(reads: Reads) -> None:
    body = await reads.get("/traces/nope", 404)
    assert body["error"] == "LangfuseNotFoundError"


# --- observations -------------------------------------------------------------------------


async def test_observation_view_has_every_field(reads: Reads) -> None:
    body = await reads.get("/observations/o2")
    assert {k: v for k, v in body.items() if k not in ("createdAt", "updatedAt")} == {
        "id": "o2",
        "traceId": "t1",
        "projectId": reads.project,
        "type": "GENERATION",
        "name": "llm",
        "startTime": "2026-11-01T12:00:00.500000Z",
        "endTime": "2026-11-01T12:00:01.500000Z",
        "completionStartTime": "2026-11-01T12:00:00.750000Z",
        "model": "gpt-4o",
        "modelParameters": {"temperature": 0.1},
        "input": None,
        "output": None,
        "metadata": {},
        "level": "WARNING",
        "statusMessage": "slow",
        "parentObservationId": "o1",
        "version": "gen-1",
        "environment": "production",
        "promptId": "prompt-1",
        "promptName": "p",
        "promptVersion": 2,
        "usageDetails": {"input": 10, "output": 20, "total": 30},
        "costDetails": {"input": 0.01, "output": 0.02, "total": 0.03},
        "providedUsageDetails": {"input": 10, "output": 20},
        "providedCostDetails": {},
        "totalCost": 0.03,
        "calculatedInputCost": 0.01,
        "calculatedOutputCost": 0.02,
        "calculatedTotalCost": 0.03,
        "usage": {"input": 10, "output": 20, "total": 30, "unit": "TOKENS"},
        "inputUsage": 10,
        "outputUsage": 20,
        "totalUsage": 30,
        "promptTokens": 10,
        "completionTokens": 20,
        "totalTokens": 30,
        "unit": "TOKENS",
        "latency": 1.0,
        "timeToFirstToken": 0.25,
        "modelId": "m1",
        "inputPrice": None,
        "outputPrice": None,
        "totalPrice": None,
    }
    root = await reads.get("/observations/o1")
    assert root["input"] == {"a": 1} and root["output"] == "text"
    assert root["metadata"] == {"long": "x" * 300, "short": "s", "json": {"n": 1}}
    assert root["parentObservationId"] is None and root["level"] == "DEFAULT"
    event = await reads.get("/observations/o3")
    assert (event["endTime"], event["latency"], event["timeToFirstToken"]) == (None, None, None)
    assert (await reads.get("/observations/nope", 404))["error"] == "LangfuseNotFoundError"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["o5", "o4", "o3", "o2", "o1"]),
        ({"type": "GENERATION"}, ["o2"]),
        ({"type": "span"}, ["o4", "o1"]),
        ({"traceId": "t1"}, ["o3", "o2", "o1"]),
        ({"name": "root"}, ["o4", "o1"]),
        ({"userId": "u1"}, ["o5", "o3", "o2", "o1"]),
        ({"level": "WARNING"}, ["o2"]),
        ({"parentObservationId": "o1"}, ["o3", "o2"]),
        ({"environment": ["staging", "default"]}, ["o5", "o4"]),
        ({"version": "gen-1"}, ["o2"]),
        ({"fromStartTime": iso(at(1)), "toStartTime": iso(at(3600))}, ["o3"]),
        ({"filter": flt("model", "string", "=", "gpt-4o")}, ["o2"]),
    ],
)
async def test_observation_list_filters(
    reads: Reads, params: dict[str, Any], expected: list[str]
) -> None:
    body = await reads.get("/observations", **params)
    assert ids(body) == expected
    assert body["meta"]["totalItems"] == len(expected)


async def test_observation_list_pages_and_errors(reads: Reads) -> None:
    body = await reads.get("/observations", page=2, limit=2)
    assert ids(body) == ["o3", "o2"]
    assert body["meta"] == {"page": 2, "limit": 2, "totalItems": 5, "totalPages": 3}
    for params in (
        {"type": "bogus"},
        {"level": "LOUD"},
        {"page": 0},
        {"limit": 101},
        {"filter": "[{"},
        {"fromStartTime": "soon"},
    ):
        await reads.get("/observations", 400, **params)


async def test_v2_observations_default_groups(reads: Reads) -> None:
    body = await reads.get("/v2/observations", traceId="t1")
    assert body["meta"] == {}
    o2 = next(item for item in body["data"] if item["id"] == "o2")
    assert o2 == {
        "id": "o2",
        "traceId": "t1",
        "startTime": "2026-11-01T12:00:00.500000Z",
        "endTime": "2026-11-01T12:00:01.500000Z",
        "projectId": reads.project,
        "parentObservationId": "o1",
        "type": "GENERATION",
        "name": "llm",
        "level": "WARNING",
        "statusMessage": "slow",
        "version": "gen-1",
        "environment": "production",
        "bookmarked": False,
        "public": True,
        "userId": "u1",
        "sessionId": "s1",
        "isRootObservation": False,
    }
    core = await reads.get("/v2/observations", traceId="t1", fields="core")
    assert set(core["data"][0]) == {
        "id",
        "traceId",
        "startTime",
        "endTime",
        "projectId",
        "parentObservationId",
        "type",
    }


async def test_v2_observations_field_groups(reads: Reads) -> None:
    fields = "io,metadata,model,usage,prompt,metrics,time,trace_context"
    body = await reads.get("/v2/observations", traceId="t1", fields=fields)
    by_id = {item["id"]: item for item in body["data"]}
    root, gen = by_id["o1"], by_id["o2"]
    assert "name" not in root  # basic was not asked for
    assert (root["input"], root["output"]) == ('{"a": 1}', "text")  # raw strings
    assert root["metadata"] == {"long": "x" * 200, "short": "s", "json": '{"n": 1}'}
    assert gen["model"] == "gpt-4o" and gen["internalModelId"] == "m1"
    assert gen["modelParameters"] == {"temperature": 0.1}
    assert gen["usageDetails"] == {"input": 10, "output": 20, "total": 30}
    assert gen["costDetails"] == {"input": 0.01, "output": 0.02, "total": 0.03}
    assert gen["totalCost"] == 0.03
    assert (gen["promptId"], gen["promptName"], gen["promptVersion"]) == ("prompt-1", "p", 2)
    assert (gen["latency"], gen["timeToFirstToken"]) == (1.0, 0.25)
    assert gen["completionStartTime"] == "2026-11-01T12:00:00.750000Z"
    assert gen["createdAt"].endswith("Z") and gen["updatedAt"].endswith("Z")
    assert (gen["traceName"], gen["tags"], gen["release"]) == ("chat", ["a", "b"], "r1")
    expanded = await reads.get(
        "/v2/observations", traceId="t1", fields="metadata", expandMetadata="long"
    )
    root = next(item for item in expanded["data"] if item["id"] == "o1")
    assert root["metadata"]["long"] == "x" * 300


async def test_v2_observations_cursor_walk(reads: Reads) -> None:
    seen: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = await reads.get("/v2/observations", **params)
        seen.append(ids(body))
        cursor = body["meta"].get("cursor")
        if cursor is None:
            assert body["meta"] == {}
            break
    assert seen == [["o5", "o4"], ["o3", "o2"], ["o1"]]
    # Equal start times (o5, o4) continue strictly after the cursor's id.
    first = await reads.get("/v2/observations", limit=1)
    second = await reads.get("/v2/observations", limit=1, cursor=first["meta"]["cursor"])
    assert (ids(first), ids(second)) == (["o5"], ["o4"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"isRootObservation": "true"}, ["o5", "o4", "o1"]),
        ({"isRootObservation": "false"}, ["o3", "o2"]),
        ({"sessionId": "s1"}, ["o4", "o3", "o2", "o1"]),
        ({"userId": "u2"}, ["o4"]),
        ({"type": "TOOL"}, ["o5"]),
        ({"level": "WARNING", "traceId": "t1"}, ["o2"]),
        ({"parentObservationId": "o1", "name": "evt"}, ["o3"]),
        ({"environment": "staging"}, ["o5"]),
        ({"fromStartTime": iso(at(3600))}, ["o5", "o4"]),
        ({"toStartTime": iso(at(1))}, ["o2", "o1"]),
        ({"version": "gen-1"}, ["o2"]),
        ({"filter": flt("totalCost", "number", ">", 0.1)}, ["o4"]),
    ],
)
async def test_v2_observation_filters(
    reads: Reads, params: dict[str, Any], expected: list[str]
) -> None:
    assert ids(await reads.get("/v2/observations", **params)) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"fields": "core,bogus"},
        {"parseIoAsJson": "true"},
        {"cursor": "not-a-cursor"},
        {"cursor": base64.urlsafe_b64encode(b'["x"]').decode()},
        {"limit": 1001},
        {"limit": 0},
        {"filter": "{"},
        {"type": "NOPE"},
    ],
)
async def test_v2_observations_rejects_bad_parameters(reads: Reads, params: dict[str, Any]) -> None:
    await reads.get("/v2/observations", 400, **params)


# --- sessions -----------------------------------------------------------------------------


async def test_sessions(reads: Reads) -> None:
    body = await reads.get("/sessions")
    assert body["data"] == [
        {
            "id": "s2",
            "createdAt": iso(at(7200)),
            "projectId": reads.project,
            "environment": "staging",
        },
        {"id": "s1", "createdAt": ISO_T0, "projectId": reads.project, "environment": "production"},
    ]
    assert body["meta"] == {"page": 1, "limit": 50, "totalItems": 2, "totalPages": 1}
    assert ids(await reads.get("/sessions", fromTimestamp=iso(at(1)))) == ["s2"]
    assert ids(await reads.get("/sessions", toTimestamp=iso(at(1)))) == ["s1"]
    assert ids(await reads.get("/sessions", environment="staging")) == ["s2"]
    assert ids(await reads.get("/sessions", page=2, limit=1)) == ["s1"]
    await reads.get("/sessions", 400, limit=101)


async def test_session_with_traces(reads: Reads) -> None:
    body = await reads.get("/sessions/s1")
    assert (body["id"], body["createdAt"], body["projectId"]) == ("s1", ISO_T0, reads.project)
    assert [t["id"] for t in body["traces"]] == ["t1", "t2"]
    assert body["traces"][0]["input"] == {"q": "hi"}
    assert body["traces"][0]["tags"] == ["a", "b"]
    assert (await reads.get("/sessions/nope", 404))["error"] == "LangfuseNotFoundError"


# --- scores -------------------------------------------------------------------------------


async def test_score_v1_list_and_item_shape(reads: Reads) -> None:
    body = await reads.get("/scores")
    # Trace scores only, no CORRECTION: no session (sc3), run (sc4) or correction (sc5).
    assert ids(body) == ["sc7", "sc6", "sc2", "sc1"]
    assert body["meta"] == {"page": 1, "limit": 50, "totalItems": 4, "totalPages": 1}
    sc1 = body["data"][3]
    assert {k: v for k, v in sc1.items() if k not in ("createdAt", "updatedAt")} == {
        "id": "sc1",
        "projectId": reads.project,
        "traceId": "t1",
        "sessionId": None,
        "observationId": None,
        "datasetRunId": None,
        "name": "quality",
        "value": 0.9,
        "stringValue": None,
        "dataType": "NUMERIC",
        "source": "API",
        "comment": "good",
        "metadata": {"m": "v", "obj": {"deep": True}},
        "configId": "cfg1",
        "queueId": None,
        "authorUserId": None,
        "environment": "production",
        "timestamp": iso(at(10)),
        "trace": {
            "userId": "u1",
            "tags": ["a", "b"],
            "environment": "production",
            "sessionId": "s1",
        },
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"userId": "u1"}, ["sc6", "sc2", "sc1"]),
        ({"name": "quality"}, ["sc6", "sc1"]),
        ({"source": "EVAL"}, ["sc2"]),
        ({"dataType": "BOOLEAN"}, ["sc2"]),
        ({"scoreIds": "sc1, sc6,sc3"}, ["sc6", "sc1"]),
        ({"configId": "cfg1"}, ["sc1"]),
        ({"traceTags": ["a", "b"]}, ["sc2", "sc1"]),
        ({"environment": "staging"}, ["sc6"]),
        ({"operator": ">", "value": 0.5, "dataType": "NUMERIC"}, ["sc1"]),
        ({"operator": "<=", "value": 0.2}, ["sc7", "sc6"]),
        ({"fromTimestamp": iso(at(20)), "toTimestamp": iso(at(70))}, ["sc6", "sc2"]),
    ],
)
async def test_score_v1_filters(reads: Reads, params: dict[str, Any], expected: list[str]) -> None:
    assert ids(await reads.get("/scores", **params)) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"sessionId": "s1"},
        {"datasetRunId": "run1"},
        {"traceId": "t1"},
        {"dataType": "CORRECTION"},
        {"dataType": "NOPE"},
        {"source": "HUMAN"},
        {"operator": "~", "value": 1},
        {"value": "high", "operator": "="},
        {"limit": 101},
    ],
)
async def test_score_v1_rejects(reads: Reads, params: dict[str, Any]) -> None:
    await reads.get("/scores", 400, **params)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["sc7", "sc6", "sc5", "sc4", "sc3", "sc2", "sc1"]),
        ({"sessionId": "s1"}, ["sc3"]),
        ({"datasetRunId": "run1"}, ["sc4"]),
        ({"traceId": "t1"}, ["sc2", "sc1"]),
        ({"observationId": "o2,o9"}, ["sc2"]),
        ({"dataType": "CORRECTION"}, ["sc5"]),
        ({"queueId": "q1"}, ["sc3"]),
        ({"userId": "u2"}, ["sc7", "sc5"]),
        ({"filter": flt("metadata", "stringObject", "=", "v", key="m")}, ["sc1"]),
        ({"name": "quality", "filter": flt("value", "number", "<", 0.5)}, ["sc6"]),
    ],
)
async def test_score_v2_filters(reads: Reads, params: dict[str, Any], expected: list[str]) -> None:
    body = await reads.get("/v2/scores", **params)
    assert ids(body) == expected
    assert body["meta"]["totalItems"] == len(expected)


async def test_score_v2_trace_group(reads: Reads) -> None:
    body = await reads.get("/v2/scores", scoreIds="sc1,sc3")
    by_id = {item["id"]: item for item in body["data"]}
    assert by_id["sc1"]["trace"]["userId"] == "u1"
    assert by_id["sc3"]["trace"] is None  # a session score has no trace
    assert by_id["sc3"]["sessionId"] == "s1" and by_id["sc3"]["stringValue"] == "yes"
    assert by_id["sc3"]["authorUserId"] == "user-1" and by_id["sc3"]["queueId"] == "q1"
    only_score = await reads.get("/v2/scores", fields="score", scoreIds="sc1")
    assert "trace" not in only_score["data"][0]


@pytest.mark.parametrize(
    "params",
    [
        {"fields": "trace"},
        {"fields": "score", "userId": "u1"},
        {"fields": "score", "traceTags": "a"},
        {"fields": "score,nope"},
        {"limit": 101},
        {"page": 0},
        {"filter": "[1]"},
        {"filter": flt("bogus", "string", "=", "x")},
    ],
)
async def test_score_v2_rejects(reads: Reads, params: dict[str, Any]) -> None:
    await reads.get("/v2/scores", 400, **params)


async def test_score_v3_core_fields_and_typed_values(reads: Reads) -> None:
    body = await reads.get("/v3/scores")
    assert body["meta"] == {"limit": 50}
    by_id = {item["id"]: item for item in body["data"]}
    assert ids(body) == ["sc7", "sc6", "sc5", "sc4", "sc3", "sc2", "sc1"]
    assert {k: v for k, v in by_id["sc1"].items() if k not in ("createdAt", "updatedAt")} == {
        "dataType": "NUMERIC",
        "value": 0.9,
        "id": "sc1",
        "projectId": reads.project,
        "name": "quality",
        "source": "API",
        "timestamp": iso(at(10)),
        "environment": "production",
    }
    assert by_id["sc2"]["value"] is True
    assert (by_id["sc3"]["value"], by_id["sc5"]["value"], by_id["sc7"]["value"]) == (
        "yes",
        "fixed",
        "some text",
    )


async def test_score_v3_field_groups(reads: Reads) -> None:
    body = await reads.get("/v3/scores", fields="details,subject,annotation")
    by_id = {item["id"]: item for item in body["data"]}
    assert by_id["sc1"]["subject"] == {"kind": "trace", "id": "t1"}
    assert by_id["sc2"]["subject"] == {"kind": "observation", "id": "o2", "traceId": "t1"}
    assert by_id["sc3"]["subject"] == {"kind": "session", "id": "s1"}
    assert by_id["sc4"]["subject"] == {"kind": "experiment", "id": "run1"}
    assert (by_id["sc1"]["comment"], by_id["sc1"]["configId"]) == ("good", "cfg1")
    assert by_id["sc1"]["metadata"] == {"m": "v", "obj": {"deep": True}}
    assert (by_id["sc3"]["authorUserId"], by_id["sc3"]["queueId"]) == ("user-1", "q1")
    subject_only = (await reads.get("/v3/scores", fields="subject", id="sc1"))["data"][0]
    assert "comment" not in subject_only and "authorUserId" not in subject_only


async def test_score_v3_cursor_walk(reads: Reads) -> None:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = await reads.get("/v3/scores", **params)
        pages.append(ids(body))
        assert body["meta"]["limit"] == 3
        cursor = body["meta"].get("cursor")
        if cursor is None:
            break
    assert pages == [["sc7", "sc6", "sc5"], ["sc4", "sc3", "sc2"], ["sc1"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"name": "quality,exp"}, ["sc6", "sc4", "sc1"]),
        ({"id": "sc1,sc2"}, ["sc2", "sc1"]),
        ({"source": "eval,annotation"}, ["sc3", "sc2"]),
        ({"dataType": "numeric"}, ["sc6", "sc4", "sc1"]),
        ({"environment": "staging,production"}, ["sc6", "sc1"]),
        ({"configId": "cfg1"}, ["sc1"]),
        ({"queueId": "q1"}, ["sc3"]),
        ({"authorUserId": "user-1"}, ["sc3"]),
        ({"dataType": "NUMERIC", "value": "0.9"}, ["sc1"]),
        ({"dataType": "NUMERIC", "value": "0.9,0.2"}, ["sc6", "sc1"]),
        ({"dataType": "BOOLEAN", "value": "true"}, ["sc2"]),
        ({"dataType": "BOOLEAN", "value": "false"}, []),
        ({"dataType": "CATEGORICAL", "value": "yes,no"}, ["sc3"]),
        ({"dataType": "NUMERIC", "valueMin": 0.3}, ["sc4", "sc1"]),
        ({"dataType": "NUMERIC", "valueMax": 0.5}, ["sc6", "sc4"]),
        ({"traceId": "t1"}, ["sc2", "sc1"]),
        ({"traceId": "t1,t3"}, ["sc6", "sc2", "sc1"]),
        ({"traceId": "t1", "observationId": "o2"}, ["sc2"]),
        ({"sessionId": "s1"}, ["sc3"]),
        ({"sessionId": "s1,s2"}, ["sc3"]),
        ({"experimentId": "run1"}, ["sc4"]),
        ({"experimentId": "run1,run2"}, ["sc4"]),
        ({"fromTimestamp": iso(at(30)), "toTimestamp": iso(at(60))}, ["sc5", "sc4", "sc3"]),
    ],
)
async def test_score_v3_filters(reads: Reads, params: dict[str, Any], expected: list[str]) -> None:
    assert ids(await reads.get("/v3/scores", **params)) == expected


async def test_score_v3_merged_branches_page_with_cursor(reads: Reads) -> None:
    first = await reads.get("/v3/scores", dataType="NUMERIC", value="0.9,0.2,0.5", limit=2)
    assert ids(first) == ["sc6", "sc4"]
    rest = await reads.get(
        "/v3/scores",
        dataType="NUMERIC",
        value="0.9,0.2,0.5",
        limit=2,
        cursor=first["meta"]["cursor"],
    )
    assert ids(rest) == ["sc1"] and "cursor" not in rest["meta"]


@pytest.mark.parametrize(
    "params",
    [
        {"userId": "u1"},
        {"traceTags": "a"},
        {"fields": "details,bogus"},
        {"limit": 101},
        {"cursor": "%%%"},
        {"value": "1"},
        {"dataType": "NUMERIC,BOOLEAN", "value": "1"},
        {"dataType": "TEXT", "value": "x"},
        {"dataType": "BOOLEAN", "value": "yes"},
        {"dataType": "NUMERIC", "value": "abc"},
        {"dataType": "NUMERIC", "value": "inf"},
        {"dataType": "BOOLEAN", "valueMin": 0},
        {"valueMax": 1},
        {"traceId": "t1", "sessionId": "s1"},
        {"sessionId": "s1", "experimentId": "run1"},
        {"observationId": "o2"},
        {"sessionId": "s1", "observationId": "o2"},
        {"dataType": "NOPE"},
        {"source": "HUMAN"},
        {"fromTimestamp": "not a time"},
    ],
)
async def test_score_v3_rejects(reads: Reads, params: dict[str, Any]) -> None:
    body = await reads.get("/v3/scores", 400, **params)
    assert body["message"]


async def test_one_score(reads: Reads) -> None:
    v1 = await reads.get("/scores/sc2")
    assert (v1["id"], v1["dataType"], v1["value"], v1["stringValue"]) == (
        "sc2",
        "BOOLEAN",
        1.0,
        "True",
    )
    assert "trace" not in v1
    v2 = await reads.get("/v2/scores/sc3")
    assert (v2["sessionId"], v2["traceId"], v2["dataType"]) == ("s1", None, "CATEGORICAL")
    await reads.get("/scores/nope", 404)
    await reads.get("/v2/scores/nope", 404)


# --- metrics ------------------------------------------------------------------------------


async def test_daily_metrics(reads: Reads) -> None:
    body = await reads.get("/metrics/daily")
    assert body["meta"] == {"page": 1, "limit": 50, "totalItems": 1, "totalPages": 1}
    (day,) = body["data"]
    assert (day["date"], day["countTraces"], day["countObservations"]) == ("2026-11-01", 3, 5)
    assert day["totalCost"] == pytest.approx(0.53)
    gpt = next(usage for usage in day["usage"] if usage["model"] == "gpt-4o")
    assert gpt == {
        "model": "gpt-4o",
        "inputUsage": 10,
        "outputUsage": 20,
        "totalUsage": 30,
        "countObservations": 1,
        "countTraces": 1,
        "totalCost": pytest.approx(0.03),
    }
    assert (await reads.get("/metrics/daily", traceName="other"))["data"][0]["countTraces"] == 1
    assert (await reads.get("/metrics/daily", userId="u2"))["data"][0]["countObservations"] == 1
    assert (await reads.get("/metrics/daily", tags="b"))["data"][0]["countTraces"] == 1
    assert (await reads.get("/metrics/daily", environment="staging"))["data"][0]["countTraces"] == 1
    assert (await reads.get("/metrics/daily", fromTimestamp="2026-11-02T00:00:00Z"))["data"] == []
    await reads.get("/metrics/daily", 400, page=0)


# --- isolation and access -----------------------------------------------------------------


async def test_other_project_sees_only_its_own(reads: Reads) -> None:
    other = reads.other
    traces_body = await reads.call("GET", "/traces", keys=other)
    assert ids(traces_body) == ["t1"]
    assert traces_body["data"][0]["projectId"] == reads.other_project
    assert traces_body["data"][0]["observations"] == ["o1"]
    assert traces_body["data"][0]["scores"] == ["sc1"]
    for path in ("/observations", "/v2/observations", "/v2/scores", "/v3/scores"):
        body = await reads.call("GET", path, keys=other)
        assert {item["projectId"] for item in body["data"]} == {reads.other_project}, path
    assert ids(await reads.call("GET", "/sessions", keys=other)) == ["s1"]
    session = await reads.call("GET", "/sessions/s1", keys=other)
    assert [t["id"] for t in session["traces"]] == ["t1"]
    for path in ("/traces/t2", "/observations/o2", "/scores/sc2", "/sessions/s2"):
        await reads.call("GET", path, 404, keys=other)


async def test_scores_only_key_cannot_read(reads: Reads) -> None:
    bearer = {"Authorization": f"Bearer {reads.app.keys.public_key}"}
    for path in ("/traces", "/scores", "/scores/sc1", "/v3/scores", "/observations"):
        response = await reads.app.client.get(API + path, headers=bearer)
        assert response.status_code == 403, path
    response = await reads.app.client.delete(API + "/scores/sc1", headers=bearer)
    assert response.status_code == 403


async def test_no_credentials_is_401(reads: Reads) -> None:
    response = await reads.app.client.get(API + "/traces")
    assert response.status_code == 401


# --- deletes (a project of their own) -----------------------------------------------------


@pytest.fixture
async def scratch(reads: Reads) -> AsyncIterator[KeyPair]:
    admin = await reads.app.admin()
    project = await admin.create_project(f"Scratch {datetime.now(UTC).timestamp()}")
    _, keys = await admin.create_api_key(project.id)
    store = await reads.app.container.get(AnalyticsStore)
    await store.upsert_traces(traces(project.id))
    await store.upsert_observations(observations(project.id))
    await store.upsert_scores(scores(project.id))
    yield keys


async def test_delete_one_trace(reads: Reads, scratch: KeyPair) -> None:
    answer = await reads.call("DELETE", "/traces/t1", keys=scratch)
    assert answer == {"message": "Trace deleted successfully"}
    await reads.call("GET", "/traces/t1", 404, keys=scratch)
    assert ids(await reads.call("GET", "/traces", keys=scratch)) == ["t3", "t2"]
    await reads.call("GET", "/observations/o2", 404, keys=scratch)
    # Its scores go with it, as in Langfuse's trace deletion.
    await reads.call("GET", "/scores/sc1", 404, keys=scratch)
    unknown = await reads.call("DELETE", "/traces/never-existed", keys=scratch)
    assert unknown == {"message": "Trace deleted successfully"}
    # The main project is untouched.
    assert (await reads.get("/traces/t1"))["id"] == "t1"


async def test_delete_many_traces(reads: Reads, scratch: KeyPair) -> None:
    answer = await reads.call("DELETE", "/traces", json={"traceIds": ["t2", "t3"]}, keys=scratch)
    assert answer == {"message": "Traces deleted successfully"}
    assert ids(await reads.call("GET", "/traces", keys=scratch)) == ["t1"]
    for body in ({"traceIds": []}, {}, {"traceIds": "t1"}):
        await reads.call("DELETE", "/traces", 400, json=body, keys=scratch)
    await reads.call("DELETE", "/traces", 400, content=b"{", keys=scratch)


async def test_delete_score(reads: Reads, scratch: KeyPair) -> None:
    response = await reads.app.client.delete(
        API + "/scores/sc1", auth=(scratch.public_key, scratch.secret_key)
    )
    assert response.status_code == 202
    await reads.call("GET", "/scores/sc1", 404, keys=scratch)
    response = await reads.app.client.delete(
        API + "/scores/unknown", auth=(scratch.public_key, scratch.secret_key)
    )
    assert response.status_code == 202
    assert (await reads.get("/scores/sc1"))["id"] == "sc1"


async def test_read_routes_are_in_the_openapi_document(reads: Reads) -> None:
    response = await reads.app.client.get("/api/openapi/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/public/traces",
        "/api/public/traces/{trace_id}",
        "/api/public/observations",
        "/api/public/v2/observations",
        "/api/public/sessions/{session_id}",
        "/api/public/v3/scores",
        "/api/public/v2/scores/{score_id}",
        "/api/public/metrics/daily",
    ):
        assert path in paths, path
    parameters = {p["name"] for p in paths["/api/public/traces"]["get"]["parameters"]}
    assert {"userId", "fromTimestamp", "orderBy", "tags", "filter"} <= parameters
