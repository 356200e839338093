"""The web UI's annotation-queue and comment routes, with signed-in users of each role.

One seeded app per module (``annotation_support``); every test makes queues of its own.
A queue is worked through to the end, and its scores are then read on the public API.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from spyglass_core.domain.accounts import Role
from tests.plugins.accounts_support import SignedInClient, session_of
from tests.plugins.annotation_support import Seeded, seeded_app, settle


@pytest.fixture(scope="module")
async def seeded(tmp_path_factory: pytest.TempPathFactory, chdb_dsn: str) -> AsyncIterator[Seeded]:
    async with seeded_app(tmp_path_factory.mktemp("annotation-internal"), chdb_dsn) as app:
        yield app


async def call(
    who: SignedInClient, method: str, url: str, expected: int = 200, **kwargs: Any
) -> Any:
    headers = who.csrf() if method not in ("GET", "HEAD") else {}
    response = await who.client.request(method, url, headers=headers, **kwargs)
    assert response.status_code == expected, (method, url, response.text)
    return response.json() if response.content else None


async def make_queue(seeded: Seeded, who: SignedInClient, *kinds: str) -> dict[str, Any]:
    body = {
        "name": f"review {uuid.uuid4().hex[:8]}",
        "description": "Check the answers",
        "scoreConfigIds": [seeded.configs[k] for k in kinds or ("NUMERIC",)],
    }
    queue: dict[str, Any] = await call(
        who, "POST", seeded.internal("annotation-queues"), 201, json=body
    )
    return queue


async def test_queue_lifecycle_by_role(seeded: Seeded) -> None:
    queues = seeded.internal("annotation-queues")
    async with (
        session_of(seeded.app, seeded.users[Role.VIEWER]) as viewer,
        session_of(seeded.app, seeded.users[Role.MEMBER]) as member,
        session_of(seeded.app, seeded.users[Role.ADMIN]) as admin,
    ):
        body = {"name": "viewer's", "scoreConfigIds": [seeded.configs["NUMERIC"]]}
        await call(viewer, "POST", queues, 403, json=body)
        queue = await make_queue(seeded, member, "NUMERIC", "CATEGORICAL", "BOOLEAN")
        assert set(queue) == {
            "id",
            "name",
            "description",
            "scoreConfigIds",
            "pendingCount",
            "completedCount",
            "createdAt",
        }
        assert (queue["pendingCount"], queue["completedCount"]) == (0, 0)
        await call(member, "POST", queues, 409, json={**body, "name": queue["name"]})
        await call(member, "POST", queues, 400, json={**body, "scoreConfigIds": ["nope"]})
        await call(member, "POST", queues, 400, json={**body, "scoreConfigIds": []})

        listed = await call(viewer, "GET", queues)
        assert queue in listed
        detail = await call(viewer, "GET", f"{queues}/{queue['id']}")
        configs = {c["name"]: c for c in detail["scoreConfigs"]}
        assert [c["id"] for c in detail["scoreConfigs"]] == queue["scoreConfigIds"]
        assert configs["accuracy"] | {"id": ""} == {
            "id": "",
            "name": "accuracy",
            "dataType": "NUMERIC",
            "minValue": 0.0,
            "maxValue": 1.0,
            "categories": None,
            "description": None,
            "isArchived": False,
        }
        assert configs["tone"]["categories"] == [
            {"label": "good", "value": 1.0},
            {"label": "bad", "value": 0.0},
        ]
        assert configs["correct"]["dataType"] == "BOOLEAN"

        await call(member, "DELETE", f"{queues}/{queue['id']}", 403)
        await call(admin, "DELETE", f"{queues}/{queue['id']}", 204)
        await call(viewer, "GET", f"{queues}/{queue['id']}", 404)
        await call(admin, "DELETE", f"{queues}/{queue['id']}", 404)


async def test_items_are_added_in_bulk_and_paged_by_cursor(seeded: Seeded) -> None:
    async with (
        session_of(seeded.app, seeded.users[Role.VIEWER]) as viewer,
        session_of(seeded.app, seeded.users[Role.MEMBER]) as member,
    ):
        queue = await make_queue(seeded, member)
        items = seeded.internal(f"annotation-queues/{queue['id']}/items")
        traces = {"objectType": "TRACE", "objectIds": ["t1", "t2", "t1", "t3"]}
        await call(viewer, "POST", items, 403, json=traces)
        assert await call(member, "POST", items, json=traces) == {"added": 3}
        assert await call(member, "POST", items, json=traces) == {"added": 0}
        observed = {"objectType": "OBSERVATION", "objectIds": ["o1", "not-stored-yet"]}
        assert await call(member, "POST", items, json=observed) == {"added": 2}
        await call(member, "POST", items, 400, json={"objectType": "PROMPT", "objectIds": ["p"]})
        await call(member, "POST", items, 400, json={"objectType": "TRACE", "objectIds": []})
        await call(member, "POST", items, 400, json={"objectType": "TRACE", "objectIds": [""]})
        missing = seeded.internal("annotation-queues/nope/items")
        await call(member, "POST", missing, 404, json=traces)

        first = await call(viewer, "GET", items, params={"limit": 2})
        assert [i["objectId"] for i in first["items"]] == ["t1", "t2"]
        assert first["nextCursor"]
        second = await call(
            viewer, "GET", items, params={"limit": 2, "cursor": first["nextCursor"]}
        )
        assert [i["objectId"] for i in second["items"]] == ["t3", "o1"]
        third = await call(
            viewer, "GET", items, params={"limit": 2, "cursor": second["nextCursor"]}
        )
        assert [i["objectId"] for i in third["items"]] == ["not-stored-yet"]
        assert third["nextCursor"] is None
        by_object = {i["objectId"]: i for i in first["items"] + second["items"] + third["items"]}
        assert by_object["t2"]["traceId"] == "t2"
        assert by_object["o1"]["traceId"] == "t1"
        assert by_object["not-stored-yet"]["traceId"] is None
        assert by_object["t1"]["status"] == "PENDING" and by_object["t1"]["completedAt"] is None

        await call(viewer, "GET", items, 400, params={"cursor": "not a cursor!"})
        await call(viewer, "GET", items, 400, params={"status": "OPEN"})
        await call(viewer, "GET", items, 400, params={"limit": 0})
        completed = await call(viewer, "GET", items, params={"status": "COMPLETED"})
        assert completed == {"items": [], "nextCursor": None}


async def test_a_queue_is_worked_through_to_the_end(seeded: Seeded) -> None:
    async with session_of(seeded.app, seeded.users[Role.MEMBER]) as member:
        queue = await make_queue(seeded, member, "NUMERIC", "CATEGORICAL", "BOOLEAN")
        base = seeded.internal(f"annotation-queues/{queue['id']}")
        await call(
            member, "POST", f"{base}/items", json={"objectType": "TRACE", "objectIds": ["t1", "t3"]}
        )
        await call(
            member, "POST", f"{base}/items", json={"objectType": "OBSERVATION", "objectIds": ["o2"]}
        )
        numeric, categorical, boolean = (
            seeded.configs[k] for k in ("NUMERIC", "CATEGORICAL", "BOOLEAN")
        )

        answers = {
            "t1": [
                {"configId": numeric, "value": 0.8, "comment": "mostly right"},
                {"configId": categorical, "stringValue": "good"},
                {"configId": boolean, "value": 1},
            ],
            "t3": [{"configId": boolean, "stringValue": "False"}],
            "o2": [{"configId": categorical, "value": 0}],  # the value of "bad"
        }
        seen: list[str] = []
        completed: dict[str, dict[str, Any]] = {}
        after: dict[str, str] = {}
        for step in range(3):
            upcoming = await call(member, "GET", f"{base}/next", params=after)
            item = upcoming["item"]
            assert (upcoming["position"], upcoming["total"], upcoming["pendingCount"]) == (
                step + 1,
                3,
                3 - step,
            )
            seen.append(item["objectId"])
            body = {"scores": answers[item["objectId"]]}
            done = await call(member, "POST", f"{base}/items/{item['id']}/complete", json=body)
            assert len(done["scoreIds"]) == len(body["scores"])
            assert done["item"]["status"] == "COMPLETED"
            assert done["item"]["annotatorUserId"] == seeded.users[Role.MEMBER].id
            assert done["item"]["completedAt"] is not None
            completed[item["objectId"]] = done
            after = {"after": item["id"]}
        assert seen == ["t1", "t3", "o2"]
        assert completed["o2"]["item"]["traceId"] == "t2"
        finished = await call(member, "GET", f"{base}/next", params=after)
        assert finished == {"item": None, "position": 0, "total": 3, "pendingCount": 0}
        listed = await call(member, "GET", seeded.internal("annotation-queues"))
        mine = next(q for q in listed if q["id"] == queue["id"])
        assert (mine["pendingCount"], mine["completedCount"]) == (0, 3)

    await settle(seeded.app)
    scores = await seeded.public("GET", "/v2/scores", params={"queueId": queue["id"]})
    by_id = {s["id"]: s for s in scores["data"]}
    assert scores["meta"]["totalItems"] == 5
    expected_ids = {i for done in completed.values() for i in done["scoreIds"]}
    assert set(by_id) == expected_ids
    for score in by_id.values():
        assert score["source"] == "ANNOTATION"
        assert score["queueId"] == queue["id"]
        assert score["authorUserId"] == seeded.users[Role.MEMBER].id
    t1 = {s["name"]: s for s in by_id.values() if s["traceId"] == "t1"}
    assert (t1["accuracy"]["value"], t1["accuracy"]["comment"]) == (0.8, "mostly right")
    assert t1["accuracy"]["configId"] == numeric and t1["accuracy"]["observationId"] is None
    assert (t1["tone"]["stringValue"], t1["tone"]["dataType"]) == ("good", "CATEGORICAL")
    assert (t1["correct"]["dataType"], t1["correct"]["value"]) == ("BOOLEAN", 1.0)
    (t3,) = (s for s in by_id.values() if s["traceId"] == "t3")
    assert (t3["stringValue"], t3["value"], t3["environment"]) == ("False", 0.0, "staging")
    (o2,) = (s for s in by_id.values() if s["observationId"] == "o2")
    assert (o2["traceId"], o2["name"], o2["stringValue"]) == ("t2", "tone", "bad")


async def test_completing_validates_scores_and_again_replaces_them(seeded: Seeded) -> None:
    async with (
        session_of(seeded.app, seeded.users[Role.VIEWER]) as viewer,
        session_of(seeded.app, seeded.users[Role.MEMBER]) as member,
    ):
        queue = await make_queue(seeded, member, "NUMERIC", "CATEGORICAL")
        base = seeded.internal(f"annotation-queues/{queue['id']}")
        await call(
            member,
            "POST",
            f"{base}/items",
            json={"objectType": "TRACE", "objectIds": ["t2", "gone"]},
        )
        page = await call(member, "GET", f"{base}/items")
        item, ghost = page["items"]
        complete = f"{base}/items/{item['id']}/complete"
        numeric, categorical = seeded.configs["NUMERIC"], seeded.configs["CATEGORICAL"]
        for scores in (
            [{"configId": numeric, "value": 1.5}],  # above the maximum
            [{"configId": numeric}],  # no value
            [{"configId": numeric, "stringValue": "high"}],
            [{"configId": categorical, "stringValue": "meh"}],  # no such category
            [{"configId": categorical, "value": 7}],
            [{"configId": seeded.configs["BOOLEAN"], "value": 1}],  # not the queue's
            [{"configId": numeric, "value": 0.1}, {"configId": numeric, "value": 0.2}],
            [{"configId": numeric, "value": True}],
        ):
            await call(member, "POST", complete, 400, json={"scores": scores})
        await call(viewer, "POST", complete, 403, json={"scores": []})
        await call(member, "POST", f"{base}/items/nope/complete", 404, json={"scores": []})
        # The trace of this item was never ingested: nothing to attach scores to.
        await call(
            member,
            "POST",
            f"{base}/items/{ghost['id']}/complete",
            404,
            json={"scores": [{"configId": numeric, "value": 0.5}]},
        )
        pending = await call(member, "GET", f"{base}/items", params={"status": "PENDING"})
        assert len(pending["items"]) == 2

        body = {"scores": [{"configId": numeric, "value": 0.25}]}
        first = await call(member, "POST", complete, json=body)
        again = await call(
            member, "POST", complete, json={"scores": [{"configId": numeric, "value": 0.75}]}
        )
        assert first["scoreIds"] == again["scoreIds"]
        upcoming = await call(member, "GET", f"{base}/next", params={"after": item["id"]})
        assert upcoming["item"]["id"] == ghost["id"]
        # Skipping the only pending item comes back round to it.
        wrapped = await call(member, "GET", f"{base}/next", params={"after": ghost["id"]})
        assert wrapped["item"]["id"] == ghost["id"] and wrapped["position"] == 2
        unknown = await call(member, "GET", f"{base}/next", params={"after": "removed-item"})
        assert unknown["item"]["id"] == ghost["id"]
        await call(member, "GET", seeded.internal("annotation-queues/nope/next"), 404)

    await settle(seeded.app)
    (score,) = (await seeded.public("GET", "/v2/scores", params={"queueId": queue["id"]}))["data"]
    assert (score["id"], score["value"]) == (first["scoreIds"][0], 0.75)


# --- comments -----------------------------------------------------------------------------


async def test_comments_by_role(seeded: Seeded) -> None:
    comments = seeded.internal("comments")
    of_t2 = {"objectType": "TRACE", "objectId": "t2"}
    async with (
        session_of(seeded.app, seeded.users[Role.VIEWER]) as viewer,
        session_of(seeded.app, seeded.users[Role.MEMBER]) as member,
        session_of(seeded.app, seeded.users[Role.OWNER]) as owner,
        session_of(seeded.app, seeded.users[Role.ADMIN]) as admin,
    ):
        await call(viewer, "POST", comments, 403, json={**of_t2, "content": "hi"})
        first = await call(member, "POST", comments, 201, json={**of_t2, "content": " first "})
        assert first | {"id": "", "createdAt": "", "updatedAt": ""} == {
            "id": "",
            "objectType": "TRACE",
            "objectId": "t2",
            "content": "first",
            "authorUserId": seeded.users[Role.MEMBER].id,
            "authorEmail": "member@example.com",
            "createdAt": "",
            "updatedAt": "",
        }
        second = await call(owner, "POST", comments, 201, json={**of_t2, "content": "second"})
        third = await call(member, "POST", comments, 201, json={**of_t2, "content": "third"})
        listed = await call(viewer, "GET", comments, params=of_t2)
        assert [(c["id"], c["authorEmail"]) for c in listed] == [
            (first["id"], "member@example.com"),
            (second["id"], "owner@example.com"),
            (third["id"], "member@example.com"),
        ]
        other = await call(
            viewer, "GET", comments, params={"objectType": "TRACE", "objectId": "t1"}
        )
        assert first["id"] not in [c["id"] for c in other]

        await call(member, "DELETE", f"{comments}/{second['id']}", 403)
        await call(admin, "DELETE", f"{comments}/{first['id']}", 204)
        await call(member, "DELETE", f"{comments}/{third['id']}", 204)
        await call(owner, "DELETE", f"{comments}/{second['id']}", 204)
        await call(owner, "DELETE", f"{comments}/{second['id']}", 404)
        assert await call(viewer, "GET", comments, params=of_t2) == []

        await call(
            member,
            "POST",
            comments,
            404,
            json={"objectType": "TRACE", "objectId": "nope", "content": "x"},
        )
        await call(
            member,
            "POST",
            comments,
            400,
            json={"objectType": "SPAN", "objectId": "t1", "content": "x"},
        )
        await call(member, "POST", comments, 400, json={**of_t2, "content": "x" * 5001})
        await call(viewer, "GET", comments, 400, params={"objectType": "TRACE"})
        await call(viewer, "GET", comments, 400, params={"objectType": "SPAN", "objectId": "t1"})
