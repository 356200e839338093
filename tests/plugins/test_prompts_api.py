"""The prompts plugin over HTTP on a real embedded container (SQLite, in-process cache)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import spyglass_prompts
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.hookspecs import PluginConfig
from spyglass_prompts.options import PromptsOptions, prompts_options
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

V2 = "/api/public/v2/prompts"


@pytest.fixture
async def app(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[EmbeddedApp]:
    async with embedded_app(embedded_settings(tmp_path, chdb_dsn), [spyglass_prompts]) as running:
        yield running


async def create(app: EmbeddedApp, expected: int = 201, **body: Any) -> dict[str, Any]:
    body.setdefault("prompt", "Hello {{name}}")
    response = await app.client.post(V2, json=body, auth=app.auth())
    assert response.status_code == expected, response.text
    return response.json()  # type: ignore[no-any-return]


async def fetch(app: EmbeddedApp, name: str, expected: int = 200, **params: Any) -> dict[str, Any]:
    encoded = name.replace("/", "%2F")
    response = await app.client.get(f"{V2}/{encoded}", params=params, auth=app.auth())
    assert response.status_code == expected, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_create_returns_the_full_prompt(app: EmbeddedApp) -> None:
    body = await create(
        app,
        name="greet",
        config={"model": "gpt-4o", "temperature": 0.1},
        labels=["production"],
        tags=["t1"],
        commitMessage="first",
    )
    assert body["version"] == 1
    assert body["type"] == "text"
    assert body["prompt"] == "Hello {{name}}"
    assert body["config"] == {"model": "gpt-4o", "temperature": 0.1}
    assert body["labels"] == ["latest", "production"]
    assert body["tags"] == ["t1"]
    assert body["commitMessage"] == "first"
    assert body["projectId"] == app.project.id
    assert body["isActive"] is True
    assert {"id", "createdAt", "updatedAt", "createdBy"} <= set(body)


async def test_versions_increase_and_labels_move(app: EmbeddedApp) -> None:
    await create(app, name="greet", labels=["production", "staging"])
    second = await create(app, name="greet", prompt="Hi {{name}}", labels=["production"])
    assert second["version"] == 2
    assert (await fetch(app, "greet"))["version"] == 2
    first = await fetch(app, "greet", version=1)
    assert first["labels"] == ["staging"]  # production and latest moved to version 2
    assert (await fetch(app, "greet", label="latest"))["version"] == 2
    assert (await fetch(app, "greet", label="staging"))["version"] == 1


async def test_tags_are_shared_by_all_versions_and_null_keeps_them(app: EmbeddedApp) -> None:
    await create(app, name="greet", tags=["a"])
    await create(app, name="greet", tags=None)
    assert (await fetch(app, "greet", version=2))["tags"] == ["a"]
    await create(app, name="greet", tags=["b", "c"])
    assert (await fetch(app, "greet", version=1))["tags"] == ["b", "c"]


async def test_not_found_and_both_selectors(app: EmbeddedApp) -> None:
    missing = await fetch(app, "nope", expected=404)
    assert missing["message"] == "Prompt not found: 'nope' with label 'production'"
    await create(app, name="greet")  # only "latest": no production version
    assert (await fetch(app, "greet", expected=404))["message"].endswith("label 'production'")
    assert "version 7" in (await fetch(app, "greet", expected=404, version=7))["message"]
    both = await fetch(app, "greet", expected=400, version=1, label="latest")
    assert both["message"] == "Cannot specify both version and label"


async def test_folder_names_travel_url_encoded(app: EmbeddedApp) -> None:
    await create(app, name="team/support/greet", labels=["production"])
    await create(app, name="team/support", labels=["production"], prompt="other")
    assert (await fetch(app, "team/support/greet"))["name"] == "team/support/greet"
    assert (await fetch(app, "team/support"))["prompt"] == "other"
    patched = await app.client.patch(
        f"{V2}/team%2Fsupport%2Fgreet/versions/1", json={"newLabels": ["beta"]}, auth=app.auth()
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["labels"] == ["beta", "latest", "production"]


async def test_chat_prompts_with_placeholders(app: EmbeddedApp) -> None:
    messages = [
        {"role": "system", "content": "You are {{persona}}"},
        {"type": "placeholder", "name": "history"},
    ]
    body = await create(app, name="chatty", type="chat", prompt=messages, labels=["production"])
    assert body["type"] == "chat"
    assert (await fetch(app, "chatty"))["prompt"] == messages
    changed = await create(app, 400, name="chatty", prompt="now text")
    assert "different prompt type" in changed["message"]
    bad = await create(app, 400, name="broken", type="chat", prompt=[{"role": "user"}])
    assert "content" in bad["message"]


async def test_chat_variables_may_not_share_a_placeholders_name(app: EmbeddedApp) -> None:
    clashing = [
        {"role": "system", "content": "Summarize {{history}} for {{user}}"},
        {"type": "placeholder", "name": "history"},
        {"role": "user", "content": "{{user}} asks about {{history}}"},
    ]
    refused = await create(app, 400, name="clash", type="chat", prompt=clashing)
    assert refused["message"] == (
        "Cannot create prompt, variables and placeholders must be unique, "
        "the following are not: history"
    )
    legacy = await app.client.post(
        "/api/public/prompts",
        json={"name": "clash", "type": "chat", "prompt": clashing, "isActive": True},
        auth=app.auth(),
    )
    assert legacy.status_code == 400 and "history" in legacy.json()["message"]
    await fetch(app, "clash", 404)
    # What is no variable cannot clash: spaced or non-letter names, placeholder-only names.
    fine = [
        {"role": "system", "content": "{{ history }} {{1history}} {{user}}"},
        {"type": "placeholder", "name": "history"},
    ]
    assert (await create(app, name="fine", type="chat", prompt=fine))["prompt"] == fine
    # Text prompts have no placeholders.
    await create(app, name="text", prompt="{{history}}")


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "labels": ["latest"]},
        {"name": "x", "labels": ["Has Caps"]},
        {"name": "x", "labels": ["a" * 37]},
        {"name": "a|b"},
        {"name": "n" * 256},
        {"name": ""},
        {"name": "x", "prompt": 42},
        {"name": "x", "type": "image"},
        {"prompt": "no name"},
    ],
)
async def test_invalid_creates_are_400(app: EmbeddedApp, body: dict[str, Any]) -> None:
    response = await app.client.post(V2, json=body, auth=app.auth())
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"message", "error"}


async def test_relabel_rules(app: EmbeddedApp) -> None:
    await create(app, name="greet", labels=["production"])
    await create(app, name="greet")
    path = f"{V2}/greet/versions"
    moved = await app.client.patch(f"{path}/1", json={"newLabels": ["staging"]}, auth=app.auth())
    assert moved.json()["labels"] == ["production", "staging"]
    latest = await app.client.patch(f"{path}/1", json={"newLabels": ["latest"]}, auth=app.auth())
    assert latest.status_code == 400
    unknown = await app.client.patch(f"{path}/9", json={"newLabels": ["x"]}, auth=app.auth())
    assert unknown.status_code == 404
    back = await app.client.patch(f"{path}/2", json={"newLabels": ["production"]}, auth=app.auth())
    assert back.json()["labels"] == ["latest", "production"]
    assert (await fetch(app, "greet", version=1))["labels"] == ["staging"]


async def test_list_with_filters_and_pagination(app: EmbeddedApp) -> None:
    for index in range(12):
        await create(app, name=f"p{index:02d}", tags=["even"] if index % 2 == 0 else None)
    await create(app, name="p00", labels=["production"], config={"v": 2})
    page1 = (await app.client.get(V2, auth=app.auth())).json()
    assert page1["meta"] == {"page": 1, "limit": 10, "totalItems": 12, "totalPages": 2}
    assert page1["data"][0] == {
        "name": "p00",
        "type": "text",
        "versions": [1, 2],
        "labels": ["latest", "production"],
        "tags": ["even"],
        "lastUpdatedAt": page1["data"][0]["lastUpdatedAt"],
        "lastConfig": {"v": 2},
    }
    page2 = (await app.client.get(V2, params={"page": 2}, auth=app.auth())).json()
    assert [p["name"] for p in page2["data"]] == ["p10", "p11"]
    tagged = (await app.client.get(V2, params={"tag": "even"}, auth=app.auth())).json()
    assert tagged["meta"]["totalItems"] == 6
    labelled = (await app.client.get(V2, params={"label": "production"}, auth=app.auth())).json()
    assert [p["name"] for p in labelled["data"]] == ["p00"]
    bad = await app.client.get(V2, params={"limit": 1000}, auth=app.auth())
    assert bad.status_code == 400


async def test_composition_resolves_and_reports_the_graph(app: EmbeddedApp) -> None:
    child = await create(app, name="tone", prompt="Be kind.", labels=["production"])
    parent = await create(
        app,
        name="support",
        prompt="Intro. @@@langfusePrompt:name=tone|label=production@@@ Bye.",
        labels=["production"],
    )
    resolved = await fetch(app, "support")
    assert resolved["prompt"] == "Intro. Be kind. Bye."
    assert resolved["resolutionGraph"] == {
        "root": {"id": parent["id"], "name": "support", "version": 1},
        "dependencies": {parent["id"]: [{"id": child["id"], "name": "tone", "version": 1}]},
    }
    raw = await fetch(app, "support", resolve="false")
    assert raw["prompt"] == "Intro. @@@langfusePrompt:name=tone|label=production@@@ Bye."
    await create(app, name="tone", prompt="Be brief.", labels=["production"])
    assert (await fetch(app, "support"))["prompt"] == "Intro. Be brief. Bye."  # cache retired


async def test_composition_refuses_missing_and_cyclic_references(app: EmbeddedApp) -> None:
    missing = await create(app, 400, name="a", prompt="@@@langfusePrompt:name=ghost|version=1@@@")
    assert "not found" in missing["message"]
    await create(app, name="b", prompt="plain", labels=["production"])
    await create(app, name="a", prompt="@@@langfusePrompt:name=b|label=production@@@")
    cycle = await create(app, 400, name="b", prompt="@@@langfusePrompt:name=a|label=latest@@@")
    assert "Circular" in cycle["message"]
    itself = await create(app, 400, name="c", prompt="@@@langfusePrompt:name=c|version=1@@@")
    assert "Circular" in itself["message"]


async def test_deleting_an_embedded_version_is_refused(app: EmbeddedApp) -> None:
    await create(app, name="tone", prompt="Be kind.", labels=["production"])
    await create(app, name="support", prompt="@@@langfusePrompt:name=tone|version=1@@@")
    refused = await app.client.delete(f"{V2}/tone", params={"version": 1}, auth=app.auth())
    assert refused.status_code == 400
    assert "support" in refused.json()["message"]
    assert (await app.client.delete(f"{V2}/support", auth=app.auth())).status_code == 204
    assert (await app.client.delete(f"{V2}/tone", auth=app.auth())).status_code == 204
    await fetch(app, "tone", expected=404)


async def test_delete_by_version_moves_latest_back(app: EmbeddedApp) -> None:
    for _ in range(3):
        await create(app, name="greet")
    assert (
        await app.client.delete(f"{V2}/greet", params={"version": 3}, auth=app.auth())
    ).status_code == 204
    assert (await fetch(app, "greet", label="latest"))["version"] == 2
    assert (
        await app.client.delete(f"{V2}/greet", params={"label": "nope"}, auth=app.auth())
    ).status_code == 404
    assert (await app.client.delete(f"{V2}/ghost", auth=app.auth())).status_code == 404


async def test_a_fetch_after_an_update_never_returns_the_old_version(app: EmbeddedApp) -> None:
    await create(app, name="greet", prompt="v1", labels=["production"])
    assert (await fetch(app, "greet"))["prompt"] == "v1"  # now cached
    await create(app, name="greet", prompt="v2")
    assert (await fetch(app, "greet"))["prompt"] == "v1"  # production still on v1
    await app.client.patch(
        f"{V2}/greet/versions/2", json={"newLabels": ["production"]}, auth=app.auth()
    )
    assert (await fetch(app, "greet"))["prompt"] == "v2"


async def test_etag_and_if_none_match(app: EmbeddedApp) -> None:
    await create(app, name="greet", labels=["production"])
    first = await app.client.get(f"{V2}/greet", auth=app.auth())
    etag = first.headers["etag"]
    again = await app.client.get(f"{V2}/greet", headers={"If-None-Match": etag}, auth=app.auth())
    assert again.status_code == 304
    assert again.content == b""
    await create(app, name="greet", prompt="new", labels=["production"])
    changed = await app.client.get(f"{V2}/greet", headers={"If-None-Match": etag}, auth=app.auth())
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


async def test_concurrent_creates_get_distinct_versions(app: EmbeddedApp) -> None:
    results = await asyncio.gather(*(create(app, name="race", prompt=f"p{i}") for i in range(20)))
    assert sorted(r["version"] for r in results) == list(range(1, 21))
    listed = (await app.client.get(V2, params={"name": "race"}, auth=app.auth())).json()
    assert listed["data"][0]["versions"] == list(range(1, 21))
    latest = [
        v for v in range(1, 21) if "latest" in (await fetch(app, "race", version=v))["labels"]
    ]
    assert latest == [20]


async def test_projects_are_isolated(app: EmbeddedApp) -> None:
    await create(app, name="secret-sauce", labels=["production"])
    admin = await app.admin()
    other = await admin.create_project("Other")
    _, keys = await admin.create_api_key(other.id)
    response = await app.client.get(f"{V2}/secret-sauce", auth=app.auth(keys))
    assert response.status_code == 404
    listed = await app.client.get(V2, auth=app.auth(keys))
    assert listed.json()["data"] == []
    deleted = await app.client.delete(f"{V2}/secret-sauce", auth=app.auth(keys))
    assert deleted.status_code == 404
    assert (await fetch(app, "secret-sauce"))["name"] == "secret-sauce"


async def test_legacy_v1_routes(app: EmbeddedApp) -> None:
    created = await app.client.post(
        "/api/public/prompts",
        json={"name": "legacy", "prompt": "hi", "isActive": True},
        auth=app.auth(),
    )
    assert created.status_code == 201, created.text
    assert created.json()["labels"] == ["latest", "production"]
    fetched = await app.client.get(
        "/api/public/prompts", params={"name": "legacy"}, auth=app.auth()
    )
    assert fetched.json()["isActive"] is True


async def test_malformed_and_oversized_bodies_are_clear_4xx(app: EmbeddedApp) -> None:
    headers = {"Content-Type": "application/json"}
    malformed = await app.client.post(V2, content=b"{not json", headers=headers, auth=app.auth())
    assert malformed.status_code == 400
    assert "JSON is malformed" in malformed.json()["message"]
    assert malformed.json()["error"] == "InvalidRequestError"
    huge = b'{"name": "big", "prompt": "' + b"x" * 5_000_000 + b'"}'
    oversized = await app.client.post(V2, content=huge, headers=headers, auth=app.auth())
    assert oversized.status_code == 413
    assert set(oversized.json()) == {"message", "error"}


# --- composition bounds: resolved size and references followed


def tag(name: str, label: str = "production") -> str:
    return f"@@@langfusePrompt:name={name}|label={label}@@@"


@contextlib.asynccontextmanager
async def bounded_app(tmp_path: Path, chdb_dsn: str, **options: str) -> AsyncIterator[EmbeddedApp]:
    config = PluginConfig(sections={"prompts": options})
    settings = embedded_settings(tmp_path, chdb_dsn, plugin_config=config)
    async with embedded_app(settings, [spyglass_prompts]) as running:
        yield running


async def test_a_composition_resolving_to_20_mb_is_refused_at_creation_quickly(
    app: EmbeddedApp,
) -> None:
    await create(app, name="a", prompt="x" * 1000, labels=["production"])
    # 1000 tags of "a": 1,000,000 bytes resolved, just within the default 1 MiB.
    await create(app, name="b", prompt=tag("a") * 1000, labels=["production"])
    assert len((await fetch(app, "b"))["prompt"]) == 1_000_000
    started = time.perf_counter()
    response = await app.client.post(
        V2, json={"name": "c", "prompt": tag("b") * 20}, auth=app.auth()
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 400, response.text[:500]
    assert elapsed < 1.0
    assert len(response.content) < 1000
    body = response.json()
    assert set(body) == {"message", "error"}
    assert "max_resolved_bytes = 1048576" in body["message"]
    assert "'c'" in body["message"]
    await fetch(app, "c", expected=404, label="latest")  # nothing was stored


async def test_a_composition_following_too_many_references_is_refused(app: EmbeddedApp) -> None:
    # A diamond: top -> 30 versions of mid, each -> 40 versions of leaf. Tiny (1,200 bytes)
    # but 30 + 30 * 40 = 1,230 references followed, over the default 1,000.
    for _ in range(40):
        await create(app, name="leaf", prompt=".")
    fan_out = "".join(f"@@@langfusePrompt:name=leaf|version={v}@@@" for v in range(1, 41))
    for _ in range(30):
        await create(app, name="mid", prompt=fan_out)
    top = "".join(f"@@@langfusePrompt:name=mid|version={v}@@@" for v in range(1, 31))
    refused = await create(app, 400, name="top", prompt=top)
    assert "max_references = 1000" in refused["message"]
    accepted = await create(app, name="top", prompt=top[: top.index("|version=25@@@") - 23])
    assert accepted["version"] == 1  # 24 + 24 * 40 = 984 references: within the limit


async def test_a_prompt_that_outgrew_the_limit_since_creation_is_refused_on_fetch(
    app: EmbeddedApp,
) -> None:
    await create(app, name="tone", prompt="Be kind.", labels=["production"])
    await create(app, name="support", prompt=tag("tone") * 100, labels=["production"])
    assert (await fetch(app, "support"))["prompt"] == "Be kind." * 100  # cached now
    # A bigger child under the same label: 100 * 20 kB would resolve to 2 MB.
    await create(app, name="tone", prompt="y" * 20_000, labels=["production"])
    started = time.perf_counter()
    response = await app.client.get(f"{V2}/support", auth=app.auth())
    assert time.perf_counter() - started < 1.0
    assert response.status_code == 409, response.text[:500]
    assert len(response.content) < 1000
    assert set(response.json()) == {"message", "error"}
    assert "max_resolved_bytes = 1048576" in response.json()["message"]
    raw = await fetch(app, "support", resolve="false")  # the stored text is still served
    assert raw["prompt"] == tag("tone") * 100
    # Moving the label back makes it resolvable again.
    await app.client.patch(
        f"{V2}/tone/versions/1", json={"newLabels": ["production"]}, auth=app.auth()
    )
    assert (await fetch(app, "support"))["prompt"] == "Be kind." * 100


async def test_configured_limits_apply_at_their_exact_bounds(tmp_path: Path, chdb_dsn: str) -> None:
    async with bounded_app(tmp_path, chdb_dsn, max_resolved_bytes="100", max_references="3") as app:
        await create(app, name="ten", prompt="0123456789", labels=["production"])
        await create(app, name="fits", prompt="é" * 5 + tag("ten") * 9, labels=["production"])
        assert (await fetch(app, "fits"))["prompt"] == "é" * 5 + "0123456789" * 9  # 100 bytes
        too_big = await create(app, 400, name="big", prompt="é" * 5 + tag("ten") * 9 + "x")
        assert "max_resolved_bytes = 100" in too_big["message"]
        chat = [
            {"role": "system", "content": tag("ten") * 5},
            {"role": "user", "content": "z" * 51},
        ]
        too_big_chat = await create(app, 400, name="chatty", type="chat", prompt=chat)
        assert "max_resolved_bytes = 100" in too_big_chat["message"]
        both = tag("ten") + tag("ten", "latest")  # two distinct references
        await create(app, name="two", prompt=both, labels=["production"])
        refused = await create(app, 400, name="four", prompt=tag("two") + tag("ten"))
        assert "max_references = 3" in refused["message"]
        await create(app, name="three", prompt=tag("two"))


def test_settings_parse_and_a_bad_value_names_its_variable() -> None:
    assert prompts_options(PluginConfig()) == PromptsOptions(
        cache_ttl_seconds=3600.0, max_resolved_bytes=1_048_576, max_references=1000
    )
    parsed = prompts_options(
        PluginConfig(sections={"prompts": {"max_resolved_bytes": "2048", "max_references": "7"}})
    )
    assert (parsed.limits.max_resolved_bytes, parsed.limits.max_references) == (2048, 7)
    for key, value in [
        ("max_resolved_bytes", "1MB"),
        ("max_resolved_bytes", "0"),
        ("max_references", "-1"),
        ("cache_ttl_seconds", "soon"),
    ]:
        variable = f"SPYGLASS_PLUGIN_PROMPTS_{key.upper()}='{value}'"
        with pytest.raises(InvalidInput, match=variable):
            prompts_options(PluginConfig(sections={"prompts": {key: value}}))


async def test_a_bad_setting_fails_start_up(tmp_path: Path, chdb_dsn: str) -> None:
    with pytest.raises(InvalidInput, match="SPYGLASS_PLUGIN_PROMPTS_MAX_REFERENCES='many'"):
        async with bounded_app(tmp_path, chdb_dsn, max_references="many"):
            pytest.fail("the app started")
