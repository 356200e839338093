"""The datasets plugin's ``/api/internal`` routes (the web UI's) on a real embedded app.

Datasets, items and runs are made through the public API where the SDKs would make them,
and read and written through the internal routes with signed-in users' sessions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

import spyglass_datasets
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.projects import User
from tests.plugins.accounts_support import SignedInClient, add_user, session_of
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings


class World(msgspec.Struct, kw_only=True):
    app: EmbeddedApp
    viewer: User
    member: User

    @property
    def base(self) -> str:
        return f"/api/internal/projects/{self.app.project.id}"


@pytest.fixture
async def world(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[World]:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, [spyglass_datasets]) as app:
        org_id = app.project.organization_id
        yield World(
            app=app,
            viewer=await add_user(app, "viewer@example.com", Role.VIEWER, org_id),
            member=await add_user(app, "member@example.com", Role.MEMBER, org_id),
        )


async def call(
    user: SignedInClient, method: str, path: str, expected: int = 200, **kwargs: Any
) -> Any:
    headers = user.csrf() if method != "GET" else {}
    response = await user.client.request(method, path, headers=headers, **kwargs)
    assert response.status_code == expected, response.text
    return response.json() if response.content else None


async def public(app: EmbeddedApp, path: str, body: Any) -> Any:
    response = await app.client.post(path, json=body, auth=app.auth())
    assert response.status_code == 200, response.text
    return response.json()


async def test_datasets_are_listed_created_and_read(world: World) -> None:
    await public(world.app, "/api/public/v2/datasets", {"name": "older"})
    async with session_of(world.app, world.member) as member:
        made = await call(
            member,
            "POST",
            f"{world.base}/datasets",
            201,
            json={
                "name": "team/qa",
                "description": "d",
                "metadata": {"k": 1},
                "inputSchema": {"type": "object"},
            },
        )
        assert (made["name"], made["description"], made["metadata"]) == ("team/qa", "d", {"k": 1})
        assert made["inputSchema"] == {"type": "object"}
        await call(member, "POST", f"{world.base}/datasets", 409, json={"name": "team/qa"})
        await call(member, "POST", f"{world.base}/datasets", 400, json={"name": ""})
        first = await call(member, "GET", f"{world.base}/datasets", params={"limit": 1})
        assert [d["name"] for d in first["items"]] == ["team/qa"]
        rest = await call(
            member,
            "GET",
            f"{world.base}/datasets",
            params={"limit": 1, "cursor": first["nextCursor"]},
        )
        assert ([d["name"] for d in rest["items"]], rest["nextCursor"]) == (["older"], None)
        # A schema is checked on the items created here as on the public API.
        await call(
            member, "POST", f"{world.base}/datasets/{made['id']}/items", 400, json={"input": 3}
        )
        detail = await call(member, "GET", f"{world.base}/datasets/{made['id']}")
        assert (detail["itemCount"], detail["runCount"]) == (0, 0)
    async with session_of(world.app, world.viewer) as viewer:
        await call(viewer, "POST", f"{world.base}/datasets", 403, json={"name": "nope"})
        assert len((await call(viewer, "GET", f"{world.base}/datasets"))["items"]) == 2


async def test_items_page_by_keyset_keep_their_versions_and_archive(world: World) -> None:
    dataset = await public(world.app, "/api/public/v2/datasets", {"name": "qa"})
    items = f"{world.base}/datasets/{dataset['id']}/items"
    async with session_of(world.app, world.member) as member:
        for n in range(3):
            await call(member, "POST", items, 201, json={"id": f"a/{n}", "input": n})
        await call(member, "POST", items, 409, json={"id": "a/0", "input": "again"})
        made = await call(
            member,
            "POST",
            items,
            201,
            json={
                "input": {"q": 1},
                "expectedOutput": "x",
                "sourceTraceId": "t1",
                "sourceObservationId": "o1",
            },
        )
        assert (made["sourceTraceId"], made["sourceObservationId"], made["version"]) == (
            "t1",
            "o1",
            1,
        )
        page = await call(member, "GET", items, params={"limit": 2})
        assert [i["id"] for i in page["items"]] == ["a/0", "a/1"]
        page = await call(member, "GET", items, params={"limit": 2, "cursor": page["nextCursor"]})
        assert [i["id"] for i in page["items"]] == ["a/2", made["id"]]
        assert page["nextCursor"] is None
        # An update makes version 2; archiving version 3; the history keeps all three.
        item = f"{world.base}/dataset-items/a%2F1"
        updated = await call(member, "PATCH", item, json={"expectedOutput": "one"})
        assert (updated["version"], updated["input"], updated["expectedOutput"]) == (2, 1, "one")
        archived = await call(member, "PATCH", item, json={"status": "ARCHIVED"})
        assert archived["status"] == "ARCHIVED"
        listed = await call(member, "GET", items)
        assert "a/1" not in [i["id"] for i in listed["items"]]
        with_archived = await call(member, "GET", items, params={"includeArchived": "true"})
        assert "a/1" in [i["id"] for i in with_archived["items"]]
        history = await call(member, "GET", item)
        assert (history["id"], history["datasetName"], history["current"]["status"]) == (
            "a/1",
            "qa",
            "ARCHIVED",
        )
        versions = history["versions"]
        assert [(v["version"], v["expectedOutput"], v["status"]) for v in versions] == [
            (3, "one", "ARCHIVED"),
            (2, "one", "ACTIVE"),
            (1, None, "ACTIVE"),
        ]
        assert versions[0]["validTo"] is None
        assert versions[1]["validTo"] == versions[0]["validFrom"]
        await call(member, "GET", f"{world.base}/dataset-items/nope", 404)
    async with session_of(world.app, world.viewer) as viewer:
        await call(viewer, "GET", item)
        await call(viewer, "PATCH", item, 403, json={"status": "ACTIVE"})
        await call(viewer, "POST", items, 403, json={"input": 1})


async def test_runs_list_with_item_counts_and_delete(world: World) -> None:
    dataset = await public(world.app, "/api/public/v2/datasets", {"name": "qa"})
    for item_id in ("i1", "i2"):
        await public(world.app, "/api/public/dataset-items", {"datasetName": "qa", "id": item_id})
    for run, item_id in (("r1", "i1"), ("r1", "i2"), ("r2", "i1")):
        await public(
            world.app,
            "/api/public/dataset-run-items",
            {"runName": run, "datasetItemId": item_id, "traceId": f"t-{run}-{item_id}"},
        )
    runs = f"{world.base}/datasets/{dataset['id']}/runs"
    async with session_of(world.app, world.viewer) as viewer:
        listed = await call(viewer, "GET", runs)
        assert [(r["name"], r["itemCount"]) for r in listed["items"]] == [("r2", 1), ("r1", 2)]
        r2 = listed["items"][0]["id"]
        await call(viewer, "DELETE", f"{runs}/{r2}", 403)
        detail = await call(viewer, "GET", f"{world.base}/datasets/{dataset['id']}")
        assert (detail["itemCount"], detail["runCount"]) == (2, 2)
    async with session_of(world.app, world.member) as member:
        await call(member, "DELETE", f"{runs}/{r2}", 204)
        await call(member, "DELETE", f"{runs}/{r2}", 404)
        assert [r["name"] for r in (await call(member, "GET", runs))["items"]] == ["r1"]


async def test_another_projects_datasets_are_not_found(world: World) -> None:
    app = world.app
    dataset = await public(app, "/api/public/v2/datasets", {"name": "qa"})
    await public(app, "/api/public/dataset-items", {"datasetName": "qa", "id": "i1"})
    admin = await app.admin()
    other = await admin.create_project("Other", organization_id=app.project.organization_id)
    base = f"/api/internal/projects/{other.id}"
    async with session_of(app, world.member) as member:
        assert (await call(member, "GET", f"{base}/datasets"))["items"] == []
        await call(member, "GET", f"{base}/datasets/{dataset['id']}", 404)
        await call(member, "GET", f"{base}/datasets/{dataset['id']}/items", 404)
        await call(member, "GET", f"{base}/dataset-items/i1", 404)
        await call(member, "POST", f"{base}/datasets/{dataset['id']}/items", 404, json={"input": 1})
        await call(member, "PATCH", f"{base}/dataset-items/i1", 404, json={"input": 2})
        # Comparing runs needs the tracing plugin, which this app does not have.
        compare = f"{world.base}/datasets/{dataset['id']}/compare"
        await call(member, "GET", compare, 404, params={"runIds": "r"})
