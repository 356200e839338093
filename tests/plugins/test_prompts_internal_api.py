"""The prompts plugin's ``/api/internal`` routes (the web UI's) on a real embedded app.

Prompts are created through the public API with the project's key, as the SDKs do, and
read, promoted and created through the internal routes with a signed-in user's session.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

import spyglass_prompts
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.projects import User
from tests.plugins.accounts_support import SignedInClient, add_user, session_of
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

V2 = "/api/public/v2/prompts"
CHAT = [
    {"role": "system", "content": "You are {{persona}}. @@@langfusePrompt:name=tone|version=1@@@"},
    {"type": "placeholder", "name": "history"},
    {"role": "user", "content": "{{question}}"},
]


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
    async with embedded_app(settings, [spyglass_prompts]) as app:
        org_id = app.project.organization_id
        yield World(
            app=app,
            viewer=await add_user(app, "viewer@example.com", Role.VIEWER, org_id),
            member=await add_user(app, "member@example.com", Role.MEMBER, org_id),
        )


async def create(app: EmbeddedApp, **body: Any) -> dict[str, Any]:
    """A new version through the public API."""
    body.setdefault("prompt", "Hello {{name}}")
    response = await app.client.post(V2, json=body, auth=app.auth())
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def public_fetch(app: EmbeddedApp, name: str, **params: Any) -> dict[str, Any]:
    encoded = name.replace("/", "%2F")
    response = await app.client.get(f"{V2}/{encoded}", params=params, auth=app.auth())
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def listed(
    user: SignedInClient, world: World, expected: int = 200, **params: Any
) -> dict[str, Any]:
    response = await user.client.get(f"{world.base}/prompts", params=params)
    assert response.status_code == expected, response.text
    return response.json()  # type: ignore[no-any-return]


async def detail(
    user: SignedInClient, world: World, name: str, expected: int = 200
) -> dict[str, Any]:
    response = await user.client.get(f"{world.base}/prompt", params={"name": name})
    assert response.status_code == expected, response.text
    return response.json()  # type: ignore[no-any-return]


async def promote(
    user: SignedInClient, world: World, expected: int = 200, **body: Any
) -> dict[str, Any]:
    response = await user.client.post(f"{world.base}/prompt-labels", json=body, headers=user.csrf())
    assert response.status_code == expected, response.text
    return response.json()  # type: ignore[no-any-return]


# --- list ---------------------------------------------------------------------------------


async def test_list_shows_one_entry_per_name_sorted_by_name(world: World) -> None:
    app = world.app
    await create(app, name="tone", prompt="Be kind.", labels=["staging"], tags=["b", "a"])
    await create(app, name="tone", prompt="Be brief.", labels=["production"])
    await create(app, name="support/Chat", type="chat", prompt=CHAT)
    await create(app, name="Beta")
    async with session_of(app, world.viewer) as viewer:
        page = await listed(viewer, world)
    assert page["nextCursor"] is None
    assert [item["name"] for item in page["items"]] == ["Beta", "support/Chat", "tone"]
    tone = page["items"][2]
    assert tone == {
        "name": "tone",
        "type": "text",
        "versionCount": 2,
        "latestVersion": 2,
        "labels": ["latest", "production", "staging"],
        "tags": ["a", "b"],
        "updatedAt": tone["updatedAt"],
    }
    newest = await public_fetch(app, "tone", version=2)
    assert datetime.fromisoformat(tone["updatedAt"]) == datetime.fromisoformat(newest["updatedAt"])
    assert page["items"][1]["type"] == "chat"


async def test_list_searches_names_ignoring_case(world: World) -> None:
    for name in ("Greeting", "folder/greetings", "farewell", "100%_done"):
        await create(world.app, name=name)
    async with session_of(world.app, world.viewer) as viewer:

        async def names(search: str) -> list[str]:
            return [item["name"] for item in (await listed(viewer, world, search=search))["items"]]

        assert await names("greet") == ["Greeting", "folder/greetings"]
        assert await names("GREETINGS") == ["folder/greetings"]
        assert await names("er/g") == ["folder/greetings"]
        assert await names("%_") == ["100%_done"]  # wildcards are plain characters
        assert await names("0_") == []
        assert await names("") == ["100%_done", "Greeting", "farewell", "folder/greetings"]
        assert await names("nothing") == []


async def test_list_pages_with_an_opaque_cursor(world: World) -> None:
    names = [f"p{index:02d}" for index in range(7)]
    for name in reversed(names):
        await create(world.app, name=name)
    await create(world.app, name="other")
    async with session_of(world.app, world.viewer) as viewer:
        seen: list[str] = []
        cursor = None
        pages = 0
        while True:
            params: dict[str, Any] = {"limit": 3, "search": "p0"}
            if cursor is not None:
                params["cursor"] = cursor
            page = await listed(viewer, world, **params)
            assert len(page["items"]) <= 3
            seen += [item["name"] for item in page["items"]]
            pages += 1
            cursor = page["nextCursor"]
            if cursor is None:
                break
            assert cursor.isascii() and "=" not in cursor and "/" not in cursor
        assert seen == names
        assert pages == 3
        # A page that ends exactly at the last name says there is no next page.
        exact = await listed(viewer, world, limit=8)
        assert len(exact["items"]) == 8
        assert exact["nextCursor"] is None
        default = await listed(viewer, world)
        assert len(default["items"]) == 8


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not a cursor"},
        {"cursor": "bm90LWpzb24"},  # base64url of "not-json"
        {"cursor": "eyJhZnRlciI6MX0"},  # {"after":1}
        {"cursor": "é"},
        {"limit": 0},
        {"limit": 101},
        {"limit": "many"},
        {"search": "x" * 256},
    ],
)
async def test_list_refuses_bad_parameters_with_400(world: World, params: dict[str, Any]) -> None:
    async with session_of(world.app, world.viewer) as viewer:
        body = await listed(viewer, world, 400, **params)
    assert set(body) == {"message", "error"}


async def test_list_shows_only_the_projects_prompts(world: World) -> None:
    app = world.app
    await create(app, name="mine")
    admin = await app.admin()
    other = await admin.create_project("Other", organization_name="Other Org")
    _, keys = await admin.create_api_key(other.id)
    response = await app.client.post(
        V2, json={"name": "theirs", "prompt": "x"}, auth=app.auth(keys)
    )
    assert response.status_code == 201
    async with session_of(app, world.viewer) as viewer:
        assert [item["name"] for item in (await listed(viewer, world))["items"]] == ["mine"]
        await detail(viewer, world, "theirs", expected=404)


# --- one prompt ---------------------------------------------------------------------------


async def test_detail_lists_versions_newest_first_with_labels_and_dependencies(
    world: World,
) -> None:
    app = world.app
    await create(app, name="tone", prompt="Be kind.", labels=["production"])
    await create(app, name="tone", prompt="Be brief.")
    await create(
        app,
        name="folder/support",
        prompt=(
            "Hi {{name}}. @@@langfusePrompt:name=tone|label=production@@@ "
            "@@@langfusePrompt:name=tone|version=2@@@ @@@langfusePrompt:name=tone|version=2@@@"
        ),
        config={"model": "gpt-4o"},
        commitMessage="compose",
        tags=["ui"],
        labels=["staging"],
    )
    await create(app, name="folder/support", prompt="Plain {{name}}")
    async with session_of(app, world.viewer) as viewer:
        body = await detail(viewer, world, "folder/support")
    assert body["name"] == "folder/support"
    assert body["type"] == "text"
    assert body["tags"] == ["ui"]
    assert [v["version"] for v in body["versions"]] == [2, 1]
    newest, oldest = body["versions"]
    assert newest["labels"] == ["latest"]
    assert newest["dependencies"] == []
    assert newest["commitMessage"] is None
    assert newest["createdBy"] == "API"
    assert oldest == {
        "version": 1,
        "labels": ["staging"],
        "type": "text",
        # As stored: the tags are not inlined, the variables are kept.
        "prompt": (
            "Hi {{name}}. @@@langfusePrompt:name=tone|label=production@@@ "
            "@@@langfusePrompt:name=tone|version=2@@@ @@@langfusePrompt:name=tone|version=2@@@"
        ),
        "config": {"model": "gpt-4o"},
        "commitMessage": "compose",
        "createdAt": oldest["createdAt"],
        "createdBy": "API",
        # Each reference once, in order of first appearance.
        "dependencies": [
            {"name": "tone", "version": None, "label": "production"},
            {"name": "tone", "version": 2, "label": None},
        ],
    }


async def test_detail_of_a_chat_prompt_keeps_messages_and_placeholders(world: World) -> None:
    app = world.app
    await create(app, name="tone", prompt="Be kind.")
    await create(app, name="chatty", type="chat", prompt=CHAT, labels=["production"])
    async with session_of(app, world.viewer) as viewer:
        body = await detail(viewer, world, "chatty")
    assert body["type"] == "chat"
    (version,) = body["versions"]
    assert version["type"] == "chat"
    assert version["prompt"] == CHAT
    assert version["labels"] == ["latest", "production"]
    assert version["dependencies"] == [{"name": "tone", "version": 1, "label": None}]


async def test_detail_of_an_unknown_or_missing_name(world: World) -> None:
    await create(world.app, name="tone")
    async with session_of(world.app, world.viewer) as viewer:
        assert "ghost" in (await detail(viewer, world, "ghost", expected=404))["message"]
        await detail(viewer, world, "", expected=404)
        await detail(viewer, world, "TONE", expected=404)  # names are case-sensitive
        missing = await viewer.client.get(f"{world.base}/prompt")
        assert missing.status_code == 400


# --- promote ------------------------------------------------------------------------------


async def test_promote_moves_a_label_and_the_public_api_follows_past_its_cache(
    world: World,
) -> None:
    app = world.app
    await create(app, name="tone", prompt="Be kind.")
    await create(app, name="tone", prompt="Be brief.", labels=["production", "staging"])
    await create(
        app,
        name="support",
        prompt="Intro. @@@langfusePrompt:name=tone|label=production@@@",
        labels=["production"],
    )
    # Fetched (and now cached) before the promotion: production is version 2.
    assert (await public_fetch(app, "tone"))["version"] == 2
    assert (await public_fetch(app, "support"))["prompt"] == "Intro. Be brief."
    async with session_of(app, world.member) as member:
        promoted = await promote(member, world, name="tone", version=1, labels=["production"])
        assert promoted["version"] == 1
        assert promoted["labels"] == ["production"]
        assert promoted["prompt"] == "Be kind."
        assert promoted["dependencies"] == []
        versions = (await detail(member, world, "tone"))["versions"]
    assert [(v["version"], v["labels"]) for v in versions] == [
        (2, ["latest", "staging"]),
        (1, ["production"]),
    ]
    # The cached fetches are retired: the public API serves the promoted version.
    production = await public_fetch(app, "tone")
    assert (production["version"], production["prompt"]) == (1, "Be kind.")
    assert (await public_fetch(app, "tone", label="production"))["version"] == 1
    assert (await public_fetch(app, "support"))["prompt"] == "Intro. Be kind."


async def test_promote_to_several_labels_keeps_the_versions_others(world: World) -> None:
    await create(world.app, name="folder/tone", labels=["staging"])
    await create(world.app, name="folder/tone")
    async with session_of(world.app, world.member) as member:
        promoted = await promote(
            member, world, name="folder/tone", version=1, labels=["production", "canary", "canary"]
        )
    assert promoted["labels"] == ["canary", "production", "staging"]
    assert (await public_fetch(world.app, "folder/tone", label="canary"))["version"] == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "tone", "version": 1, "labels": ["latest"]}, 400),
        ({"name": "tone", "version": 1, "labels": ["Production"]}, 400),
        ({"name": "tone", "version": 1, "labels": ["x" * 37]}, 400),
        ({"name": "tone", "version": 1, "labels": [1]}, 400),
        ({"name": "tone", "version": 0, "labels": ["production"]}, 400),
        ({"name": "tone", "version": 2**31, "labels": ["production"]}, 400),
        ({"name": "", "version": 1, "labels": ["production"]}, 400),
        ({"name": "tone", "labels": ["production"]}, 400),
        ({}, 400),
        ({"name": "tone", "version": 9, "labels": ["production"]}, 404),
        ({"name": "ghost", "version": 1, "labels": ["production"]}, 404),
    ],
)
async def test_promote_refuses_bad_input(world: World, body: dict[str, Any], status: int) -> None:
    await create(world.app, name="tone", labels=["staging"])
    async with session_of(world.app, world.member) as member:
        refused = await promote(member, world, status, **body)
    assert set(refused) == {"message", "error"}
    assert (await public_fetch(world.app, "tone", version=1))["labels"] == ["latest", "staging"]


async def test_a_viewer_cannot_promote_or_create(world: World) -> None:
    await create(world.app, name="tone")
    async with session_of(world.app, world.viewer) as viewer:
        await promote(viewer, world, 403, name="tone", version=1, labels=["production"])
        created = await viewer.client.post(
            f"{world.base}/prompts", json={"name": "tone", "prompt": "x"}, headers=viewer.csrf()
        )
        assert created.status_code == 403
    assert (await public_fetch(world.app, "tone", version=1))["labels"] == ["latest"]
    listing = (await world.app.client.get(V2, auth=world.app.auth())).json()
    assert listing["data"][0]["versions"] == [1]


# --- create -------------------------------------------------------------------------------


async def test_create_adds_a_version_by_the_signed_in_user(world: World) -> None:
    app = world.app
    await create(app, name="tone", prompt="Be kind.", labels=["production"])
    async with session_of(app, world.member) as member:
        response = await member.client.post(
            f"{world.base}/prompts",
            json={
                "name": "tone",
                "prompt": "Be brief, {{name}}.",
                "config": {"temperature": 0},
                "labels": ["production"],
                "tags": ["ui"],
                "commitMessage": "shorter",
            },
            headers=member.csrf(),
        )
        assert response.status_code == 201, response.text
        assert response.json() == {
            "version": 2,
            "labels": ["latest", "production"],
            "type": "text",
            "prompt": "Be brief, {{name}}.",
            "config": {"temperature": 0},
            "commitMessage": "shorter",
            "createdAt": response.json()["createdAt"],
            "createdBy": world.member.id,
            "dependencies": [],
        }
        composed = await member.client.post(
            f"{world.base}/prompts",
            json={"name": "a/b", "prompt": "@@@langfusePrompt:name=tone|label=production@@@!"},
            headers=member.csrf(),
        )
        assert composed.status_code == 201, composed.text
        assert composed.json()["dependencies"] == [
            {"name": "tone", "version": None, "label": "production"}
        ]
        assert (await detail(member, world, "tone"))["tags"] == ["ui"]
    fetched = await public_fetch(app, "tone")
    assert (fetched["version"], fetched["createdBy"]) == (2, world.member.id)
    assert (await public_fetch(app, "a/b", label="latest"))["prompt"] == "Be brief, {{name}}.!"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "tone"},
        {"name": "", "prompt": "x"},
        {"name": "a|b", "prompt": "x"},
        {"name": "/lead", "prompt": "x"},
        {"name": "new", "prompt": "x"},
        {"name": "tone", "prompt": ["not", "messages"], "type": "chat"},
        {"name": "tone", "prompt": "x", "type": "image"},
        {"name": "tone", "prompt": [{"role": "user", "content": "x"}], "type": "chat"},
        {"name": "tone", "prompt": "x", "labels": ["latest"]},
        {"name": "tone", "prompt": "x", "tags": [""]},
        {"name": "tone", "prompt": "@@@langfusePrompt:name=ghost|version=1@@@"},
        {"name": "tone", "prompt": "@@@langfusePrompt:name=tone|version=1@@@"},
        {"name": "tone", "prompt": "@@@langfusePrompt:nope@@@"},
    ],
)
async def test_create_refuses_what_the_public_api_refuses(
    world: World, body: dict[str, Any]
) -> None:
    await create(world.app, name="tone", prompt="x")
    public = await world.app.client.post(V2, json=body, auth=world.app.auth())
    assert public.status_code == 400, public.text
    async with session_of(world.app, world.member) as member:
        response = await member.client.post(
            f"{world.base}/prompts", json=body, headers=member.csrf()
        )
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"message", "error"}
    assert response.json()["message"] == public.json()["message"]
    listing = (await world.app.client.get(V2, auth=world.app.auth())).json()
    assert [(p["name"], p["versions"]) for p in listing["data"]] == [("tone", [1])]
