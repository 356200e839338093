"""Dataset runs over HTTP: run items create runs; runs list, read and delete (Langfuse shapes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import spyglass_datasets
from spyglass_core.domain.api_keys import KeyPair
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

V1 = "/api/public/datasets"
RUN_ITEMS = "/api/public/dataset-run-items"


@pytest.fixture
async def app(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[EmbeddedApp]:
    async with embedded_app(embedded_settings(tmp_path, chdb_dsn), [spyglass_datasets]) as running:
        await call(running, "POST", "/api/public/v2/datasets", json={"name": "folder/qa"})
        for item_id in ("i1", "i2"):
            await call(
                running,
                "POST",
                "/api/public/dataset-items",
                json={"datasetName": "folder/qa", "id": item_id, "input": item_id},
            )
        yield running


async def call(
    app: EmbeddedApp,
    method: str,
    path: str,
    expected: int = 200,
    keys: KeyPair | None = None,
    **kwargs: Any,
) -> Any:
    response = await app.client.request(method, path, auth=app.auth(keys), **kwargs)
    assert response.status_code == expected, response.text
    return response.json()


async def link(app: EmbeddedApp, expected: int = 200, **body: Any) -> Any:
    return await call(app, "POST", RUN_ITEMS, expected, json=body)


async def test_a_run_item_creates_the_run_and_later_ones_join_it(app: EmbeddedApp) -> None:
    # What the v2 SDK's item.link sends.
    first = await link(
        app,
        runName="run/1",
        runDescription="rd",
        metadata={"r": 1},
        datasetItemId="i1",
        traceId="tr-1",
        observationId=None,
    )
    assert first["datasetRunName"] == "run/1"
    assert first["datasetItemId"] == "i1"
    assert (first["traceId"], first["observationId"]) == ("tr-1", None)
    assert {"id", "datasetRunId", "createdAt", "updatedAt"} <= set(first)
    second = await link(app, runName="run/1", datasetItemId="i2", observationId="ob-2")
    assert second["datasetRunId"] == first["datasetRunId"]

    run = await call(app, "GET", f"{V1}/folder%2Fqa/runs/run%2F1")
    assert (run["name"], run["description"], run["metadata"]) == ("run/1", "rd", {"r": 1})
    assert run["datasetName"] == "folder/qa"
    assert [(i["datasetItemId"], i["traceId"]) for i in run["datasetRunItems"]] == [
        ("i1", "tr-1"),
        ("i2", None),
    ]
    # A later link updates the run's description, keeping what it does not send.
    await link(app, runName="run/1", datasetItemId="i1", traceId="t", runDescription="new")
    run = await call(app, "GET", f"{V1}/folder%2Fqa/runs/run%2F1")
    assert (run["description"], run["metadata"], len(run["datasetRunItems"])) == (
        "new",
        {"r": 1},
        3,
    )

    dataset = await call(app, "GET", f"{V1}/folder%2Fqa")
    assert dataset["runs"] == ["run/1"]
    assert [i["id"] for i in dataset["items"]] == ["i1", "i2"]

    page = await call(
        app,
        "GET",
        RUN_ITEMS,
        params={"datasetId": dataset["id"], "runName": "run/1", "limit": 2, "page": 2},
    )
    assert page["meta"] == {"page": 2, "limit": 2, "totalItems": 3, "totalPages": 2}
    assert [i["traceId"] for i in page["data"]] == ["t"]


async def test_run_items_are_refused_without_a_subject_or_item(app: EmbeddedApp) -> None:
    refused = await link(app, 400, runName="r", datasetItemId="i1")
    assert "traceId" in refused["message"]
    await link(app, 404, runName="r", datasetItemId="missing", traceId="t")
    await link(app, 400, runName="", datasetItemId="i1", traceId="t")
    await call(app, "GET", f"{V1}/folder%2Fqa/runs/r", 404)


async def test_runs_list_newest_first_and_delete_with_their_items(app: EmbeddedApp) -> None:
    for name in ("a", "b", "c"):
        await link(app, runName=name, datasetItemId="i1", traceId=f"t-{name}")
    listed = await call(app, "GET", f"{V1}/folder%2Fqa/runs", params={"limit": 2})
    assert [r["name"] for r in listed["data"]] == ["c", "b"]
    assert listed["meta"] == {"page": 1, "limit": 2, "totalItems": 3, "totalPages": 2}
    assert all(r["datasetName"] == "folder/qa" for r in listed["data"])

    deleted = await call(app, "DELETE", f"{V1}/folder%2Fqa/runs/b")
    assert deleted == {"message": "Dataset run successfully deleted"}
    await call(app, "DELETE", f"{V1}/folder%2Fqa/runs/b", 404)
    await call(app, "DELETE", f"{V1}/folder%2Fqa", 404)
    assert (await call(app, "GET", f"{V1}/folder%2Fqa"))["runs"] == ["c", "a"]
    await call(app, "GET", f"{V1}/missing/runs", 404)
    # Deleting an item keeps the run items that name it.
    await call(app, "DELETE", "/api/public/dataset-items/i1")
    run = await call(app, "GET", f"{V1}/folder%2Fqa/runs/a")
    assert [i["datasetItemId"] for i in run["datasetRunItems"]] == ["i1"]


async def test_runs_are_isolated_between_projects(app: EmbeddedApp) -> None:
    await link(app, runName="r", datasetItemId="i1", traceId="t")
    admin = await app.admin()
    project = await admin.create_project("Other")
    _, other = await admin.create_api_key(project.id)
    dataset_id = (await call(app, "GET", f"{V1}/folder%2Fqa"))["id"]

    await call(app, "GET", f"{V1}/folder%2Fqa/runs", 404, keys=other)
    await call(app, "GET", f"{V1}/folder%2Fqa/runs/r", 404, keys=other)
    await call(app, "DELETE", f"{V1}/folder%2Fqa/runs/r", 404, keys=other)
    await call(
        app,
        "POST",
        RUN_ITEMS,
        404,
        keys=other,
        json={"runName": "r", "datasetItemId": "i1", "traceId": "t"},
    )
    await call(
        app, "GET", RUN_ITEMS, 404, keys=other, params={"datasetId": dataset_id, "runName": "r"}
    )
    assert len((await call(app, "GET", f"{V1}/folder%2Fqa/runs/r"))["datasetRunItems"]) == 1
