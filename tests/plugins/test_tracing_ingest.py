"""Ingestion through the real embedded app: batch API, OTLP, scores, legacy routes.

Each test posts over HTTP, waits for the in-process worker, then reads the analytics
store directly, so these tests depend on the write path only.
"""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

import spyglass_tracing
from spyglass_adapters.queue import TaskiqTaskQueue
from spyglass_core.domain.tracing import ObservationType, ScoreDataType
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.ports.repositories import IngestionBatchRepository
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
ROOT_ID = "b7ad6b7169203331"
CHILD_ID = "00f067aa0ba902b7"


@pytest.fixture
async def app(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[EmbeddedApp]:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, plugins=[spyglass_tracing]) as running:
        yield running


async def settle(app: EmbeddedApp) -> AnalyticsStore:
    """Wait until the in-process worker has applied everything sent so far."""
    queue = await app.container.get(TaskiqTaskQueue)
    await queue.broker.wait_all()  # type: ignore[attr-defined]
    return await app.container.get(AnalyticsStore)


def _value(value: Any) -> AnyValue:
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        return AnyValue(int_value=value)
    if isinstance(value, list):
        any_value = AnyValue()
        any_value.array_value.values.extend(_value(item) for item in value)
        return any_value
    return AnyValue(string_value=str(value))


def otlp_span(span_id: str, parent: str | None, name: str, **attributes: Any) -> Span:
    start = int(datetime(2026, 11, 1, 12, 0, tzinfo=UTC).timestamp() * 1e9)
    return Span(
        trace_id=bytes.fromhex(TRACE_ID),
        span_id=bytes.fromhex(span_id),
        parent_span_id=bytes.fromhex(parent) if parent else b"",
        name=name,
        start_time_unix_nano=start,
        end_time_unix_nano=start + 1_500_000_000,
        attributes=[KeyValue(key=key, value=_value(value)) for key, value in attributes.items()],
    )


def export_request(*spans: Span) -> bytes:
    request = ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=list(spans))])]
    )
    request.resource_spans[0].scope_spans[0].scope.name = "langfuse-sdk"
    return request.SerializeToString()


GENERATION_ATTRIBUTES: dict[str, Any] = {
    "langfuse.observation.type": "generation",
    "langfuse.observation.model.name": "gpt-4o",
    "langfuse.observation.usage_details": '{"input": 1000, "output": 500}',
    "langfuse.observation.input": '[{"role": "user", "content": "hi"}]',
    "langfuse.observation.output": "hello",
    "user.id": "user-1",
    "session.id": "sess-1",
    "langfuse.trace.tags": ["a", "b"],
    "langfuse.trace.metadata.tenant": '"acme"',
}


async def test_otlp_protobuf_gzip_spans_become_trace_and_observations(app: EmbeddedApp) -> None:
    # The child arrives before its parent, in another request, as the SDK exports them.
    child = otlp_span(CHILD_ID, ROOT_ID, "llm", **GENERATION_ATTRIBUTES)
    root = otlp_span(ROOT_ID, None, "root", **{"langfuse.observation.input": '{"q": "hi"}'})
    for span in (child, root):
        response = await app.client.post(
            "/api/public/otel/v1/traces",
            content=gzip.compress(export_request(span)),
            headers={"content-type": "application/x-protobuf", "content-encoding": "gzip"},
            auth=app.auth(),
        )
        assert response.status_code == 200
        reply = ExportTraceServiceResponse.FromString(response.content)
        assert reply.partial_success.rejected_spans == 0
    store = await settle(app)
    pid = app.project.id
    trace = await store.get_trace(pid, TRACE_ID)
    assert trace is not None
    assert (trace.name, trace.user_id, trace.session_id) == ("root", "user-1", "sess-1")
    assert trace.tags == ["a", "b"] and trace.metadata == {"tenant": "acme"}
    assert trace.input == '{"q":"hi"}'
    generation = await store.get_observation(pid, CHILD_ID)
    assert generation is not None
    assert generation.type is ObservationType.GENERATION
    assert generation.parent_observation_id == ROOT_ID
    assert generation.usage_details == {"input": 1000, "output": 500, "total": 1500}
    # No cost was sent: the default gpt-4o price gives 1000 * 2.5e-6 + 500 * 1e-5.
    assert generation.total_cost == pytest.approx(0.0075)
    assert generation.cost_details["input"] == pytest.approx(0.0025)
    assert generation.internal_model_id is not None
    observations = await store.list_observations(pid, TRACE_ID)
    assert {obs.id for obs in observations} == {ROOT_ID, CHILD_ID}


async def test_a_resent_otlp_export_stores_each_span_once(app: EmbeddedApp) -> None:
    body = export_request(otlp_span(ROOT_ID, None, "root"))
    for _ in range(2):
        response = await app.client.post(
            "/api/public/otel/v1/traces",
            content=body,
            headers={"content-type": "application/x-protobuf"},
            auth=app.auth(),
        )
        assert response.status_code == 200
    store = await settle(app)
    assert len(await store.list_observations(app.project.id, TRACE_ID)) == 1


async def test_otlp_json_with_hex_ids_and_double_slash_free_path(app: EmbeddedApp) -> None:
    document = {
        "resourceSpans": [
            {
                "resource": {"attributes": []},
                "scopeSpans": [
                    {
                        "scope": {"name": "my-instrumentation"},
                        "spans": [
                            {
                                "traceId": TRACE_ID,
                                "spanId": ROOT_ID,
                                "name": "chat gpt-4o",
                                "startTimeUnixNano": "1793620800000000000",
                                "endTimeUnixNano": "1793620801000000000",
                                "attributes": [
                                    {
                                        "key": "gen_ai.request.model",
                                        "value": {"stringValue": "gpt-4o"},
                                    },
                                    {
                                        "key": "gen_ai.usage.input_tokens",
                                        "value": {"intValue": "10"},
                                    },
                                ],
                                "status": {"code": 2, "message": "boom"},
                            }
                        ],
                    }
                ],
            }
        ]
    }
    response = await app.client.post(
        "/api/public/otel/v1/traces",
        content=msgspec.json.encode(document),
        headers={"content-type": "application/json; charset=utf-8"},
        auth=app.auth(),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {}
    store = await settle(app)
    observation = await store.get_observation(app.project.id, ROOT_ID)
    assert observation is not None
    assert observation.type is ObservationType.GENERATION
    assert observation.level.value == "ERROR" and observation.status_message == "boom"
    assert observation.usage_details["input"] == 10


async def test_otlp_rejects_bad_bodies_with_a_4xx(app: EmbeddedApp) -> None:
    cases = [
        (b"\xff\xff\x00garbage", {"content-type": "application/x-protobuf"}, 400),
        (b"not json", {"content-type": "application/json"}, 400),
        (b"x", {"content-type": "text/plain"}, 400),
        (b"not gzip", {"content-type": "application/x-protobuf", "content-encoding": "gzip"}, 400),
        (
            msgspec.json.encode(
                {
                    "resourceSpans": [
                        {
                            "scopeSpans": [
                                {
                                    "spans": [
                                        {
                                            "traceId": TRACE_ID,
                                            "spanId": ROOT_ID,
                                            "attributes": {"a": 1},
                                        }
                                    ]
                                }
                            ]
                        }
                    ]
                }
            ),
            {"content-type": "application/json"},
            400,
        ),
    ]
    for body, headers, status in cases:
        response = await app.client.post(
            "/api/public/otel/v1/traces", content=body, headers=headers, auth=app.auth()
        )
        assert response.status_code == status, (body, response.text)
        assert "message" in response.json()


async def test_otlp_spans_with_bad_ids_are_reported_in_partial_success(app: EmbeddedApp) -> None:
    good = otlp_span(ROOT_ID, None, "root")
    bad = otlp_span(CHILD_ID, None, "bad")
    bad.trace_id = b"\x00" * 16
    response = await app.client.post(
        "/api/public/otel/v1/traces",
        content=export_request(good, bad),
        headers={"content-type": "application/x-protobuf"},
        auth=app.auth(),
    )
    assert response.status_code == 200
    reply = ExportTraceServiceResponse.FromString(response.content)
    assert reply.partial_success.rejected_spans == 1
    store = await settle(app)
    assert await store.get_observation(app.project.id, ROOT_ID) is not None


def envelope(event_id: str, event_type: str, body: dict[str, Any], ts: str) -> dict[str, Any]:
    return {"id": event_id, "type": event_type, "timestamp": ts, "body": body}


async def test_batch_api_merges_creates_and_updates_and_reports_bad_events(
    app: EmbeddedApp,
) -> None:
    batch = [
        envelope(
            "e1",
            "trace-create",
            {"id": "t1", "name": "first", "tags": ["x"], "metadata": {"a": 1}},
            "2026-11-01T12:00:00Z",
        ),
        envelope(
            "e2",
            "generation-create",
            {
                "id": "g1",
                "traceId": "t1",
                "model": "gpt-4o",
                "startTime": "2026-11-01T12:00:01Z",
                "usage": {"input": 100, "output": 10},
            },
            "2026-11-01T12:00:01Z",
        ),
        envelope(
            "e3",
            "generation-update",
            {"id": "g1", "output": {"text": "hi"}, "endTime": "2026-11-01T12:00:03Z"},
            "2026-11-01T12:00:03Z",
        ),
        envelope(
            "e4",
            "trace-create",
            {"id": "t1", "name": "second", "tags": ["y"], "metadata": {"b": 2}},
            "2026-11-01T12:00:04Z",
        ),
        envelope(
            "e5",
            "score-create",
            {"id": "s1", "traceId": "t1", "name": "q", "value": "good"},
            "2026-11-01T12:00:05Z",
        ),
        envelope("e6", "sdk-log", {"log": "hello"}, "2026-11-01T12:00:05Z"),
        envelope("bad1", "span-create", {"id": "x", "startTime": 12}, "2026-11-01T12:00:05Z"),
        envelope("bad2", "nonsense-create", {"id": "y"}, "2026-11-01T12:00:05Z"),
        envelope("bad3", "span-create", {"id": "z" * 1001}, "2026-11-01T12:00:05Z"),
        {"id": "bad4", "type": "trace-create"},
        "not an object",
    ]
    response = await app.client.post(
        "/api/public/ingestion", json={"batch": batch}, auth=app.auth()
    )
    assert response.status_code == 207
    result = response.json()
    assert sorted(item["id"] for item in result["successes"]) == [
        "e1",
        "e2",
        "e3",
        "e4",
        "e5",
        "e6",
    ]
    assert all(item["status"] == 201 for item in result["successes"])
    errors = {item["id"]: item for item in result["errors"]}
    assert set(errors) == {"bad1", "bad2", "bad3", "bad4", "unknown"}
    assert all(item["status"] == 400 for item in result["errors"])
    store = await settle(app)
    pid = app.project.id
    trace = await store.get_trace(pid, "t1")
    assert trace is not None
    assert trace.name == "second" and trace.tags == ["x", "y"]
    assert trace.metadata == {"a": "1", "b": "2"}
    generation = await store.get_observation(pid, "g1")
    assert generation is not None and generation.output == '{"text":"hi"}'
    assert generation.end_time == datetime(2026, 11, 1, 12, 0, 3, tzinfo=UTC)
    assert generation.total_cost == pytest.approx(100 * 2.5e-6 + 10 * 1e-5)
    score = await store.get_score(pid, "s1")
    assert score is not None and score.data_type is ScoreDataType.CATEGORICAL
    assert score.string_value == "good"


async def test_a_resent_batch_changes_nothing(app: EmbeddedApp) -> None:
    first = {
        "batch": [
            envelope("r1", "trace-create", {"id": "t2", "name": "one"}, "2026-11-01T12:00:00Z")
        ]
    }
    second = {
        "batch": [
            envelope("r2", "trace-create", {"id": "t2", "name": "two"}, "2026-11-01T12:00:01Z")
        ]
    }
    for body in (first, second, first):
        response = await app.client.post("/api/public/ingestion", json=body, auth=app.auth())
        assert response.status_code == 207
        assert response.json()["errors"] == []
        await settle(app)
    store = await settle(app)
    trace = await store.get_trace(app.project.id, "t2")
    assert trace is not None and trace.name == "two"


async def test_batch_api_top_level_errors(app: EmbeddedApp) -> None:
    for body in (b"{not json", b'{"batch": 3}', b"[]"):
        response = await app.client.post(
            "/api/public/ingestion",
            content=body,
            headers={"content-type": "application/json"},
            auth=app.auth(),
        )
        assert response.status_code == 400, body
    huge = b'{"batch": [], "x": "' + b"a" * 5_000_000 + b'"}'
    response = await app.client.post(
        "/api/public/ingestion",
        content=huge,
        headers={"content-type": "application/json"},
        auth=app.auth(),
    )
    assert response.status_code == 413
    assert "message" in response.json()


async def test_scores_array_object_and_bearer_access(app: EmbeddedApp) -> None:
    scores = [
        {
            "id": "a1b2c3d4e5f60718",
            "traceId": "t9",
            "name": "quality",
            "value": 0.8,
            "timestamp": "2026-11-01T12:00:00Z",
        },
        {
            "id": "a1b2c3d4e5f60719",
            "sessionId": "s9",
            "name": "thumbs",
            "value": 1.0,
            "dataType": "BOOLEAN",
        },
    ]
    response = await app.client.post("/api/public/scores", json=scores, auth=app.auth())
    assert response.status_code == 202
    assert response.json() == {"message": "Accepted"}
    response = await app.client.post(
        "/api/public/scores",
        json={"traceId": "t9", "name": "note", "value": "fine"},
        headers={"authorization": f"Bearer {app.keys.public_key}"},
    )
    assert response.status_code == 200
    created_id = response.json()["id"]
    bad = await app.client.post(
        "/api/public/scores",
        json={"name": "n", "value": "x", "dataType": "NUMERIC"},
        auth=app.auth(),
    )
    assert bad.status_code == 400
    eval_source = await app.client.post(
        "/api/public/scores", json={"name": "n", "value": 1, "source": "EVAL"}, auth=app.auth()
    )
    assert eval_source.status_code == 400
    store = await settle(app)
    pid = app.project.id
    quality = await store.get_score(pid, "a1b2c3d4e5f60718")
    thumbs = await store.get_score(pid, "a1b2c3d4e5f60719")
    note = await store.get_score(pid, created_id)
    assert quality is not None and quality.value == 0.8
    assert thumbs is not None and thumbs.string_value == "True"
    assert note is not None and note.string_value == "fine"


async def test_bearer_access_may_only_send_scores_in_a_batch(app: EmbeddedApp) -> None:
    batch = [
        envelope("b1", "trace-create", {"id": "t3"}, "2026-11-01T12:00:00Z"),
        envelope(
            "b2",
            "score-create",
            {"id": "s3", "traceId": "t3", "name": "q", "value": 1},
            "2026-11-01T12:00:00Z",
        ),
    ]
    response = await app.client.post(
        "/api/public/ingestion",
        json={"batch": batch},
        headers={"authorization": f"Bearer {app.keys.public_key}"},
    )
    assert response.status_code == 207
    body = response.json()
    assert [item["id"] for item in body["successes"]] == ["b2"]
    assert [(item["id"], item["status"]) for item in body["errors"]] == [("b1", 401)]
    otlp = await app.client.post(
        "/api/public/otel/v1/traces",
        content=export_request(otlp_span(ROOT_ID, None, "root")),
        headers={
            "content-type": "application/x-protobuf",
            "authorization": f"Bearer {app.keys.public_key}",
        },
    )
    assert otlp.status_code == 403


async def test_legacy_single_object_routes(app: EmbeddedApp) -> None:
    auth = app.auth()
    trace = await app.client.post(
        "/api/public/traces", json={"id": "lt", "name": "legacy"}, auth=auth
    )
    assert trace.json() == {"id": "lt"}
    span = await app.client.post("/api/public/spans", json={"id": "ls", "traceId": "lt"}, auth=auth)
    assert span.json() == {"id": "ls"}
    generation = await app.client.post(
        "/api/public/generations",
        json={"id": "lg", "traceId": "lt", "prompt": "p", "completion": "c"},
        auth=auth,
    )
    assert generation.status_code == 200
    patched = await app.client.patch(
        "/api/public/generations", json={"id": "lg", "completion": "c2"}, auth=auth
    )
    assert patched.status_code == 200
    event = await app.client.post(
        "/api/public/events", json={"traceId": "lt", "name": "e"}, auth=auth
    )
    assert event.status_code == 200
    missing_id = await app.client.patch("/api/public/spans", json={"name": "x"}, auth=auth)
    assert missing_id.status_code == 400
    store = await settle(app)
    pid = app.project.id
    generation_row = await store.get_observation(pid, "lg")
    assert generation_row is not None
    assert (generation_row.input, generation_row.output) == ("p", "c2")
    assert len(await store.list_observations(pid, "lt")) == 3


async def test_trace_names_longer_than_1000_characters_are_refused(app: EmbeddedApp) -> None:
    batch = [
        envelope("n1", "trace-create", {"id": "tn1", "name": "n" * 1000}, "2026-11-01T12:00:00Z"),
        envelope("n2", "trace-create", {"id": "tn2", "name": "n" * 1001}, "2026-11-01T12:00:00Z"),
    ]
    response = await app.client.post(
        "/api/public/ingestion", json={"batch": batch}, auth=app.auth()
    )
    assert response.status_code == 207
    assert [item["id"] for item in response.json()["successes"]] == ["n1"]
    [error] = response.json()["errors"]
    assert error["id"] == "n2" and error["status"] == 400
    assert error["message"] == "Invalid request data" and "1000" in error["error"]
    legacy = await app.client.post(
        "/api/public/traces", json={"id": "tn3", "name": "n" * 1001}, auth=app.auth()
    )
    assert legacy.status_code == 400
    assert legacy.json()["message"] == "Invalid request data" and "1000" in legacy.json()["error"]
    store = await settle(app)
    assert await store.get_trace(app.project.id, "tn1") is not None
    assert await store.get_trace(app.project.id, "tn2") is None
    assert await store.get_trace(app.project.id, "tn3") is None


async def test_scores_need_a_trace_session_or_dataset_run(app: EmbeddedApp) -> None:
    subjectless = {"id": "sn1", "name": "q", "value": 1, "observationId": "o1"}
    single = await app.client.post("/api/public/scores", json=subjectless, auth=app.auth())
    assert single.status_code == 400
    assert single.json()["message"] == "Invalid request data"
    assert "traceId" in single.json()["error"] and "datasetRunId" in single.json()["error"]
    scores = [
        {"id": "sn2", "name": "q", "value": 1},
        {"id": "sn3", "name": "q", "value": 1, "datasetRunId": "run1"},
    ]
    array = await app.client.post("/api/public/scores", json=scores, auth=app.auth())
    assert array.status_code == 207
    assert array.json()["accepted"] == 1 and array.json()["rejected"] == 1
    assert "sessionId" in array.json()["errors"][0]["message"]
    batch = [
        envelope(
            "se1", "score-create", {"id": "sn4", "name": "q", "value": 1}, "2026-11-01T12:00:00Z"
        ),
        envelope(
            "se2",
            "score-create",
            {"id": "sn5", "name": "q", "value": 1, "sessionId": "s1"},
            "2026-11-01T12:00:00Z",
        ),
    ]
    response = await app.client.post(
        "/api/public/ingestion", json={"batch": batch}, auth=app.auth()
    )
    assert response.status_code == 207
    assert [item["id"] for item in response.json()["successes"]] == ["se2"]
    [error] = response.json()["errors"]
    assert (error["id"], error["status"], error["message"]) == ("se1", 400, "Invalid request data")
    assert "traceId" in error["error"]
    store = await settle(app)
    pid = app.project.id
    assert await store.get_score(pid, "sn3") is not None
    assert await store.get_score(pid, "sn5") is not None
    for refused in ("sn1", "sn2", "sn4"):
        assert await store.get_score(pid, refused) is None


async def test_accepted_batches_are_recorded_and_marked_done(app: EmbeddedApp) -> None:
    response = await app.client.post(
        "/api/public/ingestion",
        json={"batch": [envelope("d1", "trace-create", {"id": "t4"}, "2026-11-01T12:00:00Z")]},
        auth=app.auth(),
    )
    assert response.status_code == 207
    await settle(app)
    uow_factory = await app.container.get(UnitOfWorkFactory)
    async with uow_factory() as uow:
        assert await uow.repository(IngestionBatchRepository).pending() == []
        assert await uow.repository(IngestionBatchRepository).seen_event_ids(
            app.project.id, ["d1", "zz"]
        ) == {"d1"}


async def test_timestamps_without_zone_are_read_as_utc(app: EmbeddedApp) -> None:
    batch = [
        envelope(
            "n1",
            "trace-create",
            {"id": "tn", "timestamp": "2026-11-01T12:00:05"},
            "2026-11-01T12:00:05",
        ),
        envelope(
            "n2",
            "trace-create",
            {"id": "tn", "timestamp": "2026-11-01T12:00:00+00:00"},
            "2026-11-01T12:00:06Z",
        ),
    ]
    response = await app.client.post(
        "/api/public/ingestion", json={"batch": batch}, auth=app.auth()
    )
    assert response.json()["errors"] == []
    legacy = await app.client.post(
        "/api/public/traces",
        json={"id": "tl", "timestamp": "2026-11-01T12:00:00"},
        auth=app.auth(),
    )
    assert legacy.status_code == 200
    too_long = await app.client.post("/api/public/traces", json={"id": "x" * 801}, auth=app.auth())
    assert too_long.status_code == 400
    store = await settle(app)
    trace = await store.get_trace(app.project.id, "tn")
    assert trace is not None and trace.timestamp == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    legacy_trace = await store.get_trace(app.project.id, "tl")
    assert legacy_trace is not None
    assert legacy_trace.timestamp == datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


async def test_values_the_store_cannot_hold_never_wedge_a_batch(app: EmbeddedApp) -> None:
    batch = [
        envelope(
            "h1",
            "generation-create",
            {
                "id": "gh",
                "traceId": "th",
                "model": "gpt-4o",
                "usageDetails": {"input": 2**64, "output": 7},
                "costDetails": {"input": 1e20, "output": 0.5},
            },
            "2026-11-01T12:00:00Z",
        ),
        envelope(
            "h2",
            "generation-create",
            {
                "id": "gv",
                "traceId": "th",
                "promptName": "p",
                "promptVersion": 70000,
            },
            "2026-11-01T12:00:00Z",
        ),
    ]
    response = await app.client.post(
        "/api/public/ingestion", json={"batch": batch}, auth=app.auth()
    )
    assert [item["id"] for item in response.json()["errors"]] == ["h2"]
    otlp = await app.client.post(
        "/api/public/otel/v1/traces",
        content=export_request(
            otlp_span(
                ROOT_ID,
                None,
                "root",
                **{
                    "langfuse.observation.type": "generation",
                    "langfuse.observation.prompt.name": "p",
                    "langfuse.observation.prompt.version": 70000,
                    "langfuse.observation.usage_details": '{"input": 99999999999999999999999}',
                },
            )
        ),
        headers={"content-type": "application/x-protobuf"},
        auth=app.auth(),
    )
    assert otlp.status_code == 200
    store = await settle(app)
    generation = await store.get_observation(app.project.id, "gh")
    assert generation is not None
    assert generation.usage_details == {"output": 7, "total": 7}
    assert generation.provided_cost_details == {"output": 0.5}
    span = await store.get_observation(app.project.id, ROOT_ID)
    assert span is not None and span.prompt_version is None and span.usage_details == {}
    uow_factory = await app.container.get(UnitOfWorkFactory)
    async with uow_factory() as uow:
        assert await uow.repository(IngestionBatchRepository).pending() == []
