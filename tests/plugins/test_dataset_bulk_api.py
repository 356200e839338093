"""Bulk dataset routes on ``/api/internal`` (import, export, from traces) on a real embedded app.

Datasets are made through the public API with the project's key, as the SDKs do; the
bulk routes are called with a signed-in user's session, as the web UI does. Traces are
ingested through the public API and read back through core's ``TraceReader``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

import spyglass_datasets
import spyglass_tracing
from spyglass_adapters.queue import TaskiqTaskQueue
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.projects import User
from spyglass_datasets.services import bulk
from tests.plugins.accounts_support import SignedInClient, add_user, session_of
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

INT_SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
JSONL = {"content-type": "application/x-ndjson"}
CSV = {"content-type": "text/csv"}


class World(msgspec.Struct, kw_only=True):
    app: EmbeddedApp
    viewer: User
    member: User


@pytest.fixture
async def world(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[World]:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, [spyglass_datasets, spyglass_tracing]) as app:
        org_id = app.project.organization_id
        yield World(
            app=app,
            viewer=await add_user(app, "viewer@example.com", Role.VIEWER, org_id),
            member=await add_user(app, "member@example.com", Role.MEMBER, org_id),
        )


async def dataset(app: EmbeddedApp, name: str = "qa", **fields: Any) -> str:
    response = await app.client.post(
        "/api/public/v2/datasets", json={"name": name, **fields}, auth=app.auth()
    )
    assert response.status_code == 200, response.text
    return response.json()["id"]  # type: ignore[no-any-return]


async def public_items(app: EmbeddedApp, name: str = "qa") -> list[dict[str, Any]]:
    response = await app.client.get(
        "/api/public/dataset-items", params={"datasetName": name, "limit": 100}, auth=app.auth()
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def items_path(app: EmbeddedApp, dataset_id: str, project_id: str | None = None) -> str:
    return f"/api/internal/projects/{project_id or app.project.id}/datasets/{dataset_id}/items"


async def upload(
    user: SignedInClient,
    path: str,
    body: str | bytes,
    headers: dict[str, str],
    expected: int = 200,
    **params: str,
) -> dict[str, Any]:
    response = await user.client.post(
        f"{path}/import", content=body, headers={**headers, **user.csrf()}, params=params
    )
    assert response.status_code == expected, response.text
    return response.json()  # type: ignore[no-any-return]


def jsonl(*rows: Any) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


# --- import ---------------------------------------------------------------------------------


async def test_jsonl_import_stores_every_row_in_file_order(world: World) -> None:
    app = world.app
    qa = await dataset(app)
    body = jsonl(
        {"input": {"q": "2+2"}, "expectedOutput": "4", "metadata": {"src": "a"}},
        {"id": "fixed", "input": "hi", "sourceTraceId": "t-1", "status": "ARCHIVED"},
        {"input": [1, 2], "expectedOutput": None},
    )
    async with session_of(app, world.member) as member:
        assert await upload(member, items_path(app, qa), body, JSONL) == {"imported": 3}
    listed = await public_items(app)  # archived items are not listed
    assert [(i["input"], i["expectedOutput"], i["metadata"]) for i in listed] == [
        ({"q": "2+2"}, "4", {"src": "a"}),
        ([1, 2], None, None),
    ]
    fixed = await app.client.get("/api/public/dataset-items/fixed", auth=app.auth())
    assert fixed.json()["status"] == "ARCHIVED"
    assert fixed.json()["sourceTraceId"] == "t-1"


async def test_csv_import_parses_json_cells_and_keeps_other_text(world: World) -> None:
    app = world.app
    qa = await dataset(app)
    body = (
        "input,expectedOutput,metadata,id\r\n"
        '"{""q"": 1}",42,,row-a\r\n'
        'plain text,"multi\nline",{"k": [1]},\r\n'
    )
    async with session_of(app, world.member) as member:
        assert await upload(member, items_path(app, qa), body, CSV) == {"imported": 2}
        # ?format= wins over the content type.
        again = "input\r\nx\r\n"
        path = items_path(app, qa)
        assert await upload(member, path, again, {"content-type": "text/plain"}, format="csv") == {
            "imported": 1
        }
    listed = await public_items(app)
    assert [(i["id"], i["input"], i["expectedOutput"], i["metadata"]) for i in listed[:1]] == [
        ("row-a", {"q": 1}, 42, None)
    ]
    assert [(i["input"], i["expectedOutput"], i["metadata"]) for i in listed[1:]] == [
        ("plain text", "multi\nline", {"k": [1]}),
        ("x", None, None),
    ]


async def test_a_bad_row_imports_nothing_and_every_row_error_is_reported(world: World) -> None:
    app = world.app
    qa = await dataset(app, inputSchema=INT_SCHEMA)
    other = await dataset(app, "other")
    async with session_of(app, world.member) as member:
        await upload(member, items_path(app, other), jsonl({"id": "taken", "input": "x"}), JSONL)
        body = (
            jsonl({"input": {"n": 1}})  # line 1: fine
            + '{"input": {"n": 2}\n'  # line 2: bad JSON
            + "\n"  # line 3: blank, skipped
            + jsonl(
                {"input": {"n": "three"}},  # line 4: breaks the schema
                {"id": "taken", "input": {"n": 4}},  # line 5: id of another dataset
                {"input": {"n": 5}, "status": "GONE", "extra": 1},  # line 6: two errors
                {"id": "dup", "input": {"n": 6}},  # line 7
                {"id": "dup", "input": {"n": 7}},  # line 8: the same id again
                ["not", "an", "object"],  # line 9
            )
        )
        report = await upload(member, items_path(app, qa), body, JSONL, expected=400)
    assert report["imported"] == 0
    assert "moreErrors" not in report or report["moreErrors"] == 0
    errors = {(e["row"], e["field"]) for e in report["errors"]}
    assert errors == {
        (2, None),
        (4, "input"),
        (5, "id"),
        (6, "status"),
        (6, "extra"),
        (8, "id"),
        (9, None),
    }
    by_row = {e["row"]: e["message"] for e in report["errors"]}
    assert "Malformed JSON" in by_row[2]
    assert "input at $.n" in by_row[4]
    assert "row 7" in by_row[8]
    assert await public_items(app) == []  # atomic: not even line 1


async def test_csv_errors_name_the_line_the_record_starts_on(world: World) -> None:
    app = world.app
    qa = await dataset(app, expectedOutputSchema={"type": "string"})
    async with session_of(app, world.member) as member:
        path = items_path(app, qa)
        body = 'input,expectedOutput\r\n"a\nb",ok\r\n\r\nx,5\r\nx,ok,extra\r\n'
        report = await upload(member, path, body, CSV, expected=400)
        assert [(e["row"], e["field"]) for e in report["errors"]] == [
            (5, "expectedOutput"),
            (6, None),
        ]
        report = await upload(member, path, "input,colour\r\nx,red\r\n", CSV, expected=400)
        assert report["errors"] == [
            {"row": 1, "field": "colour", "message": report["errors"][0]["message"]}
        ]
        await upload(member, path, "input\n", {"content-type": "application/json"}, expected=400)
    assert await public_items(app) == []


async def test_the_error_list_is_capped_and_counts_the_rest(world: World) -> None:
    app = world.app
    qa = await dataset(app)
    async with session_of(app, world.member) as member:
        report = await upload(member, items_path(app, qa), "{\n" * 130, JSONL, expected=400)
    assert len(report["errors"]) == 100
    assert report["moreErrors"] == 30


async def test_an_upload_past_the_row_limit_is_refused(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "IMPORT_MAX_ROWS", 3)
    app = world.app
    qa = await dataset(app)
    async with session_of(app, world.member) as member:
        path = items_path(app, qa)
        assert await upload(member, path, jsonl(*([{"input": 1}] * 3)), JSONL) == {"imported": 3}
        body = jsonl(*([{"input": 1}] * 4))
        report = await upload(member, path, body, JSONL, expected=400)
    assert report["errors"] == [
        {"row": 4, "field": None, "message": "An upload holds at most 3 rows"}
    ]
    assert len(await public_items(app)) == 3


async def test_an_import_with_existing_ids_makes_new_versions(world: World) -> None:
    app = world.app
    qa = await dataset(app)
    async with session_of(app, world.member) as member:
        path = items_path(app, qa)
        await upload(member, path, jsonl({"id": "a", "input": 1, "metadata": {"m": 1}}), JSONL)
        await upload(member, path, jsonl({"id": "a", "input": 2}), JSONL)
    (item,) = await public_items(app)
    assert (item["input"], item["metadata"]) == (2, {"m": 1})  # a missing field keeps its value


# --- export ---------------------------------------------------------------------------------


async def test_export_streams_jsonl_that_imports_back_unchanged(world: World) -> None:
    app = world.app
    qa = await dataset(app, name="folder/qa é")
    rows = [
        {"id": f"i{n:04d}", "input": {"n": n}, "expectedOutput": [n], "metadata": None}
        for n in range(2500)  # more than one keyset page
    ]
    rows[3] |= {"status": "ARCHIVED", "sourceTraceId": "t", "sourceObservationId": "o"}
    async with session_of(app, world.member) as member:
        path = items_path(app, qa)
        await upload(member, path, jsonl(*rows), JSONL)
        response = await member.client.get(f"{path}/export")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/x-ndjson")
        assert response.headers["content-disposition"] == (
            "attachment; filename=\"folder_qa_.jsonl\"; filename*=UTF-8''folder%2Fqa%20%C3%A9.jsonl"
        )
        exported = response.text
        lines = [json.loads(line) for line in exported.splitlines()]
        assert [line["id"] for line in lines] == [row["id"] for row in rows]
        assert lines[3] == {
            "id": "i0003",
            "input": {"n": 3},
            "expectedOutput": [3],
            "metadata": None,
            "sourceTraceId": "t",
            "sourceObservationId": "o",
            "status": "ARCHIVED",
        }

        # Into another project's dataset (ids are per project): the same export comes out.
        admin = await app.admin()
        other = await admin.create_project("Other", organization_id=app.project.organization_id)
        response = await app.client.post(
            "/api/public/v2/datasets",
            json={"name": "copy"},
            auth=app.auth((await admin.create_api_key(other.id))[1]),
        )
        copy_path = items_path(app, response.json()["id"], other.id)
        assert await upload(member, copy_path, exported, JSONL) == {"imported": 2500}
        copied = await member.client.get(f"{copy_path}/export")
        assert copied.text == exported
        # And into the same dataset: a new version of each item, with the same content.
        assert await upload(member, path, exported, JSONL) == {"imported": 2500}
        assert (await member.client.get(f"{path}/export")).text == exported


# --- access ---------------------------------------------------------------------------------


async def test_viewers_export_but_do_not_write_and_other_projects_see_no_dataset(
    world: World,
) -> None:
    app = world.app
    qa = await dataset(app)
    admin = await app.admin()
    other = await admin.create_project("Other", organization_id=app.project.organization_id)
    async with session_of(app, world.viewer) as viewer:
        await upload(viewer, items_path(app, qa), jsonl({"input": 1}), JSONL, expected=403)
        response = await viewer.client.post(
            f"{items_path(app, qa)}/from-traces", json={"traceIds": ["t"]}, headers=viewer.csrf()
        )
        assert response.status_code == 403
        assert (await viewer.client.get(f"{items_path(app, qa)}/export")).status_code == 200
    async with session_of(app, world.member) as member:
        elsewhere = items_path(app, qa, other.id)
        await upload(member, elsewhere, jsonl({"input": 1}), JSONL, expected=404)
        assert (await member.client.get(f"{elsewhere}/export")).status_code == 404
        response = await member.client.post(
            f"{elsewhere}/from-traces", json={"traceIds": ["t"]}, headers=member.csrf()
        )
        assert response.status_code == 404
    assert await public_items(app) == []


# --- from traces ----------------------------------------------------------------------------


async def ingest(app: EmbeddedApp, *events: dict[str, Any]) -> None:
    batch = [
        {"id": f"e{n}", "timestamp": "2026-12-01T12:00:00Z", **event}
        for n, event in enumerate(events)
    ]
    sent = await app.client.post("/api/public/ingestion", json={"batch": batch}, auth=app.auth())
    assert sent.status_code == 207, sent.text
    queue = await app.container.get(TaskiqTaskQueue)
    await queue.broker.wait_all()  # type: ignore[attr-defined]


def trace(trace_id: str, at: str, **body: Any) -> dict[str, Any]:
    return {"type": "trace-create", "body": {"id": trace_id, "timestamp": at, **body}}


async def from_traces(
    user: SignedInClient, path: str, body: dict[str, Any], expected: int = 200
) -> dict[str, Any]:
    response = await user.client.post(f"{path}/from-traces", json=body, headers=user.csrf())
    assert response.status_code == expected, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_items_from_traces_by_ids_by_observations_and_by_filter(world: World) -> None:
    app = world.app
    await ingest(
        app,
        trace("t1", "2026-12-01T10:00:00Z", name="chat", userId="u1", input={"q": 1}, output="a1"),
        trace("t2", "2026-12-01T11:00:00Z", name="chat", userId="u2", input="plain", tags=["x"]),
        trace("t3", "2026-12-01T12:00:00Z", name="other", userId="u1", output={"o": 3}),
        {
            "type": "generation-create",
            "body": {"id": "g1", "traceId": "t1", "name": "llm", "input": [1], "output": "g"},
        },
    )
    qa = await dataset(app)
    path = items_path(app, qa)
    async with session_of(app, world.member) as member:
        made = await from_traces(member, path, {"traceIds": ["t2", "t1", "t2"]})
        assert made["imported"] == 2 and len(made["itemIds"]) == 2
        made = await from_traces(member, path, {"observationIds": ["g1"]})
        assert made["imported"] == 1
        made = await from_traces(member, path, {"filter": {"userId": "u1"}})
        assert made["imported"] == 2  # t3, then t1: newest first
        made = await from_traces(
            member, path, {"filter": {"name": "chat", "tags": ["x"], "environment": "default"}}
        )
        assert made["imported"] == 1
        made = await from_traces(
            member, path, {"filter": {"fromTimestamp": "2026-12-01T10:30:00Z"}}
        )
        assert made["imported"] == 2
    listed = [
        (i["sourceTraceId"], i["sourceObservationId"], i["input"], i["expectedOutput"])
        for i in await public_items(app)
    ]
    assert listed == [
        ("t2", None, "plain", None),
        ("t1", None, {"q": 1}, "a1"),
        ("t1", "g1", [1], "g"),
        ("t3", None, None, {"o": 3}),
        ("t1", None, {"q": 1}, "a1"),
        ("t2", None, "plain", None),
        ("t3", None, None, {"o": 3}),
        ("t2", None, "plain", None),
    ]
    assert all(i["metadata"] is None for i in await public_items(app))


async def test_unknown_sources_and_schema_breaks_are_reported_per_id_and_make_nothing(
    world: World,
) -> None:
    app = world.app
    await ingest(
        app,
        trace("t1", "2026-12-01T10:00:00Z", input={"n": 1}),
        trace("t2", "2026-12-01T11:00:00Z", input={"n": "two"}),
    )
    qa = await dataset(app, inputSchema=INT_SCHEMA)
    path = items_path(app, qa)
    async with session_of(app, world.member) as member:
        report = await from_traces(member, path, {"traceIds": ["t1", "nope"]}, expected=400)
        assert report == {
            "imported": 0,
            "errors": [{"id": "nope", "message": "No such trace in the project"}],
        }
        report = await from_traces(member, path, {"traceIds": ["t1", "t2"]}, expected=400)
        assert [e["id"] for e in report["errors"]] == ["t2"]
        report = await from_traces(member, path, {"observationIds": ["t1"]}, expected=400)
        assert report["errors"][0]["message"] == "No such observation in the project"
        await from_traces(member, path, {}, expected=400)
        await from_traces(member, path, {"traceIds": ["t1"], "filter": {}}, expected=400)
        await from_traces(member, path, {"filter": {"user_id": "u"}}, expected=400)
        await from_traces(member, path, {"traceIds": [f"t{n}" for n in range(1001)]}, 400)
    assert await public_items(app) == []
