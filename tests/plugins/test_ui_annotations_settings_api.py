"""Annotation scores and project settings through the internal API, on both analytics
stores: scores take the public ingestion path and its config checks; settings reuse the
public score-config and model services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from spyglass_core.domain.accounts import Role
from spyglass_core.domain.tracing import Observation, ObservationType, Trace
from spyglass_tracing.services.project_settings import MANAGED_MODEL_DELETE
from tests.plugins.accounts_support import SignedInClient, session_of
from tests.plugins.ui_detail_support import STORES, UiWorld, ui_world

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=STORES)
async def world(
    request: pytest.FixtureRequest, tmp_path: Path, chdb_dsn: str
) -> AsyncIterator[UiWorld]:
    async with ui_world(tmp_path, chdb_dsn, request.param) as world:
        project = world.project
        await world.store.upsert_traces(
            [Trace(id="t1", project_id=project, timestamp=T0, environment="production")]
        )
        await world.store.upsert_observations(
            [
                Observation(
                    id="o1",
                    trace_id="t1",
                    project_id=project,
                    type=ObservationType.SPAN,
                    start_time=T0,
                    environment="production",
                ),
            ]
        )
        yield world


async def call(
    world: UiWorld, role: Role, method: str, path: str, expected: int, body: Any = None
) -> Any:
    async with session_of(world.app, world.users[role]) as signed_in:
        response = await request(signed_in, method, world.url(path), body)
    assert response.status_code == expected, response.text
    return response.json() if response.content else None


async def request(signed_in: SignedInClient, method: str, url: str, body: Any) -> Any:
    headers = signed_in.csrf() if method != "GET" else {}
    return await signed_in.client.request(method, url, json=body, headers=headers)


async def create_config(world: UiWorld, **body: Any) -> dict[str, Any]:
    created: dict[str, Any] = await call(world, Role.ADMIN, "POST", "/score-configs", 201, body)
    return created


async def public_scores(world: UiWorld, **params: Any) -> list[dict[str, Any]]:
    response = await world.app.client.get(
        "/api/public/v2/scores", params=params, auth=world.app.auth()
    )
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


# --- annotation scores --------------------------------------------------------------------


async def test_an_annotation_is_ingested_with_source_and_author(world: UiWorld) -> None:
    config = await create_config(world, name="helpful", dataType="NUMERIC", minValue=0, maxValue=5)
    body = {"traceId": "t1", "name": "ignored", "value": 4, "configId": config["id"],
            "comment": "clear answer"}  # fmt: skip
    created = await call(world, Role.MEMBER, "POST", "/scores", 201, body)
    await world.settle()
    (score,) = await public_scores(world, scoreIds=created["id"])
    member = world.users[Role.MEMBER]
    assert {k: score[k] for k in ("source", "authorUserId", "name", "value", "traceId")} == {
        "source": "ANNOTATION",
        "authorUserId": member.id,
        "name": "helpful",  # the config's name wins, as on the public API
        "value": 4.0,
        "traceId": "t1",
    }
    assert (score["comment"], score["configId"], score["environment"]) == (
        "clear answer",
        config["id"],
        "production",
    )
    detail = await call(world, Role.VIEWER, "GET", "/traces/t1", 200)
    assert [(s["id"], s["source"], s["authorUserId"]) for s in detail["scores"]] == [
        (created["id"], "ANNOTATION", member.id)
    ]

    await call(world, Role.MEMBER, "DELETE", f"/scores/{created['id']}", 204)
    assert await public_scores(world, scoreIds=created["id"]) == []


async def test_observation_and_categorical_annotations(world: UiWorld) -> None:
    config = await create_config(
        world,
        name="tone",
        dataType="CATEGORICAL",
        categories=[{"label": "polite", "value": 1}, {"label": "rude", "value": 0}],
    )
    body = {"observationId": "o1", "name": "tone", "value": "polite", "configId": config["id"]}
    created = await call(world, Role.ADMIN, "POST", "/scores", 201, body)
    await world.settle()
    (score,) = await public_scores(world, scoreIds=created["id"])
    # The observation's trace was looked up: a score needs a trace to belong to.
    assert (score["traceId"], score["observationId"]) == ("t1", "o1")
    assert (score["dataType"], score["stringValue"]) == ("CATEGORICAL", "polite")
    assert score["authorUserId"] == world.users[Role.ADMIN].id


async def test_scores_breaking_their_config_are_400(world: UiWorld) -> None:
    numeric = await create_config(world, name="stars", dataType="NUMERIC", minValue=1, maxValue=5)
    boolean = await create_config(world, name="ok", dataType="BOOLEAN")
    archived = await create_config(world, name="old", dataType="NUMERIC")
    await call(world, Role.ADMIN, "PATCH", f"/score-configs/{archived['id']}", 200,
               {"isArchived": True})  # fmt: skip
    cases = [
        ({"value": 9, "configId": numeric["id"]}, "above the config's maximum"),
        ({"value": "good", "configId": numeric["id"]}, "does not match config dataType"),
        ({"value": 1, "configId": archived["id"]}, "is archived"),
        ({"value": 1, "configId": "no-such-config"}, "not found"),
        ({"value": 2, "dataType": "BOOLEAN", "configId": boolean["id"]}, "0 or 1"),
        ({"value": 1}, "configId"),  # every ANNOTATION score names its config
        ({"value": 1, "dataType": "TEXT", "configId": numeric["id"]}, "dataType"),
    ]
    for fields, problem in cases:
        body = {"traceId": "t1", "name": "n"} | fields
        answer = await call(world, Role.MEMBER, "POST", "/scores", 400, body)
        assert problem in str(answer), (fields, answer)
    subjectless = {"name": "n", "value": 1, "configId": numeric["id"]}
    answer = await call(world, Role.MEMBER, "POST", "/scores", 400, subjectless)
    assert "traceId" in str(answer)
    await world.settle()
    assert await public_scores(world) == []


async def test_viewers_may_not_write_scores(world: UiWorld) -> None:
    config = await create_config(world, name="stars", dataType="NUMERIC")
    body = {"traceId": "t1", "name": "stars", "value": 3, "configId": config["id"]}
    await call(world, Role.VIEWER, "POST", "/scores", 403, body)
    created = await call(world, Role.MEMBER, "POST", "/scores", 201, body)
    await call(world, Role.VIEWER, "DELETE", f"/scores/{created['id']}", 403)
    await world.settle()
    assert [s["id"] for s in await public_scores(world)] == [created["id"]]


# --- settings -----------------------------------------------------------------------------


async def test_score_config_settings(world: UiWorld) -> None:
    first = await create_config(world, name="first", dataType="NUMERIC", description="d")
    second = await create_config(world, name="second", dataType="BOOLEAN")
    assert [c["label"] for c in second["categories"]] == ["True", "False"]
    patched = await call(world, Role.ADMIN, "PATCH", f"/score-configs/{first['id']}", 200,
                         {"isArchived": True, "description": None})  # fmt: skip
    assert (patched["isArchived"], patched["description"]) == (True, None)
    listed = await call(world, Role.VIEWER, "GET", "/score-configs", 200)
    assert [(c["id"], c["isArchived"]) for c in listed] == [
        (second["id"], False),
        (first["id"], True),
    ]
    assert listed[1] == patched


async def test_score_config_writes_are_checked_and_for_admins(world: UiWorld) -> None:
    bad = [
        {"name": "x", "dataType": "CATEGORICAL"},
        {"name": "x", "dataType": "NUMERIC", "minValue": 5, "maxValue": 1},
        {"name": "x" * 40, "dataType": "NUMERIC"},
        {"name": "x", "dataType": "DATE"},
    ]
    for body in bad:
        await call(world, Role.ADMIN, "POST", "/score-configs", 400, body)
    await call(
        world, Role.MEMBER, "POST", "/score-configs", 403, {"name": "x", "dataType": "NUMERIC"}
    )
    config = await create_config(world, name="x", dataType="NUMERIC")
    await call(
        world, Role.MEMBER, "PATCH", f"/score-configs/{config['id']}", 403, {"isArchived": True}
    )
    await call(world, Role.ADMIN, "PATCH", "/score-configs/nope", 404, {"isArchived": True})


async def test_model_settings(world: UiWorld) -> None:
    body = {"modelName": "my-model", "matchPattern": "(?i)^my-model$", "inputPrice": 0.001,
            "outputPrice": 0.002}  # fmt: skip
    await call(world, Role.MEMBER, "POST", "/models", 403, body)
    created = await call(world, Role.ADMIN, "POST", "/models", 201, body)
    assert (created["inputPrice"], created["isLangfuseManaged"]) == (0.001, False)
    await call(world, Role.ADMIN, "POST", "/models", 409, body)
    await call(world, Role.ADMIN, "POST", "/models", 400, body | {"matchPattern": "("})

    listed = await call(world, Role.VIEWER, "GET", "/models", 200)
    own = [m for m in listed if not m["isLangfuseManaged"]]
    managed = [m for m in listed if m["isLangfuseManaged"]]
    assert [m["id"] for m in own] == [created["id"]] and listed[0] == created
    assert len(managed) > 20 and any(m["inputPrice"] is not None for m in managed)

    refused = await call(world, Role.ADMIN, "DELETE", f"/models/{managed[0]['id']}", 403)
    assert refused["message"] == MANAGED_MODEL_DELETE
    await call(world, Role.MEMBER, "DELETE", f"/models/{created['id']}", 403)
    await call(world, Role.ADMIN, "DELETE", f"/models/{created['id']}", 204)
    await call(world, Role.ADMIN, "DELETE", f"/models/{created['id']}", 404)
