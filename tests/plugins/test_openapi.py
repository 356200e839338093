"""The generated OpenAPI document is valid and describes every public route's responses."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

import spyglass_datasets
import spyglass_prompts
import spyglass_tracing
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

# Routes whose success body is raw bytes of the stored object's own type.
BINARY = {("GET", "/api/public/media-download/{project_id}/{media_id}")}


@pytest.fixture
async def app(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[EmbeddedApp]:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(
        settings, plugins=[spyglass_tracing, spyglass_prompts, spyglass_datasets]
    ) as running:
        yield running


def _typed(schema: dict[str, Any]) -> bool:
    """A named component, an array of them, or a choice between such (one path serving
    several shapes): not a free-form object or string."""
    if "$ref" in schema:
        return True
    if schema.get("oneOf"):
        return all(_typed(choice) for choice in schema["oneOf"])
    return schema.get("type") == "array" and "$ref" in schema.get("items", {})


async def test_the_document_is_valid_and_types_every_public_response(app: EmbeddedApp) -> None:
    response = await app.client.get("/api/openapi/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)  # raises on anything OpenAPI 3.1 does not allow

    served = {
        (method, _documented(route.path))
        for route in app.app.routes
        if route.path.startswith("/api/public")
        for method in getattr(route, "methods", ())
        if method not in ("HEAD", "OPTIONS")
    }
    described: dict[tuple[str, str], dict[str, Any]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            described[(method.upper(), path)] = operation
    assert len(served) > 40
    assert served <= described.keys(), served - described.keys()

    untyped = []
    for route in sorted(served):
        for status, answer in described[route]["responses"].items():
            if not status.startswith("2") or route in BINARY:
                continue
            for body in answer.get("content", {}).values():
                if not _typed(body.get("schema", {})):
                    untyped.append((*route, status, body.get("schema")))
    assert untyped == []


def _documented(path: str) -> str:
    """A served path as the document writes it: ``{name:str}`` becomes ``{name}``."""
    return "/".join(
        segment.split(":")[0] + "}" if segment.startswith("{") and ":" in segment else segment
        for segment in path.split("/")
    )


async def test_the_internal_api_is_documented_with_typed_bodies(app: EmbeddedApp) -> None:
    document = (await app.client.get("/api/openapi/openapi.json")).json()
    served = {
        (method, _documented(route.path))
        for route in app.app.routes
        if route.path.startswith("/api/internal")
        for method in getattr(route, "methods", ())
        if method not in ("HEAD", "OPTIONS")
    }
    described = {
        (method.upper(), path): operation
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    assert len(served) >= 14
    assert served <= described.keys(), served - described.keys()
    untyped = []
    for route in sorted(served):
        operation = described[route]
        bodies = [
            (status, body)
            for status, answer in operation["responses"].items()
            if status.startswith("2") and status != "204"
            for body in answer.get("content", {}).values()
        ]
        requests = operation.get("requestBody", {}).get("content", {}).values()
        bodies += [("request", body) for body in requests]
        untyped += [(*route, s, b) for s, b in bodies if not _typed(b.get("schema", {}))]
    assert untyped == []
