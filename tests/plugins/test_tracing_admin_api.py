"""Models, score configs and media over HTTP on a real embedded container."""

from __future__ import annotations

import base64
import hashlib
import struct
import time
import uuid
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import spyglass_tracing
from spyglass_adapters.queue import TaskiqTaskQueue
from spyglass_core.domain.api_keys import KeyPair
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.services.media import MediaService
from spyglass_tracing.services.prices import PriceBook
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings


@pytest.fixture(scope="module")
async def app(
    tmp_path_factory: pytest.TempPathFactory, chdb_dsn: str
) -> AsyncIterator[EmbeddedApp]:
    settings = embedded_settings(Path(tmp_path_factory.mktemp("admin")), chdb_dsn)
    async with embedded_app(settings, [spyglass_tracing]) as running:
        yield running


@pytest.fixture(scope="module")
async def other(app: EmbeddedApp) -> KeyPair:
    """Keys of a second project of the same deployment."""
    admin = await app.admin()
    project = await admin.create_project("Other Project")
    _, keys = await admin.create_api_key(project.id)
    return keys


async def call(
    app: EmbeddedApp,
    method: str,
    path: str,
    expected: int,
    keys: KeyPair | None = None,
    **kwargs: Any,
) -> Any:
    response = await app.client.request(method, f"/api/public{path}", auth=app.auth(keys), **kwargs)
    assert response.status_code == expected, response.text
    return response.json() if response.content else None


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


# --- models ------------------------------------------------------------------------------


async def test_create_model_with_flat_prices(app: EmbeddedApp) -> None:
    name = unique("flat")
    body = await call(
        app,
        "POST",
        "/models",
        200,
        json={
            "modelName": name,
            "matchPattern": f"(?i)^{name}$",
            "startDate": "2025-01-01T00:00:00Z",
            "unit": "TOKENS",
            "inputPrice": 0.000001,
            "outputPrice": 0.000002,
            "tokenizerId": "openai",
            "tokenizerConfig": {"tokenizerModel": "gpt-4o"},
        },
    )
    assert body["modelName"] == name
    assert body["matchPattern"] == f"(?i)^{name}$"
    assert body["startDate"].startswith("2025-01-01T00:00:00")
    assert body["unit"] == "TOKENS"
    assert (body["inputPrice"], body["outputPrice"], body["totalPrice"]) == (1e-6, 2e-6, None)
    assert body["prices"] == {"input": {"price": 1e-6}, "output": {"price": 2e-6}}
    assert body["isLangfuseManaged"] is False
    assert body["tokenizerId"] == "openai"
    assert body["tokenizerConfig"] == {"tokenizerModel": "gpt-4o"}
    assert body["createdAt"]
    [tier] = body["pricingTiers"]
    assert tier["name"] == "Standard"
    assert (tier["isDefault"], tier["priority"], tier["conditions"]) == (True, 0, [])
    assert tier["prices"] == {"input": 1e-6, "output": 2e-6}
    assert await call(app, "GET", f"/models/{body['id']}", 200) == body


async def test_create_model_with_pricing_tiers(app: EmbeddedApp) -> None:
    name = unique("tiered")
    body = await call(
        app,
        "POST",
        "/models",
        200,
        json={
            "modelName": name,
            "matchPattern": f"(?i)^{name}$",
            "pricingTiers": [
                {
                    "name": "Long context",
                    "isDefault": False,
                    "priority": 1,
                    "conditions": [
                        {"usageDetailPattern": "^input", "operator": "gt", "value": 200000}
                    ],
                    "prices": {"input": 6e-6, "output": 2.25e-5},
                },
                {
                    "name": "Standard",
                    "isDefault": True,
                    "priority": 0,
                    "conditions": [],
                    "prices": {"input": 3e-6, "output": 1.5e-5, "total": 1e-7},
                },
            ],
        },
    )
    assert body["unit"] == "TOKENS"  # the default
    assert (body["inputPrice"], body["outputPrice"], body["totalPrice"]) == (3e-6, 1.5e-5, 1e-7)
    assert body["prices"]["input"] == {"price": 3e-6}
    default, long_context = body["pricingTiers"]
    assert default["name"] == "Standard" and default["isDefault"] is True
    assert long_context["priority"] == 1
    assert long_context["conditions"] == [
        {"usageDetailPattern": "^input", "operator": "gt", "value": 200000, "caseSensitive": False}
    ]
    assert long_context["prices"] == {"input": 6e-6, "output": 2.25e-5}
    assert default["id"] != long_context["id"]


def _tiers(*tiers: dict[str, Any]) -> list[dict[str, Any]]:
    return list(tiers)


_DEFAULT = {"name": "Standard", "isDefault": True, "priority": 0, "prices": {"input": 1.0}}
_EXTRA = {
    "name": "Big",
    "isDefault": False,
    "priority": 1,
    "conditions": [{"usageDetailPattern": "^input", "operator": "gt", "value": 10}],
    "prices": {"input": 2.0},
}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"matchPattern": "([a-z"}, "not a valid regular expression"),
        (
            {"matchPattern": "(?i)^gpt-4o(?=-mini)"},
            "matchPattern '(?i)^gpt-4o(?=-mini)' is not a valid regular expression: "
            "lookahead assertions",
        ),
        (
            {"matchPattern": r"^(gpt)-\1$"},
            "matchPattern '^(gpt)-\\1$' is not a valid regular expression: backreferences",
        ),
        ({"matchPattern": "^gpt-4o++$"}, "possessive quantifiers"),
        ({"matchPattern": ""}, "must not be empty"),
        ({"matchPattern": "a" * 201}, "at most 200"),
        ({"modelName": "  "}, "modelName"),
        ({"unit": "PARSECS"}, "unit"),
        ({"tokenizerId": "sentencepiece"}, "tokenizerId"),
        ({"inputPrice": -1}, "non-negative"),
        ({"inputPrice": 1.0, "pricingTiers": _tiers(_DEFAULT)}, "not both"),
        ({"pricingTiers": []}, "exactly one default tier"),
        ({"pricingTiers": _tiers(_EXTRA)}, "exactly one default tier"),
        ({"pricingTiers": _tiers(_DEFAULT, {**_DEFAULT, "name": "B"})}, "exactly one default"),
        ({"pricingTiers": _tiers({**_DEFAULT, "priority": 3})}, "priority 0"),
        ({"pricingTiers": _tiers({**_DEFAULT, "conditions": _EXTRA["conditions"]})}, "priority 0"),
        ({"pricingTiers": _tiers(_DEFAULT, {**_EXTRA, "conditions": []})}, "needs a condition"),
        ({"pricingTiers": _tiers(_DEFAULT, {**_EXTRA, "prices": {}})}, "at least one price"),
        ({"pricingTiers": _tiers(_DEFAULT, {**_EXTRA, "name": "Standard"})}, "names"),
        (
            {"pricingTiers": _tiers(_DEFAULT, _EXTRA, {**_EXTRA, "name": "Other"})},
            "priorities",
        ),
        (
            {
                "pricingTiers": _tiers(
                    _DEFAULT,
                    {**_EXTRA, "conditions": [{**_EXTRA["conditions"][0], "operator": "in"}]},
                )
            },
            "operator",
        ),
        (
            {
                "pricingTiers": _tiers(
                    _DEFAULT,
                    {
                        **_EXTRA,
                        "conditions": [
                            {**_EXTRA["conditions"][0], "usageDetailPattern": "(?<=cached_)input"}
                        ],
                    },
                )
            },
            "Pricing tier 'Big': usageDetailPattern '(?<=cached_)input' is not a valid "
            "regular expression: lookbehind assertions",
        ),
        (
            {
                "pricingTiers": _tiers(
                    _DEFAULT,
                    {
                        **_EXTRA,
                        "conditions": [
                            {**_EXTRA["conditions"][0], "usageDetailPattern": r"(in)put_\1"}
                        ],
                    },
                )
            },
            "usageDetailPattern '(in)put_\\1' is not a valid regular expression: backreferences",
        ),
    ],
)
async def test_invalid_models_are_400(
    app: EmbeddedApp, changes: dict[str, Any], message: str
) -> None:
    name = unique("bad")
    body = {"modelName": name, "matchPattern": f"(?i)^{name}$", **changes}
    error = await call(app, "POST", "/models", 400, json=body)
    assert message in error["message"], error


async def test_a_catastrophic_pattern_cannot_stall_the_worker(app: EmbeddedApp) -> None:
    # Python's re takes ~2**32 steps (minutes, doubling per "a") to fail the first name;
    # the bound below is loose so that a loaded machine never fails a linear engine.
    name = unique("evil")
    condition = {"usageDetailPattern": "^(a|a)*$", "operator": "gt", "value": 0}
    created = await call(
        app,
        "POST",
        "/models",
        200,
        json={
            "modelName": name,
            "matchPattern": "^(a|a)*$",
            "pricingTiers": _tiers(
                {**_DEFAULT, "prices": {"input": 1.0}},
                {**_EXTRA, "conditions": [condition], "prices": {"input": 2.0}},
            ),
        },
    )
    trace_id = unique("trace")
    slow, fast = unique("slow"), unique("fast")
    batch = [
        {
            "id": unique("event"),
            "type": "generation-create",
            "timestamp": "2026-11-01T12:00:00Z",
            "body": {"id": observation, "traceId": trace_id, "model": model, **usage},
        }
        for observation, model, usage in (
            (slow, "a" * 32 + "b", {"usage": {"input": 3}}),
            (fast, "a" * 32, {"usageDetails": {"input": 3, "a" * 32 + "b": 1}}),
        )
    ]
    started = time.perf_counter()
    response = await app.client.post(
        "/api/public/ingestion", json={"batch": batch}, auth=app.auth()
    )
    assert response.status_code == 207 and not response.json()["errors"]
    queue = await app.container.get(TaskiqTaskQueue)
    await queue.broker.wait_all()  # type: ignore[attr-defined]
    assert time.perf_counter() - started < 15.0
    store = await app.container.get(AnalyticsStore)
    unmatched = await store.get_observation(app.project.id, slow)
    assert unmatched is not None and unmatched.internal_model_id is None
    matched = await store.get_observation(app.project.id, fast)
    assert matched is not None and matched.internal_model_id == created["id"]
    assert matched.usage_details["a" * 32 + "b"] == 1
    assert matched.total_cost == pytest.approx(3.0)  # the tier's condition matched no key


async def test_missing_fields_are_400(app: EmbeddedApp) -> None:
    error = await call(app, "POST", "/models", 400, json={"modelName": "x"})
    assert error["message"] == "Invalid request data"


async def test_duplicate_model_is_409(app: EmbeddedApp) -> None:
    name = unique("dup")
    body = {"modelName": name, "matchPattern": f"(?i)^{name}$", "inputPrice": 1.0}
    await call(app, "POST", "/models", 200, json=body)
    await call(app, "POST", "/models", 409, json=body)
    # Another start date is another definition.
    await call(app, "POST", "/models", 200, json={**body, "startDate": "2026-01-01T00:00:00Z"})


async def test_managed_models_are_listed_after_own_and_cannot_be_deleted(
    app: EmbeddedApp, other: KeyPair
) -> None:
    name = unique("aaa-own")
    own = await call(
        app,
        "POST",
        "/models",
        200,
        keys=other,
        json={"modelName": name, "matchPattern": f"(?i)^{name}$", "totalPrice": 1.0},
    )
    first = await call(app, "GET", "/models", 200, keys=other, params={"limit": 1})
    assert first["data"][0]["id"] == own["id"]
    assert first["meta"]["page"] == 1 and first["meta"]["limit"] == 1
    total = first["meta"]["totalItems"]
    assert total > 10 and first["meta"]["totalPages"] == total
    listed = await call(app, "GET", "/models", 200, keys=other, params={"limit": 100})
    managed = [m for m in listed["data"] if m["isLangfuseManaged"]]
    assert managed and all(m["createdAt"] for m in managed)
    gpt = next(m for m in managed if m["modelName"] == "gpt-4o")
    assert gpt["inputPrice"] == 2.5e-6
    assert await call(app, "GET", f"/models/{gpt['id']}", 200, keys=other) == gpt
    await call(app, "DELETE", f"/models/{gpt['id']}", 404, keys=other)
    await call(app, "GET", f"/models/{gpt['id']}", 200, keys=other)


async def test_pagination_bounds(app: EmbeddedApp) -> None:
    await call(app, "GET", "/models", 400, params={"page": 0})
    await call(app, "GET", "/models", 400, params={"limit": 101})
    page = await call(app, "GET", "/models", 200, params={"page": 1000, "limit": 100})
    assert page["data"] == []


async def test_delete_model(app: EmbeddedApp) -> None:
    name = unique("gone")
    created = await call(
        app,
        "POST",
        "/models",
        200,
        json={"modelName": name, "matchPattern": f"(?i)^{name}$", "inputPrice": 1.0},
    )
    assert await call(app, "DELETE", f"/models/{created['id']}", 200) == {
        "message": "Model successfully deleted"
    }
    await call(app, "GET", f"/models/{created['id']}", 404)
    await call(app, "DELETE", f"/models/{created['id']}", 404)
    await call(app, "DELETE", "/models/nope", 404)


async def test_models_are_isolated_between_projects(app: EmbeddedApp, other: KeyPair) -> None:
    name = unique("mine")
    created = await call(
        app,
        "POST",
        "/models",
        200,
        json={"modelName": name, "matchPattern": f"(?i)^{name}$", "inputPrice": 1.0},
    )
    await call(app, "GET", f"/models/{created['id']}", 404, keys=other)
    await call(app, "DELETE", f"/models/{created['id']}", 404, keys=other)
    listed = await call(app, "GET", "/models", 200, keys=other, params={"limit": 100})
    assert created["id"] not in {m["id"] for m in listed["data"]}
    await call(app, "GET", f"/models/{created['id']}", 200)


async def test_model_writes_refresh_the_price_table(app: EmbeddedApp) -> None:
    prices = await app.container.get(PriceBook)
    before = {m.id for m in await prices.models(app.project.id)}
    name = unique("priced")
    created = await call(
        app,
        "POST",
        "/models",
        200,
        json={"modelName": name, "matchPattern": f"(?i)^{name}$", "inputPrice": 1.0},
    )
    after = {m.id for m in await prices.models(app.project.id)}
    assert after - before == {created["id"]}
    await call(app, "DELETE", f"/models/{created['id']}", 200)
    assert {m.id for m in await prices.models(app.project.id)} == before


async def test_models_need_credentials(app: EmbeddedApp) -> None:
    response = await app.client.get("/api/public/models")
    assert response.status_code == 401


# --- score configs -----------------------------------------------------------------------


async def test_score_configs_of_every_type(app: EmbeddedApp) -> None:
    numeric = await call(
        app,
        "POST",
        "/score-configs",
        200,
        json={"name": "accuracy (v1)", "dataType": "NUMERIC", "minValue": 0, "maxValue": 1},
    )
    assert numeric["projectId"] == app.project.id
    assert (numeric["minValue"], numeric["maxValue"], numeric["categories"]) == (0, 1, None)
    assert numeric["isArchived"] is False
    assert {"id", "createdAt", "updatedAt", "description"} <= set(numeric)
    categorical = await call(
        app,
        "POST",
        "/score-configs",
        200,
        json={
            "name": "tone",
            "dataType": "CATEGORICAL",
            "categories": [{"label": "good", "value": 1}, {"label": "bad", "value": 0}],
            "description": "How it sounds",
        },
    )
    assert categorical["categories"] == [
        {"label": "good", "value": 1},
        {"label": "bad", "value": 0},
    ]
    assert categorical["description"] == "How it sounds"
    boolean = await call(
        app, "POST", "/score-configs", 200, json={"name": "correct", "dataType": "BOOLEAN"}
    )
    assert boolean["categories"] == [{"label": "True", "value": 1}, {"label": "False", "value": 0}]
    text = await call(app, "POST", "/score-configs", 200, json={"name": "note", "dataType": "TEXT"})
    assert text["categories"] is None and text["minValue"] is None
    for created in (numeric, categorical, boolean, text):
        assert await call(app, "GET", f"/score-configs/{created['id']}", 200) == created


async def test_list_score_configs_newest_first_with_pages(app: EmbeddedApp, other: KeyPair) -> None:
    ids = [
        (
            await call(
                app,
                "POST",
                "/score-configs",
                200,
                keys=other,
                json={"name": f"s{i}", "dataType": "TEXT"},
            )
        )["id"]
        for i in range(3)
    ]
    page = await call(app, "GET", "/score-configs", 200, keys=other, params={"limit": 2})
    assert [c["id"] for c in page["data"]] == ids[::-1][:2]
    assert page["meta"] == {"page": 1, "limit": 2, "totalItems": 3, "totalPages": 2}
    second = await call(
        app, "GET", "/score-configs", 200, keys=other, params={"limit": 2, "page": 2}
    )
    assert [c["id"] for c in second["data"]] == [ids[0]]
    await call(app, "GET", f"/score-configs/{ids[0]}", 404)  # another project's


async def test_patch_score_config(app: EmbeddedApp) -> None:
    created = await call(
        app,
        "POST",
        "/score-configs",
        200,
        json={"name": "quality", "dataType": "NUMERIC", "maxValue": 10, "description": "d"},
    )
    path = f"/score-configs/{created['id']}"
    updated = await call(
        app,
        "PATCH",
        path,
        200,
        json={"name": "quality-2", "isArchived": True, "minValue": 1, "description": None},
    )
    assert updated["name"] == "quality-2"
    assert updated["isArchived"] is True
    assert (updated["minValue"], updated["maxValue"]) == (1, 10)
    assert updated["description"] is None
    assert updated["updatedAt"] >= created["updatedAt"]
    assert updated["createdAt"] == created["createdAt"]
    assert await call(app, "GET", path, 200) == updated
    # Absent fields keep their value; null clears a bound.
    again = await call(app, "PATCH", path, 200, json={"maxValue": None})
    assert (again["name"], again["minValue"], again["maxValue"]) == ("quality-2", 1, None)
    unarchived = await call(app, "PATCH", path, 200, json={"isArchived": False})
    assert unarchived["isArchived"] is False
    error = await call(app, "PATCH", path, 400, json={"minValue": 5, "maxValue": 2})
    assert "minValue" in error["message"]
    await call(app, "PATCH", path, 400, json={"categories": [{"label": "a", "value": 1}]})
    await call(app, "PATCH", path, 400, json={"name": "x" * 36})
    await call(app, "PATCH", "/score-configs/nope", 404, json={"isArchived": True})


async def test_patch_categories(app: EmbeddedApp) -> None:
    categorical = await call(
        app,
        "POST",
        "/score-configs",
        200,
        json={
            "name": "grade",
            "dataType": "CATEGORICAL",
            "categories": [{"label": "A", "value": 1}],
        },
    )
    path = f"/score-configs/{categorical['id']}"
    categories = [{"label": "A", "value": 1}, {"label": "B", "value": 2}]
    assert (await call(app, "PATCH", path, 200, json={"categories": categories}))[
        "categories"
    ] == categories
    await call(app, "PATCH", path, 400, json={"categories": []})
    await call(app, "PATCH", path, 400, json={"categories": [{"label": "A", "value": 1}] * 2})
    await call(app, "PATCH", path, 400, json={"minValue": 0})
    boolean = await call(
        app, "POST", "/score-configs", 200, json={"name": "flag", "dataType": "BOOLEAN"}
    )
    error = await call(
        app,
        "PATCH",
        f"/score-configs/{boolean['id']}",
        400,
        json={"categories": [{"label": "Yes", "value": 1}]},
    )
    assert "BOOLEAN" in error["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "", "dataType": "TEXT"}, "name"),
        ({"name": "   ", "dataType": "TEXT"}, "name"),
        ({"name": "x" * 36, "dataType": "TEXT"}, "name"),
        ({"name": "a/b", "dataType": "TEXT"}, "name"),
        ({"name": "émoji", "dataType": "TEXT"}, "name"),
        ({"name": "ok", "dataType": "FLOAT"}, "dataType"),
        ({"name": "ok", "dataType": "CORRECTION"}, "dataType"),
        ({"name": "ok", "dataType": "NUMERIC", "minValue": 2, "maxValue": 1}, "minValue"),
        (
            {"name": "ok", "dataType": "NUMERIC", "categories": [{"label": "a", "value": 1}]},
            "Categories",
        ),
        ({"name": "ok", "dataType": "CATEGORICAL"}, "at least one category"),
        ({"name": "ok", "dataType": "CATEGORICAL", "categories": []}, "at least one category"),
        (
            {
                "name": "ok",
                "dataType": "CATEGORICAL",
                "categories": [{"label": "a", "value": 1}, {"label": "a", "value": 2}],
            },
            "labels must be unique",
        ),
        (
            {
                "name": "ok",
                "dataType": "CATEGORICAL",
                "categories": [{"label": "a", "value": 1}, {"label": "b", "value": 1}],
            },
            "values must be unique",
        ),
        (
            {"name": "ok", "dataType": "CATEGORICAL", "categories": [{"label": " ", "value": 1}]},
            "labels must not be empty",
        ),
        (
            {
                "name": "ok",
                "dataType": "CATEGORICAL",
                "categories": [{"label": "a", "value": 1}],
                "maxValue": 3,
            },
            "NUMERIC",
        ),
        (
            {"name": "ok", "dataType": "BOOLEAN", "categories": [{"label": "a", "value": 1}]},
            "cannot be passed",
        ),
        ({"name": "ok", "dataType": "BOOLEAN", "minValue": 0}, "NUMERIC"),
        ({"name": "ok", "dataType": "TEXT", "maxValue": 1}, "NUMERIC"),
        ({"name": "ok", "dataType": "TEXT", "categories": [{"label": "a", "value": 1}]}, "TEXT"),
    ],
)
async def test_invalid_score_configs_are_400(
    app: EmbeddedApp, body: dict[str, Any], message: str
) -> None:
    error = await call(app, "POST", "/score-configs", 400, json=body)
    assert message in error["message"], error


async def test_scores_are_checked_against_a_created_config(app: EmbeddedApp) -> None:
    config = await call(
        app,
        "POST",
        "/score-configs",
        200,
        json={"name": "ratio", "dataType": "NUMERIC", "minValue": 0, "maxValue": 1},
    )
    score = {"traceId": "t-1", "name": "ratio", "value": 5, "configId": config["id"]}
    error = await call(app, "POST", "/scores", 400, json=score)
    assert "above the config's maximum" in str(error)


# --- media -------------------------------------------------------------------------------


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG image: white RGB pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def sdk_media_id(data: bytes) -> str:
    """What the Langfuse SDK computes: ``urlsafe_b64encode(sha256)[:22]``."""
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode()[:22]


def announcement(data: bytes, **changes: Any) -> dict[str, Any]:
    return {
        "traceId": "trace-1",
        "observationId": "obs-1",
        "field": "input",
        "contentType": "image/png",
        "contentLength": len(data),
        "sha256Hash": sha256_b64(data),
        **changes,
    }


async def upload(
    app: EmbeddedApp, url: str, data: bytes, content_type: str = "image/png", expected: int = 200
) -> Any:
    response = await app.client.put(
        url,
        content=data,
        headers={"Content-Type": content_type, "x-amz-checksum-sha256": sha256_b64(data)},
    )
    assert response.status_code == expected, response.text
    return response


async def test_media_round_trip(app: EmbeddedApp) -> None:
    image = png(3, 1)
    announced = await call(app, "POST", "/media", 201, json=announcement(image))
    media_id = announced["mediaId"]
    assert media_id == sdk_media_id(image)
    assert announced["uploadUrl"] == (
        f"http://testserver/api/public/media-upload/{app.project.id}/{media_id}"
    )
    await call(app, "GET", f"/media/{media_id}", 404)  # not uploaded yet
    await upload(app, announced["uploadUrl"], image)  # no Authorization header
    await call(
        app,
        "PATCH",
        f"/media/{media_id}",
        204,
        json={"uploadedAt": "2026-01-01T00:00:00Z", "uploadHttpStatus": 200, "uploadTimeMs": 12},
    )
    described = await call(app, "GET", f"/media/{media_id}", 200)
    assert described["mediaId"] == media_id
    assert described["contentType"] == "image/png"
    assert described["contentLength"] == len(image)
    assert described["uploadedAt"].startswith("2026-01-01T00:00:00")
    url = described["url"]
    assert url.startswith(f"http://testserver/api/public/media-download/{app.project.id}/")
    expires = int(parse_qs(urlsplit(url).query)["expires"][0])
    assert abs(expires - (time.time() + 3600)) < 60
    assert described["urlExpiry"].endswith("Z")
    downloaded = await app.client.get(url)  # no Authorization header
    assert downloaded.status_code == 200
    assert downloaded.content == image
    assert downloaded.headers["content-type"] == "image/png"
    assert downloaded.headers["x-content-type-options"] == "nosniff"
    # The same content again needs no upload.
    again = await call(app, "POST", "/media", 201, json=announcement(image, traceId="trace-2"))
    assert again == {"mediaId": media_id, "uploadUrl": None}


async def test_download_needs_a_valid_unexpired_signature(app: EmbeddedApp) -> None:
    data = b"hello media"
    announced = await call(
        app, "POST", "/media", 201, json=announcement(data, contentType="text/plain")
    )
    await upload(app, announced["uploadUrl"], data, "text/plain")
    # The verified upload alone marks the record uploaded.
    url = (await call(app, "GET", f"/media/{announced['mediaId']}", 200))["url"]
    assert (await app.client.get(url)).content == data
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    assert (await app.client.get(tampered)).status_code == 403
    base = url.split("?", 1)[0]
    assert (await app.client.get(base)).status_code == 403
    service = await app.container.get(MediaService)
    past = int(time.time()) - 10
    signature = service.sign(app.project.id, announced["mediaId"], past)
    expired = await app.client.get(f"{base}?expires={past}&signature={signature}")
    assert expired.status_code == 403
    assert "expired" in expired.json()["message"]
    other_id = await app.client.get(url.replace(announced["mediaId"], sdk_media_id(b"x")))
    assert other_id.status_code == 403


async def test_upload_is_checked_against_the_announcement(app: EmbeddedApp) -> None:
    image = png(5, 5)
    announced = await call(app, "POST", "/media", 201, json=announcement(image))
    url = announced["uploadUrl"]
    # The route needs no credentials: every refusal reads the same, so it tells nobody
    # whether some content exists in the project, or its type.
    tampered = image[:-1] + bytes([image[-1] ^ 1])
    unknown = url.replace(announced["mediaId"], sdk_media_id(b"never announced"))
    refusals = [
        await upload(app, url, image, "image/jpeg", expected=400),
        await upload(app, url, image[:-1], expected=400),
        await upload(app, url, image + b"\x00", expected=400),
        await upload(app, url, tampered, expected=400),
        await upload(app, unknown, image, expected=400),
    ]
    assert len({response.text for response in refusals}) == 1
    assert "image/png" not in refusals[0].text
    await call(app, "GET", f"/media/{announced['mediaId']}", 404)
    # A second announcement before any upload gets an upload URL again.
    again = await call(app, "POST", "/media", 201, json=announcement(image))
    assert again["uploadUrl"] == url
    await upload(app, url, image)
    # Finished media cannot be uploaded again (nor probed through the upload route).
    assert (await upload(app, url, image, expected=400)).text == refusals[0].text


async def test_uploads_may_exceed_the_api_body_limit(app: EmbeddedApp) -> None:
    data = bytes(range(256)) * (5 * 1024 * 1024 // 256 + 1)  # over the 4.5 MB API limit
    announced = await call(
        app,
        "POST",
        "/media",
        201,
        json=announcement(data, contentType="application/octet-stream"),
    )
    await upload(app, announced["uploadUrl"], data, "application/octet-stream")
    url = (await call(app, "GET", f"/media/{announced['mediaId']}", 200))["url"]
    assert (await app.client.get(url)).content == data


async def test_failed_upload_report_keeps_media_unavailable(app: EmbeddedApp) -> None:
    data = b'{"a": 1}'
    announced = await call(
        app,
        "POST",
        "/media",
        201,
        json=announcement(
            data,
            contentType="application/json",
            traceId=None,
            observationId=None,
            datasetId="ds-1",
            datasetItemId="item-1",
            field="expectedOutput",
        ),
    )
    media_id = announced["mediaId"]
    await call(
        app,
        "PATCH",
        f"/media/{media_id}",
        204,
        json={
            "uploadedAt": "2026-01-01T00:00:00Z",
            "uploadHttpStatus": 500,
            "uploadHttpError": "boom",
        },
    )
    await call(app, "GET", f"/media/{media_id}", 404)
    assert (
        await call(
            app, "POST", "/media", 201, json=announcement(data, contentType="application/json")
        )
    )["uploadUrl"]
    await call(
        app,
        "PATCH",
        "/media/unknown",
        404,
        json={"uploadedAt": "2026-01-01T00:00:00Z", "uploadHttpStatus": 200},
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sha256Hash": "not base64!"}, "sha256Hash"),
        ({"sha256Hash": base64.b64encode(b"short").decode()}, "sha256Hash"),
        ({"contentType": "image/heic"}, "contentType"),
        ({"contentLength": 0}, "contentLength"),
        ({"contentLength": 100 * 1024 * 1024 + 1}, "contentLength"),
        ({"traceId": None}, "traceId"),
        ({"traceId": None, "datasetId": "ds"}, "datasetItemId"),
        ({"field": " "}, "field"),
    ],
)
async def test_invalid_media_announcements_are_400(
    app: EmbeddedApp, changes: dict[str, Any], message: str
) -> None:
    error = await call(app, "POST", "/media", 400, json=announcement(b"abc", **changes))
    assert message in error["message"], error


async def test_media_is_isolated_between_projects(app: EmbeddedApp, other: KeyPair) -> None:
    data = b"private bytes"
    announced = await call(
        app, "POST", "/media", 201, json=announcement(data, contentType="text/plain")
    )
    await upload(app, announced["uploadUrl"], data, "text/plain")
    media_id = announced["mediaId"]
    await call(app, "GET", f"/media/{media_id}", 200)
    await call(app, "GET", f"/media/{media_id}", 404, keys=other)
    await call(
        app,
        "PATCH",
        f"/media/{media_id}",
        404,
        keys=other,
        json={"uploadedAt": "2026-01-01T00:00:00Z", "uploadHttpStatus": 200},
    )
    # The other project announcing the same bytes gets its own record and upload.
    theirs = await call(
        app, "POST", "/media", 201, keys=other, json=announcement(data, contentType="text/plain")
    )
    assert theirs["mediaId"] == media_id
    assert theirs["uploadUrl"] and "/media-upload/" in theirs["uploadUrl"]
    assert app.project.id not in theirs["uploadUrl"]


async def test_openapi_document_lists_the_routes(app: EmbeddedApp) -> None:
    response = await app.client.get("/api/openapi/openapi.json")
    assert response.status_code == 200, response.text
    paths = response.json()["paths"]
    for path in (
        "/api/public/models",
        "/api/public/score-configs/{config_id}",
        "/api/public/media",
    ):
        assert path in paths
