"""Tracing end to end: the legacy Langfuse v2 SDK (``POST /ingestion``) against ``spyglass serve``.

One v2 SDK process creates a trace with a span, a generation and an event, flushes, then
updates the trace (a second ``trace-create``) and the generation (``generation-update``),
scores, and flushes again. The test process reads it back through ``/traces/{id}`` and
``/observations`` and checks the merge rules. A hand-built batch posted twice checks that
a re-sent batch changes nothing.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import ServerFactory, SpyglassServer, poll, run_sdk

pytestmark = pytest.mark.e2e

PUBLIC_KEY = "pk-lf-e2e-tracing-v2"
SECRET_KEY = "sk-lf-e2e-tracing-v2"
AUTH = (PUBLIC_KEY, SECRET_KEY)
POLL_SECONDS = 20.0

SDK_SCRIPT = r"""
import json, os, uuid
from langfuse import Langfuse

client = Langfuse(
    public_key=os.environ["LANGFUSE_PUBLIC_KEY"],
    secret_key=os.environ["LANGFUSE_SECRET_KEY"],
    host=os.environ["LANGFUSE_BASE_URL"],
)
session_id = "sess-v2-" + uuid.uuid4().hex[:12]
trace = client.trace(
    name="v2-trace",
    user_id="user-a",
    session_id=session_id,
    tags=["b", "a"],
    metadata={"m1": 1, "shared": "old"},
    input={"q": "hi"},
    version="1",
)
span = trace.span(name="outer", input={"x": 1})
generation = span.generation(
    name="llm",
    model="gpt-4o",
    input=[{"role": "user", "content": "hi"}],
    model_parameters={"temperature": 0.1},
)
event = trace.event(name="evt", input={"e": 1}, level="WARNING", status_message="careful")
client.flush()

# Second batch: updates of what the first one created.
generation.update(output={"content": "hello"}, usage_details={"input": 1000, "output": 500})
generation.end()
span.end(output="done")
trace.update(
    name="v2-renamed",
    user_id="user-b",
    tags=["c", "b"],
    metadata={"m2": 2, "shared": "new"},
    output={"a": "hello"},
)
client.score(trace_id=trace.id, name="quality", value=0.7, comment="ok")
client.score(trace_id=trace.id, observation_id=generation.id, name="label", value="good")
trace.score(name="flag", value=1, data_type="BOOLEAN")
client.flush()
print(json.dumps({
    "trace_id": trace.id,
    "span_id": span.id,
    "generation_id": generation.id,
    "event_id": event.id,
    "session_id": session_id,
}))
"""


@pytest.fixture(scope="module")
def tracing_server(module_spyglass_server: ServerFactory) -> SpyglassServer:
    return module_spyglass_server(
        {
            "SPYGLASS_INIT_PROJECT_ID": "proj-tracing-v2",
            "SPYGLASS_INIT_PROJECT_NAME": "Tracing v2",
            "SPYGLASS_INIT_PROJECT_PUBLIC_KEY": PUBLIC_KEY,
            "SPYGLASS_INIT_PROJECT_SECRET_KEY": SECRET_KEY,
        }
    )


def get(server: SpyglassServer, path: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{server.base_url}{path}", params=params, auth=AUTH, timeout=10)


def wait_for(server: SpyglassServer, path: str, ready: Any, what: str, **params: Any) -> Any:
    """Poll ``GET path`` until ``ready(body)``; 404 counts as not yet there."""
    seen: list[str] = []

    def probe() -> Any:
        response = get(server, path, **params)
        seen[:] = [f"{response.status_code} {response.text[:3000]}"]
        if response.status_code == 404:
            return None
        assert response.status_code == 200, f"GET {path} {params}: {seen[0]}"
        body = response.json()
        return body if ready(body) else None

    return poll(
        probe,
        timeout=POLL_SECONDS,
        what=what,
        detail=lambda: (
            f"last answer: {seen[0] if seen else '-'}\n--- server log\n{server.log()[-5000:]}"
        ),
    )


def parse_time(value: Any) -> datetime:
    assert isinstance(value, str), f"not a timestamp string: {value!r}"
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, f"timestamp without a zone: {value!r}"
    return parsed


def close(actual: Any, expected: float) -> bool:
    return isinstance(actual, int | float) and math.isclose(
        actual, expected, rel_tol=1e-9, abs_tol=1e-12
    )


@pytest.fixture(scope="module")
def made(langfuse2_python: Path, tracing_server: SpyglassServer) -> dict[str, str]:
    """The ids the v2 SDK script created."""
    done = run_sdk(langfuse2_python, SDK_SCRIPT, tracing_server.sdk_env(PUBLIC_KEY, SECRET_KEY))
    detail = (
        f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}\n--- server log\n{tracing_server.log()}"
    )
    assert done.returncode == 0, f"the SDK script failed ({done.returncode})\n{detail}"
    assert "error" not in done.stderr.lower(), f"the v2 SDK logged an error\n{detail}"
    lines = done.stdout.strip().splitlines()
    assert lines, f"the SDK script printed nothing\n{detail}"
    ids: dict[str, str] = json.loads(lines[-1])
    return ids


def _merged(body: dict[str, Any]) -> bool:
    observations = body.get("observations", [])
    generation = next((o for o in observations if o.get("name") == "llm"), None)
    return (
        body.get("name") == "v2-renamed"
        and len(observations) >= 3
        and len(body.get("scores", [])) >= 3
        and generation is not None
        and generation.get("endTime") is not None
        and generation.get("output") is not None
    )


@pytest.fixture(scope="module")
def trace(made: dict[str, str], tracing_server: SpyglassServer) -> dict[str, Any]:
    """``GET /traces/{id}`` once both batches are merged."""
    result: dict[str, Any] = wait_for(
        tracing_server,
        f"/api/public/traces/{made['trace_id']}",
        _merged,
        "the v2 trace with its updates, 3 observations and 3 scores",
    )
    return result


@pytest.fixture(scope="module")
def observations(
    made: dict[str, str], trace: dict[str, Any], tracing_server: SpyglassServer
) -> dict[str, dict[str, Any]]:
    """``GET /observations?traceId=`` by name (after the trace shows the merged state)."""
    response = get(tracing_server, "/api/public/observations", traceId=made["trace_id"])
    assert response.status_code == 200, response.text
    body = response.json()
    meta = body["meta"]
    assert meta["totalItems"] == 3 and meta["page"] == 1 and meta["totalPages"] == 1, meta
    assert isinstance(meta["limit"], int), meta
    return {row["name"]: row for row in body["data"]}


# --------------------------------------------------------------------------- tests


def test_trace_update_merged(made: dict[str, str], trace: dict[str, Any]) -> None:
    assert trace["id"] == made["trace_id"], trace
    assert trace["name"] == "v2-renamed", "the later trace-create's name must win"
    assert trace["userId"] == "user-b", trace["userId"]
    assert trace["sessionId"] == made["session_id"], "values not re-sent must stay"
    assert trace["version"] == "1", trace["version"]
    assert trace["tags"] == ["a", "b", "c"], f"tags must be the sorted union: {trace['tags']}"
    assert trace["metadata"] == {"m1": 1, "m2": 2, "shared": "new"}, trace["metadata"]
    assert trace["input"] == {"q": "hi"}, "a value the update did not send must stay"
    assert trace["output"] == {"a": "hello"}, trace["output"]
    assert trace["environment"] == "default", trace
    assert trace.get("public") in (False, None), trace.get("public")
    parse_time(trace["timestamp"])
    assert trace["htmlPath"] == f"/project/{trace['projectId']}/traces/{made['trace_id']}", trace
    assert close(trace["totalCost"], 0.0075), trace["totalCost"]
    assert isinstance(trace["latency"], int | float) and trace["latency"] >= 0, trace["latency"]


def test_generation_update_applied_with_cost(
    made: dict[str, str], observations: dict[str, dict[str, Any]]
) -> None:
    assert set(observations) == {"outer", "llm", "evt"}, sorted(observations)
    generation = observations["llm"]
    assert generation["id"] == made["generation_id"], generation
    assert generation["type"] == "GENERATION", generation
    assert generation["traceId"] == made["trace_id"], generation
    assert generation["parentObservationId"] == made["span_id"], generation
    assert generation["model"] == "gpt-4o", generation
    # The v2 SDK's MapValue type turns 0.1 into "0.1" before sending.
    assert generation["modelParameters"] == {"temperature": "0.1"}, generation["modelParameters"]
    # The v1 read API returns I/O as JSON.
    assert generation["input"] == [{"role": "user", "content": "hi"}], generation
    assert generation["output"] == {"content": "hello"}, generation["output"]
    start, end = parse_time(generation["startTime"]), parse_time(generation["endTime"])
    assert start <= end, (generation["startTime"], generation["endTime"])
    assert generation["usageDetails"] == {"input": 1000, "output": 500, "total": 1500}, generation
    # The legacy usage object, derived from usageDetails.
    assert generation["usage"] == {"input": 1000, "output": 500, "total": 1500, "unit": "TOKENS"}
    cost = generation["costDetails"]
    assert close(cost.get("input"), 1000 * 2.5e-6), cost
    assert close(cost.get("output"), 500 * 1e-5), cost
    assert close(cost.get("total"), 0.0075), cost
    assert close(generation["totalCost"], 0.0075), generation["totalCost"]
    for key, expected in (
        ("calculatedInputCost", 0.0025),
        ("calculatedOutputCost", 0.005),
        ("calculatedTotalCost", 0.0075),
    ):
        assert close(generation[key], expected), (key, generation[key])
    assert generation["level"] == "DEFAULT", generation

    span = observations["outer"]
    assert span["id"] == made["span_id"] and span["type"] == "SPAN", span
    assert span.get("parentObservationId") is None, span
    assert span["input"] == {"x": 1} and span["output"] == "done", span
    assert span["endTime"] is not None, "span.end() must set the end time"

    event = observations["evt"]
    assert event["id"] == made["event_id"] and event["type"] == "EVENT", event
    assert event["level"] == "WARNING" and event["statusMessage"] == "careful", event
    assert event["input"] == {"e": 1} and event["output"] is None, event


def test_scores_present(made: dict[str, str], trace: dict[str, Any]) -> None:
    scores = {score["name"]: score for score in trace["scores"]}
    assert set(scores) == {"quality", "label", "flag"}, sorted(scores)
    quality = scores["quality"]
    assert quality["dataType"] == "NUMERIC" and quality["value"] == 0.7, quality
    assert quality["comment"] == "ok" and quality["traceId"] == made["trace_id"], quality
    label = scores["label"]
    assert label["dataType"] == "CATEGORICAL" and label["stringValue"] == "good", label
    assert label["observationId"] == made["generation_id"], label
    flag = scores["flag"]
    assert flag["dataType"] == "BOOLEAN" and flag["value"] == 1, flag
    for score in scores.values():
        assert score["source"] == "API", score
        parse_time(score["timestamp"])


# --------------------------------------------------------------------------- re-sent batch


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _resend_batch(trace_id: str) -> dict[str, Any]:
    """A batch whose event and score carry no body id: only envelope dedupe stops copies."""
    now = datetime.now(UTC)

    def envelope(kind: str, body: dict[str, Any], offset_ms: int) -> dict[str, Any]:
        stamp = _iso(now + timedelta(milliseconds=offset_ms))
        return {"id": str(uuid.uuid4()), "type": kind, "timestamp": stamp, "body": body}

    return {
        "batch": [
            envelope(
                "trace-create",
                {"id": trace_id, "name": "dup", "tags": ["x"], "metadata": {"k": 1}},
                0,
            ),
            envelope(
                "span-create",
                {
                    "id": f"{trace_id}-span",
                    "traceId": trace_id,
                    "name": "s",
                    "startTime": _iso(now),
                },
                1,
            ),
            envelope(
                "generation-create",
                {
                    "id": f"{trace_id}-gen",
                    "traceId": trace_id,
                    "parentObservationId": f"{trace_id}-span",
                    "name": "g",
                    "model": "gpt-4o",
                    "usageDetails": {"input": 10, "output": 10},
                    "startTime": _iso(now),
                },
                2,
            ),
            envelope("event-create", {"traceId": trace_id, "name": "no-id-event"}, 3),
            envelope("score-create", {"traceId": trace_id, "name": "no-id-score", "value": 1}, 4),
        ],
        "metadata": {"sdk": "e2e"},
    }


def _stable(trace: dict[str, Any]) -> dict[str, Any]:
    """A trace without the bookkeeping timestamps a rewrite may bump."""
    volatile = {"updatedAt", "createdAt"}

    def strip(item: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in item.items() if key not in volatile}

    result = strip(trace)
    result["observations"] = sorted(
        (strip(row) for row in trace["observations"]), key=lambda row: row["id"]
    )
    result["scores"] = sorted((strip(row) for row in trace["scores"]), key=lambda row: row["id"])
    return result


def test_a_resent_batch_changes_nothing(tracing_server: SpyglassServer) -> None:
    trace_id = f"dup-{uuid.uuid4()}"
    body = json.dumps(_resend_batch(trace_id)).encode()
    ids = [event["id"] for event in json.loads(body)["batch"]]
    url = f"{tracing_server.base_url}/api/public/ingestion"
    headers = {"Content-Type": "application/json"}

    first = httpx.post(url, content=body, headers=headers, auth=AUTH, timeout=10)
    assert first.status_code == 207, first.text
    assert first.json()["errors"] == [], first.text
    assert sorted(s["id"] for s in first.json()["successes"]) == sorted(ids), first.text
    assert {s["status"] for s in first.json()["successes"]} == {201}, first.text

    stored = wait_for(
        tracing_server,
        f"/api/public/traces/{trace_id}",
        lambda trace: len(trace.get("observations", [])) >= 3 and len(trace.get("scores", [])) >= 1,
        "the first copy of the batch",
    )
    assert len(stored["observations"]) == 3 and len(stored["scores"]) == 1, stored

    second = httpx.post(url, content=body, headers=headers, auth=AUTH, timeout=10)
    assert second.status_code == 207, second.text
    assert second.json()["errors"] == [], second.text
    assert sorted(s["id"] for s in second.json()["successes"]) == sorted(ids), second.text

    # A marker sent after the copy: once it is visible, the copy has been handled too.
    marker_id = f"marker-{uuid.uuid4()}"
    marker = {
        "batch": [
            {
                "id": str(uuid.uuid4()),
                "type": "trace-create",
                "timestamp": _iso(datetime.now(UTC)),
                "body": {"id": marker_id, "name": "marker"},
            }
        ]
    }
    answer = httpx.post(url, json=marker, auth=AUTH, timeout=10)
    assert answer.status_code == 207 and answer.json()["errors"] == [], answer.text
    wait_for(tracing_server, f"/api/public/traces/{marker_id}", lambda trace: True, "the marker")
    time.sleep(1.0)

    again = get(tracing_server, f"/api/public/traces/{trace_id}")
    assert again.status_code == 200, again.text
    assert _stable(again.json()) == _stable(stored), (
        f"the re-sent batch changed the trace:\nbefore {stored}\nafter {again.json()}"
    )
    listed = get(tracing_server, "/api/public/observations", traceId=trace_id)
    assert listed.status_code == 200, listed.text
    assert listed.json()["meta"]["totalItems"] == 3, listed.json()
    names = sorted(row["name"] for row in listed.json()["data"])
    assert names == ["g", "no-id-event", "s"], names
