"""Out-of-range numbers and over-nested JSON are refused at the edge with a 400, never 500.

Integers: every integer parameter the OpenAPI document declares (query, path and request
body) is walked with a 20-digit value, plus the integers it cannot declare (a prompt
version in a path or inside a prompt's text). JSON: every route that decodes a JSON
body gets one nested 5,000 levels deep; JSON nested just within the interpreter's
limit, hidden in strings the API accepts, must not break the worker or the reads.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import spyglass_prompts
import spyglass_tracing
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.input_limits import MAX_JSON_DEPTH
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.ports.repositories import IngestionBatchRepository
from tests.plugins.accounts_support import add_user, session_of
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings
from tests.plugins.test_tracing_ingest import ROOT_ID, export_request, otlp_span, settle

HUGE = int("9" * 20)  # past 64 bits
DEEP = "[" * 5000 + "]" * 5000
TS = "2026-11-01T12:00:00Z"


@pytest.fixture
async def app(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[EmbeddedApp]:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, plugins=[spyglass_tracing, spyglass_prompts]) as running:
        yield running


def assert_refused(response: httpx.Response, status: int = 400) -> dict[str, Any]:
    """A refusal in Langfuse's error shape: ``{message, error}``."""
    assert response.status_code == status, (response.request.url, response.text)
    body: dict[str, Any] = response.json()
    assert set(body) == {"message", "error"}, body
    return body


# --- integers -----------------------------------------------------------------------------


def _is_integer(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "integer" or any(
        option.get("type") == "integer" for option in schema.get("oneOf", ())
    )


def _integer_properties(
    document: dict[str, Any], schema: dict[str, Any], seen: set[str]
) -> Iterator[tuple[str, str]]:
    """(component, property) of every integer a request body schema can hold."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen.add(name)
        component = document["components"]["schemas"][name]
        for prop, sub in component.get("properties", {}).items():
            if _is_integer(sub):
                yield name, prop
            yield from _integer_properties(document, sub, seen)
        return
    for sub in (schema.get("items"), schema.get("additionalProperties")):
        if isinstance(sub, dict):
            yield from _integer_properties(document, sub, seen)
    for sub in [*schema.get("oneOf", ()), *schema.get("anyOf", ())]:
        yield from _integer_properties(document, sub, seen)


# Each declared integer body field, and a request whose only fault is that field.
BODY_CASES: dict[tuple[str, str], tuple[str, str, dict[str, Any]]] = {
    ("PricingTierInput", "priority"): (
        "POST",
        "/api/public/models",
        {
            "modelName": "m",
            "matchPattern": "(?i)^m$",
            "pricingTiers": [
                {"name": "Standard", "isDefault": True, "priority": 0, "prices": {"input": 1}},
                {"name": "Large", "isDefault": False, "priority": HUGE, "prices": {"input": 2}},
            ],
        },
    ),
    ("MediaUploadRequest", "contentLength"): (
        "POST",
        "/api/public/media",
        {
            "traceId": "t1",
            "field": "input",
            "contentType": "image/png",
            "contentLength": HUGE,
            "sha256Hash": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
        },
    ),
    ("PatchMediaRequest", "uploadHttpStatus"): (
        "PATCH",
        "/api/public/media/m1",
        {"uploadedAt": TS, "uploadHttpStatus": HUGE},
    ),
    ("PatchMediaRequest", "uploadTimeMs"): (
        "PATCH",
        "/api/public/media/m1",
        {"uploadedAt": TS, "uploadHttpStatus": 200, "uploadTimeMs": HUGE},
    ),
}


async def test_every_declared_integer_parameter_refuses_a_20_digit_value(
    app: EmbeddedApp,
) -> None:
    document = (await app.client.get("/api/openapi/openapi.json")).json()
    walked = []
    body_fields: set[tuple[str, str]] = set()
    for path, operations in document["paths"].items():
        if not path.startswith("/api/public"):
            continue
        for method, operation in operations.items():
            for parameter in operation.get("parameters", ()):
                if parameter["in"] in ("query", "path") and _is_integer(parameter["schema"]):
                    walked.append((method.upper(), path, parameter["in"], parameter["name"]))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                body_fields |= set(_integer_properties(document, body["schema"], set()))
    assert len(walked) >= 20  # page and limit of every list, prompt versions
    for method, path, location, name in walked:
        url = path.replace("{" + name + "}", str(HUGE))
        url = "/".join("x" if part.startswith("{") else part for part in url.split("/"))
        params = {name: str(HUGE)} if location == "query" else {}
        response = await app.client.request(method, url, params=params, auth=app.auth())
        assert_refused(response)
    # A new integer field in a request body needs a case here.
    assert body_fields == set(BODY_CASES)
    for method, path, body in BODY_CASES.values():
        response = await app.client.request(method, path, json=body, auth=app.auth())
        assert_refused(response)


async def test_integers_the_document_cannot_declare_are_bounded_too(app: EmbeddedApp) -> None:
    created = await app.client.post(
        "/api/public/v2/prompts", json={"name": "p", "prompt": "hi"}, auth=app.auth()
    )
    assert created.status_code == 201
    # The version of PATCH /v2/prompts/{name}/versions/{version} is part of a path.
    response = await app.client.patch(
        f"/api/public/v2/prompts/p/versions/{HUGE}", json={"newLabels": ["a"]}, auth=app.auth()
    )
    assert "2147483647" in assert_refused(response)["error"]
    # A composed prompt names its dependency's version inside its text.
    for version in (str(HUGE), "²"):
        response = await app.client.post(
            "/api/public/v2/prompts",
            json={"name": "q", "prompt": f"@@@langfusePrompt:name=p|version={version}@@@"},
            auth=app.auth(),
        )
        assert_refused(response)
    # Observation bodies: a per-event error in a batch, a 400 on the legacy route.
    body = {"id": "g1", "traceId": "t1", "promptName": "p", "promptVersion": HUGE}
    batch = [{"id": "e1", "type": "generation-create", "timestamp": TS, "body": body}]
    response = await app.client.post(
        "/api/public/ingestion", json={"batch": batch}, auth=app.auth()
    )
    assert response.status_code == 207
    assert [(e["id"], e["status"]) for e in response.json()["errors"]] == [("e1", 400)]
    assert_refused(await app.client.post("/api/public/generations", json=body, auth=app.auth()))
    # A signed media URL's expiry: not ours, so 403 like any other bad signature.
    for expires in (str(HUGE), "9" * 5000, "²"):
        response = await app.client.get(
            "/api/public/media-download/p/m", params={"expires": expires, "signature": "s"}
        )
        assert_refused(response, 403)


# --- nesting ------------------------------------------------------------------------------


def _deep_cases() -> list[tuple[str, str, bytes, dict[str, str]]]:
    """Routes that decode JSON the API reads itself, with realistic deep bodies."""
    json_type = {"content-type": "application/json"}
    event = {"id": "e1", "type": "trace-create", "timestamp": TS, "body": {"id": "t1"}}
    ingestion = json.dumps({"batch": [event]}).replace('{"id": "t1"}', '{"metadata": DEEP}')
    otlp = json.dumps(
        {
            "resourceSpans": [
                {
                    "scopeSpans": [
                        {
                            "spans": [
                                {
                                    "traceId": "0af7651916cd43dd8448eb211c80319c",
                                    "spanId": ROOT_ID,
                                    "name": "root",
                                    "attributes": [{"key": "a", "value": "DEEP"}],
                                }
                            ]
                        }
                    ]
                }
            ]
        }
    )
    cases = [
        ("POST", "/api/public/ingestion", ingestion.replace("DEEP", DEEP)),
        ("POST", "/api/public/ingestion", '{"batch": ' + DEEP + "}"),
        ("POST", "/api/public/scores", '{"name": "q", "value": 1, "metadata": ' + DEEP + "}"),
        ("POST", "/api/public/scores", DEEP),
        ("POST", "/api/public/otel/v1/traces", otlp.replace('"DEEP"', DEEP)),
        ("POST", "/api/public/traces", '{"name": "n", "input": ' + DEEP + "}"),
        ("POST", "/api/public/spans", '{"metadata": ' + DEEP + "}"),
        ("PATCH", "/api/public/spans", '{"id": "s1", "output": ' + DEEP + "}"),
        ("POST", "/api/public/generations", '{"prompt": ' + DEEP + "}"),
        ("PATCH", "/api/public/generations", '{"id": "g1", "completion": ' + DEEP + "}"),
        ("POST", "/api/public/events", '{"input": ' + DEEP + "}"),
    ]
    found = [(method, path, text.encode(), json_type) for method, path, text in cases]
    gzipped = gzip.compress(otlp.replace('"DEEP"', DEEP).encode())
    found.append(
        (
            "POST",
            "/api/public/otel/v1/traces",
            gzipped,
            {**json_type, "content-encoding": "gzip"},
        )
    )
    return found


async def test_json_nested_5000_levels_is_a_400_naming_the_limit_on_every_route(
    app: EmbeddedApp,
) -> None:
    document = (await app.client.get("/api/openapi/openapi.json")).json()
    # Routes whose JSON body Litestar decodes (models, score configs, prompts, media …).
    declared = [
        (method.upper(), path.replace("{", "").replace("}", ""), DEEP.encode(), {})
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(declared) >= 9
    cases = [*declared, *_deep_cases()]
    owner = await add_user(app, "owner@example.com", Role.OWNER, app.project.organization_id)
    async with session_of(app, owner) as signed_in:
        for method, path, content, headers in cases:
            client, auth = app.client, app.auth()
            if path.startswith("/api/internal"):
                # The UI's routes take a session and its CSRF token, not an API key.
                path = path.replace("project_id", app.project.id)
                path = path.replace("organization_id", app.project.organization_id)
                client, auth, headers = signed_in.client, None, {**headers, **signed_in.csrf()}
            response = await client.request(
                method,
                path,
                content=content,
                headers={"content-type": "application/json", **headers},
                auth=auth,
            )
            refused = assert_refused(response)
            assert f"{MAX_JSON_DEPTH} levels" in refused["error"], (method, path, refused)
    # A read's filter parameter is JSON too.
    deep_filter = '[{"column": "name", "type": "string", "operator": "=", "value": ' + DEEP + "}]"
    response = await app.client.get(
        "/api/public/traces", params={"filter": deep_filter}, auth=app.auth()
    )
    assert_refused(response)


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"k": value}
    return value


async def test_json_within_the_limit_is_accepted_and_read_back(app: EmbeddedApp) -> None:
    # {batch: [{body: {metadata: {deep: …}}}]} adds five levels: the body nests exactly 100.
    metadata = _nested(MAX_JSON_DEPTH - 5)
    batch = [
        {
            "id": "e1",
            "type": "trace-create",
            "timestamp": TS,
            "body": {"id": "t1", "metadata": {"deep": metadata}},
        }
    ]
    response = await app.client.post(
        "/api/public/ingestion", json={"batch": batch}, auth=app.auth()
    )
    assert response.status_code == 207 and response.json()["errors"] == [], response.text
    await settle(app)
    trace = await app.client.get("/api/public/traces/t1", auth=app.auth())
    assert trace.status_code == 200
    assert trace.json()["metadata"] == {"deep": metadata}


async def test_deep_json_inside_accepted_strings_never_breaks_the_worker_or_reads(
    app: EmbeddedApp,
) -> None:
    # Strings are accepted as they are; the worker and the reads decode some of them.
    depth = 980  # decodes in a shallow stack, not in the worker's or a response encoder's
    deep_array = "[" * depth + "]" * depth
    deep_object = '{"a":' * depth + "1" + "}" * depth
    batch = [
        {"id": "e1", "type": "trace-create", "timestamp": TS, "body": {"id": "t1"}},
        {
            "id": "e2",
            "type": "trace-create",
            "timestamp": TS,
            "body": {"id": "t1", "input": deep_array, "metadata": {"m": deep_object}},
        },
    ]
    for envelope in batch:  # two requests: the second metadata is merged into the first
        response = await app.client.post(
            "/api/public/ingestion", json={"batch": [envelope]}, auth=app.auth()
        )
        assert response.status_code == 207 and response.json()["errors"] == []
        await settle(app)
    response = await app.client.post(
        "/api/public/ingestion",
        json={
            "batch": [
                {
                    "id": "e3",
                    "type": "trace-create",
                    "timestamp": TS,
                    "body": {"id": "t1", "metadata": {"m": deep_object}},
                }
            ]
        },
        auth=app.auth(),
    )
    assert response.status_code == 207
    otlp = await app.client.post(
        "/api/public/otel/v1/traces",
        content=export_request(
            otlp_span(
                ROOT_ID,
                None,
                "root",
                **{
                    "langfuse.observation.input": deep_array,
                    "langfuse.observation.metadata": deep_object,
                    "langfuse.trace.metadata": deep_object,
                },
            )
        ),
        headers={"content-type": "application/x-protobuf"},
        auth=app.auth(),
    )
    assert otlp.status_code == 200
    await settle(app)
    uow_factory = await app.container.get(UnitOfWorkFactory)
    async with uow_factory() as uow:
        assert await uow.repository(IngestionBatchRepository).pending() == []
    trace = await app.client.get("/api/public/traces/t1", auth=app.auth())
    assert trace.status_code == 200, trace.text
    assert trace.json()["input"] == deep_array  # too deep to decode: the string as stored
    assert trace.json()["metadata"]["m"] == deep_object
    observation = await app.client.get(f"/api/public/observations/{ROOT_ID}", auth=app.auth())
    assert observation.status_code == 200, observation.text
    assert observation.json()["input"] == deep_array
