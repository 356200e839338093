"""The datasets plugin over HTTP on a real embedded container (SQLite), with API keys."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import spyglass_datasets
from spyglass_core.domain.api_keys import KeyPair
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

V2 = "/api/public/v2/datasets"
V1 = "/api/public/datasets"
ITEMS = "/api/public/dataset-items"
INT_SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}


@pytest.fixture
async def app(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[EmbeddedApp]:
    async with embedded_app(embedded_settings(tmp_path, chdb_dsn), [spyglass_datasets]) as running:
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


async def other_project_keys(app: EmbeddedApp) -> KeyPair:
    admin = await app.admin()
    project = await admin.create_project("Other")
    _, keys = await admin.create_api_key(project.id)
    return keys


async def test_create_get_and_list_datasets_in_langfuse_shapes(app: EmbeddedApp) -> None:
    # The SDK sends every key, nulls included.
    created = await call(
        app,
        "POST",
        V2,
        json={
            "name": "folder/qa",
            "description": "Questions",
            "metadata": {"k": 1},
            "inputSchema": None,
            "expectedOutputSchema": None,
        },
    )
    assert created["name"] == "folder/qa"
    assert created["projectId"] == app.project.id
    assert created["metadata"] == {"k": 1}
    assert {"id", "createdAt", "updatedAt", "inputSchema", "expectedOutputSchema"} <= set(created)

    assert await call(app, "GET", f"{V2}/folder%2Fqa") == created
    assert (await call(app, "GET", f"{V1}/folder/qa"))["id"] == created["id"]
    await call(app, "GET", f"{V2}/missing", 404)

    # Create again by name: an update (null keeps a field, a value replaces it).
    updated = await call(app, "POST", V1, json={"name": "folder/qa", "description": "New"})
    assert (updated["id"], updated["description"], updated["metadata"]) == (
        created["id"],
        "New",
        {"k": 1},
    )

    await call(app, "POST", V2, json={"name": "second"})
    listed = await call(app, "GET", V2, params={"limit": 1, "page": 2})
    assert listed["meta"] == {"page": 2, "limit": 1, "totalItems": 2, "totalPages": 2}
    assert [d["name"] for d in listed["data"]] == ["folder/qa"]
    assert (await call(app, "GET", V1))["meta"]["totalItems"] == 2
    await call(app, "GET", V2, 400, params={"limit": 0})


async def test_items_upsert_on_the_clients_id(app: EmbeddedApp) -> None:
    await call(app, "POST", V2, json={"name": "qa"})
    body = {
        "datasetName": "qa",
        "input": {"q": "2+2"},
        "expectedOutput": "4",
        "metadata": None,
        "sourceTraceId": "tr-1",
        "sourceObservationId": None,
        "id": "item-1",
        "status": None,
    }
    first = await call(app, "POST", ITEMS, json=body)
    assert first["status"] == "ACTIVE"
    assert first["mediaReferences"] == []
    assert first["datasetName"] == "qa"
    assert first["sourceTraceId"] == "tr-1"
    second = await call(
        app, "POST", ITEMS, json=body | {"input": {"q": "3+3"}, "status": "ARCHIVED"}
    )
    assert (second["input"], second["status"], second["createdAt"]) == (
        {"q": "3+3"},
        "ARCHIVED",
        first["createdAt"],
    )
    assert second["expectedOutput"] == "4"  # null kept it
    fetched = await call(app, "GET", f"{ITEMS}/item-1")
    assert fetched == second
    # Archived items leave the list but stay readable by id.
    assert (await call(app, "GET", ITEMS, params={"datasetName": "qa"}))["data"] == []

    generated = await call(app, "POST", ITEMS, json={"datasetName": "qa", "input": 1})
    assert generated["id"]
    await call(app, "POST", ITEMS, 404, json={"datasetName": "nope", "input": 1})
    await call(app, "POST", ITEMS, 400, json={"datasetName": "qa", "id": "x" * 256})


async def test_the_same_item_id_in_another_dataset_conflicts(app: EmbeddedApp) -> None:
    await call(app, "POST", V2, json={"name": "a"})
    await call(app, "POST", V2, json={"name": "b"})
    await call(app, "POST", ITEMS, json={"datasetName": "a", "id": "shared", "input": 1})
    conflict = await call(
        app, "POST", ITEMS, 409, json={"datasetName": "b", "id": "shared", "input": 2}
    )
    assert "another dataset" in conflict["message"]
    assert (await call(app, "GET", f"{ITEMS}/shared"))["input"] == 1


async def test_list_filters_paginates_and_deletes(app: EmbeddedApp) -> None:
    await call(app, "POST", V2, json={"name": "qa"})
    await call(app, "POST", V2, json={"name": "other"})
    for n in range(5):
        await call(
            app,
            "POST",
            ITEMS,
            json={"datasetName": "qa", "id": f"i{n}", "input": n, "sourceTraceId": f"t{n % 2}"},
        )
    await call(app, "POST", ITEMS, json={"datasetName": "other", "id": "o", "sourceTraceId": "t0"})

    pages = [
        await call(app, "GET", ITEMS, params={"datasetName": "qa", "limit": 2, "page": page})
        for page in (1, 2, 3)
    ]
    assert [[i["id"] for i in p["data"]] for p in pages] == [["i0", "i1"], ["i2", "i3"], ["i4"]]
    assert pages[0]["meta"] == {"page": 1, "limit": 2, "totalItems": 5, "totalPages": 3}
    by_trace = await call(app, "GET", ITEMS, params={"sourceTraceId": "t0"})
    assert sorted((i["id"], i["datasetName"]) for i in by_trace["data"]) == [
        ("i0", "qa"),
        ("i2", "qa"),
        ("i4", "qa"),
        ("o", "other"),
    ]
    await call(app, "GET", ITEMS, 404, params={"datasetName": "missing"})

    deleted = await call(app, "DELETE", f"{ITEMS}/i0")
    assert deleted == {"message": "Dataset item successfully deleted"}
    await call(app, "GET", f"{ITEMS}/i0", 404)
    await call(app, "DELETE", f"{ITEMS}/i0", 404)
    assert (await call(app, "GET", ITEMS, params={"datasetName": "qa"}))["meta"]["totalItems"] == 4

    legacy = await call(app, "GET", f"{V1}/qa")
    assert [i["id"] for i in legacy["items"]] == ["i1", "i2", "i3", "i4"]
    assert legacy["runs"] == []
    assert all(i["mediaReferences"] == [] for i in legacy["items"])


async def test_version_reads_the_items_as_they_were(app: EmbeddedApp) -> None:
    await call(app, "POST", V2, json={"name": "qa"})
    await call(app, "POST", ITEMS, json={"datasetName": "qa", "id": "i", "input": "old"})
    await asyncio.sleep(0.01)
    before_update = datetime.now(UTC)
    await asyncio.sleep(0.01)
    await call(app, "POST", ITEMS, json={"datasetName": "qa", "id": "i", "input": "new"})
    await call(app, "DELETE", f"{ITEMS}/i")

    def at(moment: datetime) -> dict[str, str]:
        return {"datasetName": "qa", "version": moment.isoformat()}

    then = await call(app, "GET", ITEMS, params=at(before_update))
    assert [i["input"] for i in then["data"]] == ["old"]
    assert then["meta"]["totalItems"] == 1
    assert (await call(app, "GET", ITEMS, params=at(datetime.now(UTC))))["data"] == []
    assert (await call(app, "GET", ITEMS, params=at(datetime(2000, 1, 1, tzinfo=UTC))))[
        "data"
    ] == []
    await call(app, "GET", ITEMS, 400, params={"version": before_update.isoformat()})
    await call(app, "GET", ITEMS, 400, params={"datasetName": "qa", "version": "yesterday"})


async def test_schemas_refuse_violating_items_and_name_the_violation(app: EmbeddedApp) -> None:
    await call(
        app,
        "POST",
        V2,
        json={
            "name": "typed",
            "inputSchema": INT_SCHEMA,
            "expectedOutputSchema": {"type": "string"},
        },
    )
    refused = await call(
        app, "POST", ITEMS, 400, json={"datasetName": "typed", "input": {"n": "one"}}
    )
    assert refused["error"] == ["input at $.n: 'one' is not of type 'integer'"]
    refused = await call(
        app,
        "POST",
        ITEMS,
        400,
        json={"datasetName": "typed", "input": {"n": 1}, "expectedOutput": 2},
    )
    assert refused["error"] == ["expectedOutput at $: 2 is not of type 'string'"]
    accepted = await call(
        app, "POST", ITEMS, json={"datasetName": "typed", "input": {"n": 1}, "expectedOutput": "1"}
    )
    assert accepted["input"] == {"n": 1}
    bad_schema = await call(app, "POST", V2, 400, json={"name": "x", "inputSchema": {"type": 5}})
    assert "inputSchema is not a valid JSON Schema" in bad_schema["message"]


async def test_adding_a_schema_that_items_break_lists_the_violations(app: EmbeddedApp) -> None:
    await call(app, "POST", V2, json={"name": "loose"})
    await call(app, "POST", ITEMS, json={"datasetName": "loose", "id": "ok", "input": {"n": 1}})
    await call(app, "POST", ITEMS, json={"datasetName": "loose", "id": "bad", "input": {"m": 1}})
    refused = await call(app, "POST", V2, 400, json={"name": "loose", "inputSchema": INT_SCHEMA})
    assert refused["error"] == ["item bad: input at $: 'n' is a required property"]
    assert (await call(app, "GET", f"{V2}/loose"))["inputSchema"] is None
    await call(app, "DELETE", f"{ITEMS}/bad")
    accepted = await call(app, "POST", V2, json={"name": "loose", "inputSchema": INT_SCHEMA})
    assert accepted["inputSchema"] == INT_SCHEMA


async def test_projects_are_isolated(app: EmbeddedApp) -> None:
    other = await other_project_keys(app)
    await call(app, "POST", V2, json={"name": "qa"})
    await call(app, "POST", ITEMS, json={"datasetName": "qa", "id": "same", "input": "mine"})

    await call(app, "GET", f"{V2}/qa", 404, keys=other)
    assert (await call(app, "GET", V2, keys=other))["data"] == []
    await call(app, "GET", f"{ITEMS}/same", 404, keys=other)
    await call(app, "DELETE", f"{ITEMS}/same", 404, keys=other)
    await call(app, "POST", ITEMS, 404, keys=other, json={"datasetName": "qa", "input": 1})
    assert (await call(app, "GET", ITEMS, keys=other, params={"sourceTraceId": "x"}))["data"] == []

    # The same name and item id in another project are independent.
    await call(app, "POST", V2, keys=other, json={"name": "qa"})
    theirs = await call(
        app, "POST", ITEMS, keys=other, json={"datasetName": "qa", "id": "same", "input": "theirs"}
    )
    assert theirs["input"] == "theirs"
    assert (await call(app, "GET", f"{ITEMS}/same"))["input"] == "mine"
    await call(app, "GET", V2, 401, keys=KeyPair(public_key="pk-lf-x", secret_key="sk-lf-x"))


async def test_dataset_tables_exist_only_with_the_plugin(tmp_path: Path, chdb_dsn: str) -> None:
    def tables(data_dir: Path) -> set[str]:
        engine = sa.create_engine(f"sqlite:///{data_dir / 'spyglass.db'}")
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
        engine.dispose()
        return names

    without, with_plugin = tmp_path / "without", tmp_path / "with"
    without.mkdir()
    with_plugin.mkdir()
    async with embedded_app(embedded_settings(without, chdb_dsn)) as bare:
        await call(bare, "GET", V2, 404)
    assert "projects" in tables(without)
    assert not {t for t in tables(without) if "dataset" in t}
    async with embedded_app(embedded_settings(with_plugin, chdb_dsn), [spyglass_datasets]) as alone:
        # Without a trace store the plugin still starts; reading traces says what is missing.
        missing = await alone.client.get(
            "/api/public/experiment-items",
            params={"fromStartTime": "2026-01-01T00:00:00Z"},
            auth=alone.auth(),
        )
        assert missing.status_code == 404 and "tracing plugin" in missing.text
    assert {"datasets", "dataset_item_versions", "dataset_runs", "dataset_run_items"} <= tables(
        with_plugin
    )
    assert "alembic_version_datasets" in tables(with_plugin)
