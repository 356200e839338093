"""Tracing end to end: the real Langfuse v5 SDK (OTLP) against ``spyglass serve``.

One SDK process builds a trace inside ``propagate_attributes`` (nested spans, two
generations, an event, a tool span, scores on trace, observation and session), flushes,
and prints the ids it made. The test process then polls the read API with httpx until
everything is queryable and asserts each field. The SDK's own read-back and a base URL
with a trailing slash each get their own SDK process.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import ServerFactory, SpyglassServer, poll, run_sdk

pytestmark = pytest.mark.e2e

PUBLIC_KEY = "pk-lf-e2e-tracing-v5"
SECRET_KEY = "sk-lf-e2e-tracing-v5"
AUTH = (PUBLIC_KEY, SECRET_KEY)
POLL_SECONDS = 20.0
ALL_FIELDS = "core,basic,time,io,metadata,model,usage,prompt,metrics"

# gpt-4o's default price (core/src/spyglass_core/domain/default_models.json).
GPT4O_INPUT_PRICE = 2.5e-6
GPT4O_OUTPUT_PRICE = 1e-5

SDK_SCRIPT = r"""
import json, uuid
from langfuse import Langfuse, propagate_attributes

client = Langfuse()
session_id = "sess-" + uuid.uuid4().hex[:12]
out = {"session_id": session_id}
with propagate_attributes(
    user_id="user-e2e",
    session_id=session_id,
    tags=["beta", "alpha"],
    metadata={"tenant": "acme", "n": 3},
    trace_name="e2e-trace",
    version="v9",
):
    with client.start_as_current_observation(
        as_type="span", name="root", input={"q": "hi"}, metadata={"k": "v"}
    ) as root:
        out["trace_id"], out["root_id"] = root.trace_id, root.id
        with client.start_as_current_observation(
            as_type="span", name="child", input="plain in"
        ) as child:
            out["child_id"] = child.id
            with client.start_as_current_observation(
                as_type="generation",
                name="llm",
                model="gpt-4o",
                usage_details={"input": 1000, "output": 500},
                input=[{"role": "user", "content": "hi"}],
                model_parameters={"temperature": 0.2, "max_tokens": 10},
            ) as gen:
                out["gen_id"] = gen.id
                gen.update(output={"role": "assistant", "content": "hello"})
            child.update(output="plain out")
        with client.start_as_current_observation(
            as_type="generation",
            name="llm-priced",
            model="gpt-4o",
            usage_details={"input": 10, "output": 5},
            cost_details={"input": 0.5, "output": 0.25},
        ) as priced:
            out["priced_id"] = priced.id
        event = client.create_event(
            name="evt", input={"e": 1}, level="WARNING", status_message="warned"
        )
        out["event_id"] = event.id
        with client.start_as_current_observation(
            as_type="tool", name="tool-call", input={"x": 1}
        ) as tool:
            out["tool_id"] = tool.id
            tool.update(output="done")
        root.update(output={"a": "hello"})
        root.score_trace(name="quality", value=0.9, comment="good")
        gen.score(name="correct", value="yes", data_type="CATEGORICAL")
        client.create_score(
            name="thumbs", value=True, data_type="BOOLEAN", trace_id=root.trace_id
        )
        client.create_score(name="sess-score", value=0.5, session_id=session_id)
client.flush()
print(json.dumps(out))
"""

ONE_SPAN = r"""
import json
from langfuse import Langfuse

client = Langfuse()
with client.start_as_current_observation(as_type="span", name="slash", input="x") as span:
    out = {"trace_id": span.trace_id, "span_id": span.id}
client.flush()
print(json.dumps(out))
"""

READ_BACK = r"""
import json, sys
from langfuse import Langfuse

client = Langfuse()
trace_id, session_id = sys.argv[1], sys.argv[2]
observations = client.api.observations.get_many(trace_id=trace_id, fields=sys.argv[3])
trace_scores = client.api.scores.get_many(trace_id=trace_id, fields="details,subject")
session_scores = client.api.scores.get_many(session_id=session_id, fields="details,subject")
print(json.dumps({
    "observations": [
        {"id": o.id, "type": o.type, "name": o.name, "parent": o.parent_observation_id,
         "model": o.model, "usage": o.usage_details, "cost": o.cost_details,
         "total_cost": o.total_cost}
        for o in observations.data
    ],
    "scores": [
        {"name": s.name, "class": type(s).__name__, "value": s.value,
         "subject": type(s.subject).__name__ if s.subject is not None else None}
        for s in trace_scores.data + session_scores.data
    ],
}))
"""


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def tracing_server(module_spyglass_server: ServerFactory) -> SpyglassServer:
    return module_spyglass_server(
        {
            "SPYGLASS_INIT_PROJECT_ID": "proj-tracing-v5",
            "SPYGLASS_INIT_PROJECT_NAME": "Tracing v5",
            "SPYGLASS_INIT_PROJECT_PUBLIC_KEY": PUBLIC_KEY,
            "SPYGLASS_INIT_PROJECT_SECRET_KEY": SECRET_KEY,
        }
    )


def sdk_json(
    python: Path, server: SpyglassServer, code: str, *args: str, base_url: str = ""
) -> Any:
    """Run an SDK script (extra ``args`` become ``sys.argv[1:]``); its last stdout line."""
    env = server.sdk_env(PUBLIC_KEY, SECRET_KEY)
    if base_url:
        env["LANGFUSE_BASE_URL"] = base_url
    script = code if not args else f"import sys; sys.argv[1:] = {list(args)!r}\n{code}"
    done = run_sdk(python, script, env)
    detail = f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}\n--- server log\n{server.log()}"
    assert done.returncode == 0, f"the SDK script failed ({done.returncode})\n{detail}"
    # The exporter logs failures without raising: no export error may be logged.
    assert "Failed to export" not in done.stderr, detail
    assert "error" not in done.stderr.lower(), f"the SDK logged an error\n{detail}"
    lines = done.stdout.strip().splitlines()
    assert lines, f"the SDK script printed nothing\n{detail}"
    return json.loads(lines[-1])


def get(server: SpyglassServer, path: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{server.base_url}{path}", params=params, auth=AUTH, timeout=10)


def get_json(server: SpyglassServer, path: str, **params: Any) -> Any:
    response = get(server, path, **params)
    assert response.status_code == 200, (
        f"GET {path} {params}: {response.status_code} {response.text}"
    )
    return response.json()


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


@pytest.fixture(scope="module")
def made(langfuse_python: Path, tracing_server: SpyglassServer) -> dict[str, str]:
    """The ids the SDK script created."""
    ids: dict[str, str] = sdk_json(langfuse_python, tracing_server, SDK_SCRIPT)
    return ids


@pytest.fixture(scope="module")
def observations(made: dict[str, str], tracing_server: SpyglassServer) -> dict[str, dict[str, Any]]:
    """The trace's observations through ``/v2/observations`` with every field group, by name."""
    body = wait_for(
        tracing_server,
        "/api/public/v2/observations",
        lambda body: len(body["data"]) >= 6,
        "all 6 observations queryable in /api/public/v2/observations",
        traceId=made["trace_id"],
        fields=ALL_FIELDS,
        limit=100,
    )
    assert "meta" in body and body["meta"].get("cursor") is None, body.get("meta")
    rows = body["data"]
    names = sorted(row.get("name") for row in rows)
    assert names == ["child", "evt", "llm", "llm-priced", "root", "tool-call"], names
    return {row["name"]: row for row in rows}


@pytest.fixture(scope="module")
def trace(made: dict[str, str], tracing_server: SpyglassServer) -> dict[str, Any]:
    """``GET /traces/{id}`` once its observations and trace scores are all there."""
    result: dict[str, Any] = wait_for(
        tracing_server,
        f"/api/public/traces/{made['trace_id']}",
        lambda body: len(body.get("observations", [])) >= 6 and len(body.get("scores", [])) >= 3,
        "the trace with 6 observations and 3 scores",
    )
    return result


# --------------------------------------------------------------------------- helpers


def raw_io(value: Any) -> Any:
    """I/O of ``/v2/observations``: a raw string, as Langfuse's v2 read API returns it.

    JSON documents come back as their JSON text; a plain string the SDK sent raw comes
    back as is. Returns the decoded document (or the plain string).
    """
    if value is None:
        return None
    assert isinstance(value, str), f"/v2/observations I/O must be a raw string: {value!r}"
    try:
        return json.loads(value)
    except ValueError:
        return value


def parse_time(value: Any) -> datetime:
    assert isinstance(value, str), f"not a timestamp string: {value!r}"
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, f"timestamp without a zone: {value!r}"
    return parsed


def close(actual: Any, expected: float) -> bool:
    return isinstance(actual, int | float) and math.isclose(
        actual, expected, rel_tol=1e-9, abs_tol=1e-12
    )


# --------------------------------------------------------------------------- tests


def test_observations_have_types_names_and_parent_links(
    made: dict[str, str], observations: dict[str, dict[str, Any]]
) -> None:
    expected = {
        "root": ("root_id", "SPAN", None),
        "child": ("child_id", "SPAN", "root_id"),
        "llm": ("gen_id", "GENERATION", "child_id"),
        "llm-priced": ("priced_id", "GENERATION", "root_id"),
        "evt": ("event_id", "EVENT", "root_id"),
        "tool-call": ("tool_id", "TOOL", "root_id"),
    }
    for name, (id_key, kind, parent_key) in expected.items():
        row = observations[name]
        assert row["id"] == made[id_key], (name, row)
        assert row["traceId"] == made["trace_id"], (name, row)
        assert row["type"] == kind, (name, row["type"])
        parent = made[parent_key] if parent_key else None
        assert row.get("parentObservationId") == parent, (name, row.get("parentObservationId"))
        assert isinstance(row["projectId"], str) and row["projectId"], row
        start, end = parse_time(row["startTime"]), parse_time(row["endTime"])
        assert start <= end, (name, row["startTime"], row["endTime"])
        assert row["isRootObservation"] is (name == "root"), (name, row.get("isRootObservation"))
    event = observations["evt"]
    assert event["startTime"] == event["endTime"] or parse_time(event["startTime"]) == parse_time(
        event["endTime"]
    ), event
    # Children end before (or when) their parents do.
    assert parse_time(observations["llm"]["endTime"]) <= parse_time(
        observations["child"]["endTime"]
    )
    assert parse_time(observations["child"]["endTime"]) <= parse_time(
        observations["root"]["endTime"]
    )


def test_observations_carry_trace_attributes_level_and_status(
    made: dict[str, str], observations: dict[str, dict[str, Any]]
) -> None:
    for name, row in observations.items():
        assert row["environment"] == "default", (name, row.get("environment"))
        assert row["version"] == "v9", (name, row.get("version"))
        assert row["userId"] == "user-e2e", (name, row.get("userId"))
        assert row["sessionId"] == made["session_id"], (name, row.get("sessionId"))
        if name == "evt":
            assert row["level"] == "WARNING" and row["statusMessage"] == "warned", row
        else:
            assert row["level"] == "DEFAULT", (name, row["level"])
            assert row.get("statusMessage") in (None, ""), (name, row.get("statusMessage"))


def test_observation_input_output_and_metadata(observations: dict[str, dict[str, Any]]) -> None:
    io = {name: (raw_io(row["input"]), raw_io(row["output"])) for name, row in observations.items()}
    assert io["root"] == ({"q": "hi"}, {"a": "hello"}), io["root"]
    assert io["child"] == ("plain in", "plain out"), io["child"]
    assert io["llm"] == (
        [{"role": "user", "content": "hi"}],
        {"role": "assistant", "content": "hello"},
    ), io["llm"]
    assert io["llm-priced"] == (None, None), io["llm-priced"]
    assert io["evt"] == ({"e": 1}, None), io["evt"]
    assert io["tool-call"] == ({"x": 1}, "done"), io["tool-call"]

    # Metadata values arrive JSON-encoded ("\"v\""); the server stores them decoded, and
    # the trace's metadata stays on the trace.
    assert observations["root"]["metadata"] == {"k": "v"}, observations["root"]["metadata"]
    for name in ("child", "llm", "llm-priced", "evt", "tool-call"):
        assert observations[name]["metadata"] in ({}, None), (name, observations[name]["metadata"])


def test_field_groups_select_the_keys(
    made: dict[str, str], observations: dict[str, dict[str, Any]], tracing_server: SpyglassServer
) -> None:
    body = get_json(tracing_server, "/api/public/v2/observations", traceId=made["trace_id"])
    assert len(body["data"]) == 6, body
    row = next(row for row in body["data"] if row["id"] == made["gen_id"])
    for key in (
        "id",
        "traceId",
        "startTime",
        "endTime",
        "projectId",
        "parentObservationId",
        "type",
    ):
        assert key in row, f"core field {key} missing by default: {sorted(row)}"
    for key in ("name", "level", "statusMessage", "version", "environment", "userId"):
        assert key in row, f"basic field {key} missing by default: {sorted(row)}"
    for key in ("input", "output", "metadata", "model", "usageDetails", "costDetails"):
        assert key not in row, f"{key} returned without its field group: {sorted(row)}"
    io_only = get_json(
        tracing_server, "/api/public/v2/observations", traceId=made["trace_id"], fields="io"
    )
    row = next(row for row in io_only["data"] if row["id"] == made["gen_id"])
    assert raw_io(row["input"]) == [{"role": "user", "content": "hi"}], row
    assert "model" not in row and "usageDetails" not in row, sorted(row)
    assert row["type"] == "GENERATION", "core fields are always returned"


def test_generation_model_usage_and_computed_cost(observations: dict[str, dict[str, Any]]) -> None:
    llm = observations["llm"]
    assert llm["model"] == "gpt-4o", llm
    assert llm["internalModelId"], f"no matched model recorded: {llm.get('internalModelId')!r}"
    assert llm["modelParameters"] == {"temperature": 0.2, "max_tokens": 10}, llm["modelParameters"]
    assert llm["usagePricingTierName"] in (None, "Standard"), llm["usagePricingTierName"]
    assert llm["usageDetails"] == {"input": 1000, "output": 500, "total": 1500}, llm["usageDetails"]
    input_cost, output_cost = 1000 * GPT4O_INPUT_PRICE, 500 * GPT4O_OUTPUT_PRICE
    cost = llm["costDetails"]
    assert set(cost) == {"input", "output", "total"}, cost
    assert close(cost["input"], input_cost), cost
    assert close(cost["output"], output_cost), cost
    assert close(cost["total"], 0.0075), cost
    assert close(llm["totalCost"], 0.0075), llm["totalCost"]
    assert llm.get("promptName") is None and llm.get("promptVersion") is None, llm
    assert llm.get("completionStartTime") is None, llm.get("completionStartTime")
    latency = llm.get("latency")
    assert isinstance(latency, int | float) and 0 <= latency < 60, latency
    for name in ("root", "child", "evt", "tool-call"):
        row = observations[name]
        assert row.get("model") in (None, ""), (name, row.get("model"))
        assert not row.get("costDetails"), (name, row.get("costDetails"))
        assert row.get("totalCost") in (None, 0, 0.0), (name, row.get("totalCost"))


def test_explicit_cost_wins_over_the_price_table(observations: dict[str, dict[str, Any]]) -> None:
    priced = observations["llm-priced"]
    assert priced["model"] == "gpt-4o", priced
    assert priced["usageDetails"] == {"input": 10, "output": 5, "total": 15}, priced["usageDetails"]
    cost = priced["costDetails"]
    assert close(cost.get("input"), 0.5) and close(cost.get("output"), 0.25), cost
    assert close(cost.get("total", 0.75), 0.75), cost
    assert close(priced["totalCost"], 0.75), priced["totalCost"]


def test_trace_aggregates_user_session_tags_metadata_io_and_cost(
    made: dict[str, str], trace: dict[str, Any], observations: dict[str, dict[str, Any]]
) -> None:
    assert trace["id"] == made["trace_id"], trace
    assert trace["name"] == "e2e-trace", trace["name"]
    assert trace["userId"] == "user-e2e", trace
    assert trace["sessionId"] == made["session_id"], trace
    assert trace["tags"] == ["alpha", "beta"], trace["tags"]
    assert trace["version"] == "v9", trace
    assert trace["environment"] == "default", trace
    assert trace.get("release") is None, trace.get("release")
    assert trace.get("public") in (False, None), trace.get("public")
    metadata = trace["metadata"]
    assert isinstance(metadata, dict), metadata
    assert metadata == {"tenant": "acme", "n": 3}, metadata
    # /traces/{id} returns I/O as JSON (v1 read API), from the root span.
    assert trace["input"] == {"q": "hi"}, trace["input"]
    assert trace["output"] == {"a": "hello"}, trace["output"]
    # The trace's timestamp is its root span's start.
    root_start = parse_time(observations["root"]["startTime"])
    assert abs((parse_time(trace["timestamp"]) - root_start).total_seconds()) < 0.01, (
        trace["timestamp"],
        observations["root"]["startTime"],
    )
    assert isinstance(trace["projectId"], str) and trace["projectId"], trace
    html_path = f"/project/{trace['projectId']}/traces/{made['trace_id']}"
    assert trace["htmlPath"] == html_path, trace["htmlPath"]
    assert close(trace["totalCost"], 0.0075 + 0.75), trace["totalCost"]
    assert isinstance(trace["latency"], int | float) and 0 <= trace["latency"] < 60, trace[
        "latency"
    ]

    by_id = {row["id"]: row for row in trace["observations"]}
    assert set(by_id) == {row["id"] for row in observations.values()}, sorted(by_id)
    llm = by_id[made["gen_id"]]
    assert llm["type"] == "GENERATION" and llm["model"] == "gpt-4o", llm
    assert llm["traceId"] == made["trace_id"] and llm["parentObservationId"] == made["child_id"], (
        llm
    )
    assert llm["usageDetails"] == {"input": 1000, "output": 500, "total": 1500}, llm
    assert llm["input"] == [{"role": "user", "content": "hi"}], llm["input"]
    assert llm["output"] == {"role": "assistant", "content": "hello"}, llm["output"]
    assert llm["modelParameters"] == {"temperature": 0.2, "max_tokens": 10}, llm
    assert close(llm["calculatedTotalCost"], 0.0075) and close(llm["totalCost"], 0.0075), llm
    assert llm["usage"] == {"input": 1000, "output": 500, "total": 1500, "unit": "TOKENS"}, llm
    assert by_id[made["child_id"]]["input"] == "plain in", by_id[made["child_id"]]
    assert by_id[made["tool_id"]]["output"] == "done", by_id[made["tool_id"]]

    scores = {score["name"]: score for score in trace["scores"]}
    assert set(scores) == {"quality", "correct", "thumbs"}, sorted(scores)
    assert scores["quality"]["value"] == 0.9 and scores["quality"]["dataType"] == "NUMERIC", scores
    assert scores["correct"]["dataType"] == "CATEGORICAL", scores["correct"]
    assert scores["correct"]["stringValue"] == "yes", scores["correct"]
    assert scores["correct"]["observationId"] == made["gen_id"], scores["correct"]
    assert scores["thumbs"]["dataType"] == "BOOLEAN" and scores["thumbs"]["value"] == 1, scores
    assert scores["thumbs"].get("stringValue") == "True", scores["thumbs"]


def test_v3_scores_are_typed_per_data_type(
    made: dict[str, str], trace: dict[str, Any], tracing_server: SpyglassServer
) -> None:
    body = wait_for(
        tracing_server,
        "/api/public/v3/scores",
        lambda body: len(body["data"]) >= 3,
        "the 3 trace scores in /api/public/v3/scores",
        traceId=made["trace_id"],
        fields="details,subject",
    )
    assert isinstance(body["meta"]["limit"], int), body["meta"]
    assert body["meta"].get("cursor") is None, body["meta"]
    scores = {score["name"]: score for score in body["data"]}
    assert set(scores) == {"quality", "correct", "thumbs"}, sorted(scores)
    for score in scores.values():
        assert score["source"] == "API", score
        assert score["environment"] == "default", score
        assert isinstance(score["id"], str) and len(score["id"]) == 16, score
        assert score["projectId"] == trace["projectId"], score
        for key in ("timestamp", "createdAt", "updatedAt"):
            parse_time(score[key])

    quality = scores["quality"]
    assert quality["dataType"] == "NUMERIC", quality
    assert type(quality["value"]) is float and quality["value"] == 0.9, quality
    assert quality["comment"] == "good", quality
    assert quality["subject"] == {"kind": "trace", "id": made["trace_id"]}, quality["subject"]

    correct = scores["correct"]
    assert correct["dataType"] == "CATEGORICAL", correct
    assert correct["value"] == "yes", correct
    assert correct["subject"]["kind"] == "observation", correct["subject"]
    assert correct["subject"]["id"] == made["gen_id"], correct["subject"]
    assert correct["subject"].get("traceId") == made["trace_id"], correct["subject"]

    thumbs = scores["thumbs"]
    assert thumbs["dataType"] == "BOOLEAN", thumbs
    assert thumbs["value"] is True, f"a BOOLEAN score's value must be a JSON bool: {thumbs}"
    assert thumbs["subject"] == {"kind": "trace", "id": made["trace_id"]}, thumbs["subject"]

    session = wait_for(
        tracing_server,
        "/api/public/v3/scores",
        lambda body: len(body["data"]) >= 1,
        "the session score in /api/public/v3/scores",
        sessionId=made["session_id"],
        fields="details,subject",
    )
    [sess] = session["data"]
    assert sess["name"] == "sess-score" and sess["dataType"] == "NUMERIC", sess
    assert type(sess["value"]) is float and sess["value"] == 0.5, sess
    assert sess["subject"] == {"kind": "session", "id": made["session_id"]}, sess["subject"]


def test_the_sdks_own_read_back_parses(
    langfuse_python: Path,
    tracing_server: SpyglassServer,
    made: dict[str, str],
    observations: dict[str, dict[str, Any]],
    trace: dict[str, Any],
) -> None:
    result = sdk_json(
        langfuse_python, tracing_server, READ_BACK, made["trace_id"], made["session_id"], ALL_FIELDS
    )
    rows = {row["name"]: row for row in result["observations"]}
    assert set(rows) == set(observations), sorted(rows)
    assert rows["llm"]["type"] == "GENERATION" and rows["llm"]["model"] == "gpt-4o", rows["llm"]
    assert rows["llm"]["usage"] == {"input": 1000, "output": 500, "total": 1500}, rows["llm"]
    assert close(rows["llm"]["total_cost"], 0.0075), rows["llm"]
    assert rows["child"]["parent"] == made["root_id"], rows["child"]
    scores = {row["name"]: row for row in result["scores"]}
    assert scores == {
        "quality": {
            "name": "quality",
            "class": "ScoreV3_Numeric",
            "value": 0.9,
            "subject": "ScoreSubjectV3_Trace",
        },
        "correct": {
            "name": "correct",
            "class": "ScoreV3_Categorical",
            "value": "yes",
            "subject": "ScoreSubjectV3_Observation",
        },
        "thumbs": {
            "name": "thumbs",
            "class": "ScoreV3_Boolean",
            "value": True,
            "subject": "ScoreSubjectV3_Trace",
        },
        "sess-score": {
            "name": "sess-score",
            "class": "ScoreV3_Numeric",
            "value": 0.5,
            "subject": "ScoreSubjectV3_Session",
        },
    }, scores


def test_a_trailing_slash_base_url_still_ingests(
    langfuse_python: Path, tracing_server: SpyglassServer
) -> None:
    # The SDK then POSTs //api/public/otel/v1/traces.
    made = sdk_json(
        langfuse_python, tracing_server, ONE_SPAN, base_url=f"{tracing_server.base_url}/"
    )
    body = wait_for(
        tracing_server,
        "/api/public/v2/observations",
        lambda body: len(body["data"]) >= 1,
        "the span sent to a base URL with a trailing slash",
        traceId=made["trace_id"],
        fields="core,basic,io",
    )
    [row] = body["data"]
    assert row["id"] == made["span_id"] and row["name"] == "slash", row
    assert raw_io(row["input"]) == "x", row
    assert '"POST //api/public/otel/v1/traces HTTP/1.1" 200' in tracing_server.log(), (
        "the SDK did not post to //api/public/otel/v1/traces"
    )
