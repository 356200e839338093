"""The public comments and annotation-queues APIs with API keys, in Langfuse's shapes.

One seeded app per module (``annotation_support``); every test makes queues of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from spyglass_core.domain.accounts import Role
from tests.plugins.accounts_support import add_user
from tests.plugins.annotation_support import Seeded, seeded_app

COMMENT_KEYS = {
    "id",
    "projectId",
    "createdAt",
    "updatedAt",
    "objectType",
    "objectId",
    "content",
    "authorUserId",
}
QUEUE_KEYS = {"id", "name", "description", "scoreConfigIds", "createdAt", "updatedAt"}
ITEM_KEYS = {
    "id",
    "queueId",
    "objectId",
    "objectType",
    "status",
    "completedAt",
    "createdAt",
    "updatedAt",
}


@pytest.fixture(scope="module")
async def seeded(tmp_path_factory: pytest.TempPathFactory, chdb_dsn: str) -> AsyncIterator[Seeded]:
    async with seeded_app(tmp_path_factory.mktemp("annotation-public"), chdb_dsn) as app:
        yield app


async def new_queue(seeded: Seeded, **fields: Any) -> dict[str, Any]:
    body = {"name": f"queue {uuid.uuid4().hex[:8]}", "scoreConfigIds": [seeded.configs["NUMERIC"]]}
    result: dict[str, Any] = await seeded.public("POST", "/annotation-queues", json=body | fields)
    return result


# --- comments -----------------------------------------------------------------------------


async def test_comment_is_created_read_and_listed(seeded: Seeded) -> None:
    owner = seeded.users[Role.OWNER]
    body = {
        "projectId": seeded.project,
        "objectType": "TRACE",
        "objectId": "t3",
        "content": "  Looks wrong ✓  ",
        "authorUserId": owner.id,
    }
    created = await seeded.public("POST", "/comments", json=body)
    assert set(created) == {"id"}
    comment = await seeded.public("GET", f"/comments/{created['id']}")
    assert set(comment) == COMMENT_KEYS
    assert comment["projectId"] == seeded.project
    assert (comment["objectType"], comment["objectId"], comment["content"]) == (
        "TRACE",
        "t3",
        "Looks wrong ✓",
    )
    assert comment["authorUserId"] == owner.id
    assert comment["createdAt"].endswith("Z")

    second = await seeded.public(
        "POST",
        "/comments",
        json={"objectType": "OBSERVATION", "objectId": "o1", "content": "no author"},
    )
    listed = await seeded.public(
        "GET", "/comments", params={"objectType": "TRACE", "objectId": "t3"}
    )
    assert [c["id"] for c in listed["data"]] == [created["id"]]
    assert listed["meta"] == {"page": 1, "limit": 50, "totalItems": 1, "totalPages": 1}
    mine = await seeded.public("GET", "/comments", params={"authorUserId": owner.id})
    assert created["id"] in [c["id"] for c in mine["data"]]
    assert second["id"] not in [c["id"] for c in mine["data"]]
    observation = await seeded.public("GET", f"/comments/{second['id']}")
    assert observation["authorUserId"] is None


async def test_comments_page_oldest_first(seeded: Seeded) -> None:
    ids = []
    for n in range(3):
        body = {"objectType": "SESSION", "objectId": "s1", "content": f"note {n}"}
        ids.append((await seeded.public("POST", "/comments", json=body))["id"])
    params = {"objectType": "SESSION", "objectId": "s1", "limit": 2}
    first = await seeded.public("GET", "/comments", params=params)
    second = await seeded.public("GET", "/comments", params=params | {"page": 2})
    assert [c["id"] for c in first["data"] + second["data"]] == ids
    assert first["meta"] == {"page": 1, "limit": 2, "totalItems": 3, "totalPages": 2}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"objectType": "DATASET", "objectId": "t1", "content": "x"}, 400),
        ({"objectType": "TRACE", "objectId": "t1", "content": "   "}, 400),
        ({"objectType": "TRACE", "objectId": "t1", "content": "x" * 5001}, 400),
        ({"objectType": "TRACE", "objectId": "t1"}, 400),
        ({"objectType": "TRACE", "objectId": "t1", "content": "x", "authorUserId": "nobody"}, 400),
        ({"objectType": "TRACE", "objectId": "no-such-trace", "content": "x"}, 404),
        ({"objectType": "OBSERVATION", "objectId": "no-such-obs", "content": "x"}, 404),
        ({"objectType": "SESSION", "objectId": "no-such-session", "content": "x"}, 404),
    ],
)
async def test_bad_comments_are_refused(seeded: Seeded, body: dict[str, Any], status: int) -> None:
    error = await seeded.public("POST", "/comments", status, json=body)
    assert set(error) == {"message", "error"}


async def test_comment_content_of_5000_characters_is_accepted(seeded: Seeded) -> None:
    body = {"objectType": "PROMPT", "objectId": "any-prompt", "content": "y" * 5000}
    created = await seeded.public("POST", "/comments", json=body)
    assert len((await seeded.public("GET", f"/comments/{created['id']}"))["content"]) == 5000


async def test_comment_filters_and_scoping(seeded: Seeded) -> None:
    await seeded.public("GET", "/comments", 400, params={"objectId": "t1"})
    await seeded.public("GET", "/comments", 400, params={"objectType": "NOPE"})
    await seeded.public("GET", "/comments", 400, params={"page": 0})
    await seeded.public("GET", "/comments", 400, params={"limit": 101})
    await seeded.public("GET", "/comments/does-not-exist", 404)
    body = {"objectType": "TRACE", "objectId": "t1", "content": "mine"}
    created = await seeded.public("POST", "/comments", json=body)
    await seeded.public("GET", f"/comments/{created['id']}", 404, keys=seeded.other_keys)
    elsewhere = await seeded.public("GET", "/comments", keys=seeded.other_keys)
    assert elsewhere["data"] == [] and elsewhere["meta"]["totalItems"] == 0


# --- queues -------------------------------------------------------------------------------


async def test_queue_is_created_read_and_listed_newest_first(seeded: Seeded) -> None:
    configs = [seeded.configs["NUMERIC"], seeded.configs["BOOLEAN"]]
    first = await new_queue(seeded, scoreConfigIds=configs, description="Check answers")
    second = await new_queue(seeded)
    assert set(first) == QUEUE_KEYS
    assert (first["description"], first["scoreConfigIds"]) == ("Check answers", configs)
    assert second["description"] is None
    assert await seeded.public("GET", f"/annotation-queues/{first['id']}") == first
    listed = await seeded.public("GET", "/annotation-queues", params={"limit": 1})
    assert listed["data"] == [second]
    assert listed["meta"]["limit"] == 1 and listed["meta"]["totalItems"] >= 2
    second_page = await seeded.public("GET", "/annotation-queues", params={"limit": 1, "page": 2})
    assert second_page["data"] == [first]


async def test_bad_queues_are_refused(seeded: Seeded) -> None:
    taken = await new_queue(seeded)
    conflict = await seeded.public(
        "POST",
        "/annotation-queues",
        409,
        json={"name": taken["name"], "scoreConfigIds": [seeded.configs["NUMERIC"]]},
    )
    assert conflict["message"] == "A queue with this name already exists."
    for body in (
        {"name": "no configs", "scoreConfigIds": []},
        {"name": "unknown config", "scoreConfigIds": ["no-such-config"]},
        {"name": "", "scoreConfigIds": [seeded.configs["NUMERIC"]]},
        {"scoreConfigIds": [seeded.configs["NUMERIC"]]},
    ):
        await seeded.public("POST", "/annotation-queues", 400, json=body)
    # Another project's configs are unknown here.
    await seeded.public(
        "POST",
        "/annotation-queues",
        400,
        keys=seeded.other_keys,
        json={"name": "foreign", "scoreConfigIds": [seeded.configs["NUMERIC"]]},
    )
    await seeded.public("GET", "/annotation-queues/does-not-exist", 404)
    await seeded.public("GET", f"/annotation-queues/{taken['id']}", 404, keys=seeded.other_keys)


# --- items --------------------------------------------------------------------------------


async def test_items_are_added_listed_updated_and_removed(seeded: Seeded) -> None:
    queue = await new_queue(seeded)
    items = f"/annotation-queues/{queue['id']}/items"
    first = await seeded.public("POST", items, json={"objectId": "t1", "objectType": "TRACE"})
    assert set(first) == ITEM_KEYS
    assert (first["queueId"], first["status"], first["completedAt"]) == (
        queue["id"],
        "PENDING",
        None,
    )
    again = await seeded.public("POST", items, json={"objectId": "t1", "objectType": "TRACE"})
    assert again == first
    done = await seeded.public(
        "POST", items, json={"objectId": "o1", "objectType": "OBSERVATION", "status": "COMPLETED"}
    )
    assert done["status"] == "COMPLETED" and done["completedAt"] is not None
    session = await seeded.public("POST", items, json={"objectId": "s1", "objectType": "SESSION"})

    listed = await seeded.public("GET", items)
    assert [i["id"] for i in listed["data"]] == [session["id"], done["id"], first["id"]]
    assert listed["meta"] == {"page": 1, "limit": 50, "totalItems": 3, "totalPages": 1}
    pending = await seeded.public("GET", items, params={"status": "PENDING", "limit": 1})
    assert [i["id"] for i in pending["data"]] == [session["id"]]
    assert pending["meta"]["totalPages"] == 2
    assert await seeded.public("GET", f"{items}/{first['id']}") == first

    completed = await seeded.public("PATCH", f"{items}/{first['id']}", json={"status": "COMPLETED"})
    assert completed["status"] == "COMPLETED" and completed["completedAt"] is not None
    reopened = await seeded.public("PATCH", f"{items}/{first['id']}", json={"status": "PENDING"})
    assert (reopened["status"], reopened["completedAt"]) == ("PENDING", None)
    unchanged = await seeded.public("PATCH", f"{items}/{first['id']}", json={})
    assert unchanged["status"] == "PENDING"

    removed = await seeded.public("DELETE", f"{items}/{first['id']}")
    assert removed == {"success": True, "message": "Annotation queue item deleted successfully"}
    await seeded.public("GET", f"{items}/{first['id']}", 404)
    await seeded.public("DELETE", f"{items}/{first['id']}", 404)


async def test_bad_items_are_refused(seeded: Seeded) -> None:
    queue = await new_queue(seeded)
    other = await new_queue(seeded)
    items = f"/annotation-queues/{queue['id']}/items"
    item = await seeded.public("POST", items, json={"objectId": "t2", "objectType": "TRACE"})
    for body in (
        {"objectId": "t1", "objectType": "PROMPT"},
        {"objectId": "t1", "objectType": "TRACE", "status": "DONE"},
        {"objectId": "", "objectType": "TRACE"},
        {"objectId": "x" * 801, "objectType": "TRACE"},
        {"objectType": "TRACE"},
    ):
        await seeded.public("POST", items, 400, json=body)
    await seeded.public("GET", items, 400, params={"status": "OPEN"})
    await seeded.public("PATCH", f"{items}/{item['id']}", 400, json={"status": "OPEN"})
    await seeded.public(
        "POST", "/annotation-queues/nope/items", 404, json={"objectId": "t1", "objectType": "TRACE"}
    )
    await seeded.public("GET", "/annotation-queues/nope/items", 404)
    # An item is reached through its own queue only, and from its own project only.
    await seeded.public("GET", f"/annotation-queues/{other['id']}/items/{item['id']}", 404)
    await seeded.public("GET", f"{items}/{item['id']}", 404, keys=seeded.other_keys)


# --- assignments --------------------------------------------------------------------------


async def test_assignments(seeded: Seeded) -> None:
    queue = await new_queue(seeded)
    path = f"/annotation-queues/{queue['id']}/assignments"
    member = seeded.users[Role.MEMBER]
    created = await seeded.public("POST", path, json={"userId": member.id})
    assert created == {"userId": member.id, "projectId": seeded.project, "queueId": queue["id"]}
    assert await seeded.public("POST", path, json={"userId": member.id}) == created
    stranger = await add_user(seeded.app, f"{uuid.uuid4().hex[:8]}@example.com", None, "none")
    await seeded.public("POST", path, 404, json={"userId": stranger.id})
    await seeded.public("POST", path, 400, json={})
    assert await seeded.public("DELETE", path, json={"userId": member.id}) == {"success": True}
    assert await seeded.public("DELETE", path, json={"userId": member.id}) == {"success": True}
    await seeded.public(
        "POST", "/annotation-queues/nope/assignments", 404, json={"userId": member.id}
    )
    await seeded.public(
        "DELETE", "/annotation-queues/nope/assignments", 404, json={"userId": member.id}
    )
