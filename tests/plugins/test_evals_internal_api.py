"""The evals plugin's ``/api/internal`` routes (the web UI's), with users' sessions.

Connections are admin-only writes with the key never shown; evaluators, rules, the
preview and the playground take a member; viewers read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

import spyglass_evals
import spyglass_tracing
from spyglass_adapters.queue import TaskiqTaskQueue
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.projects import User
from spyglass_core.hookspecs import PluginConfig
from tests.plugins.accounts_support import SignedInClient, add_user, session_of
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings
from tests.support.fake_llm import FakeLLM, fake_llm

KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
SECRET = "sk-internal-supersecret-91ab"


class World(msgspec.Struct, kw_only=True):
    app: EmbeddedApp
    viewer: User
    member: User
    admin: User
    fake: FakeLLM

    @property
    def base(self) -> str:
        return f"/api/internal/projects/{self.app.project.id}"


@pytest.fixture
async def world(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[World]:
    settings = embedded_settings(
        tmp_path,
        chdb_dsn,
        plugin_config=PluginConfig(sections={"evals": {"encryption_key": KEY_HEX}}),
    )
    with fake_llm(expected_key=SECRET) as fake:
        async with embedded_app(settings, [spyglass_tracing, spyglass_evals]) as app:
            org = app.project.organization_id
            yield World(
                app=app,
                viewer=await add_user(app, "viewer@example.com", Role.VIEWER, org),
                member=await add_user(app, "member@example.com", Role.MEMBER, org),
                admin=await add_user(app, "admin@example.com", Role.ADMIN, org),
                fake=fake,
            )


async def call(
    user: SignedInClient, method: str, path: str, expected: int = 200, **kwargs: Any
) -> Any:
    headers = user.csrf() if method != "GET" else {}
    response = await user.client.request(method, path, headers=headers, **kwargs)
    assert response.status_code == expected, response.text
    assert SECRET not in response.text
    return response.json() if response.content else None


def connection(world: World, **fields: Any) -> dict[str, Any]:
    return {
        "provider": "fake",
        "adapter": "openai",
        "secretKey": SECRET,
        "baseURL": world.fake.base_url,
        "customModels": ["judge-1"],
    } | fields


async def test_connections_are_managed_by_admins_and_read_by_everyone(world: World) -> None:
    base = f"{world.base}/llm-connections"
    async with session_of(world.app, world.member) as member:
        await call(member, "PUT", base, 403, json=connection(world))
    async with session_of(world.app, world.admin) as admin:
        made = await call(admin, "PUT", base, json=connection(world))
        assert made["displaySecretKey"] == "..." + SECRET[-4:]
        again = await call(admin, "PUT", base, json=connection(world, customModels=[]))
        assert again["id"] == made["id"] and again["customModels"] == []
        await call(admin, "PUT", base, 400, json=connection(world, adapter="smoke-signals"))
    async with session_of(world.app, world.viewer) as viewer:
        listed = await call(viewer, "GET", base)
        assert [c["provider"] for c in listed["items"]] == ["fake"]
        assert listed["nextCursor"] is None
        await call(viewer, "DELETE", f"{base}/{made['id']}", 403)
    async with session_of(world.app, world.admin) as admin:
        await call(admin, "DELETE", f"{base}/{made['id']}", 204)
        await call(admin, "DELETE", f"{base}/{made['id']}", 404)
        assert (await call(admin, "GET", base))["items"] == []


async def test_members_write_evaluators_and_rules_and_run_the_tools(world: World) -> None:
    async with session_of(world.app, world.admin) as admin:
        await call(admin, "PUT", f"{world.base}/llm-connections", json=connection(world))
    sent = await world.app.client.post(
        "/api/public/ingestion",
        auth=world.app.auth(),
        json={
            "batch": [
                {
                    "id": "e1",
                    "type": "trace-create",
                    "timestamp": "2026-12-01T12:00:00Z",
                    "body": {"id": "t1", "name": "qa", "input": "hi?", "output": "hello"},
                }
            ]
        },
    )
    assert sent.status_code == 207
    queue = await world.app.container.get(TaskiqTaskQueue)
    await queue.broker.wait_all()  # type: ignore[attr-defined]

    async with session_of(world.app, world.viewer) as viewer:
        templates = await call(viewer, "GET", f"{world.base}/evaluator-templates")
        names = [t["name"] for t in templates["data"]]
        assert "correctness" in names and "toxicity" in names
        picked = await call(viewer, "GET", f"{world.base}/evaluator-preview/traces")
        assert [(t["id"], t["name"], t["input"]) for t in picked["items"]] == [("t1", "qa", "hi?")]
        await call(viewer, "POST", f"{world.base}/evaluators", 403, json={"name": "x"})
        await call(viewer, "POST", f"{world.base}/evaluator-preview", 403, json={"traceId": "t1"})

    helpful = next(t for t in templates["data"] if t["name"] == "helpfulness")
    async with session_of(world.app, world.member) as member:
        created = await call(
            member,
            "POST",
            f"{world.base}/evaluators",
            201,
            json=helpful | {"modelConfig": {"provider": "fake", "model": "judge-1"}},
        )
        assert created["version"] == 1
        edited = await call(
            member,
            "PATCH",
            f"{world.base}/evaluators/{created['id']}",
            json={
                "prompt": "Is {{output}} helpful?",
                "outputDefinition": {"dataType": "BOOLEAN"},
                "variableMapping": [{"variable": "output", "source": "output"}],
                "modelConfig": {"provider": "fake", "model": "judge-1"},
            },
        )
        assert edited["version"] == 2
        versions = await call(member, "GET", f"{world.base}/evaluators/{created['id']}/versions")
        assert [v["version"] for v in versions["items"]] == [2, 1]
        listed = await call(member, "GET", f"{world.base}/evaluators")
        assert [e["id"] for e in listed["items"]] == [created["id"]]

        preview = await call(
            member,
            "POST",
            f"{world.base}/evaluator-preview",
            json={"evaluatorId": created["id"], "traceId": "t1"},
        )
        assert preview["messages"] == [{"role": "user", "content": "Is hello helpful?"}]
        assert preview["verdict"]["value"] is True

        rule = await call(
            member,
            "POST",
            f"{world.base}/evaluation-rules",
            201,
            json={
                "name": "qa helpfulness",
                "enabled": True,
                "sampling": 0.5,
                "filter": [
                    {
                        "type": "stringOptions",
                        "column": "traceName",
                        "operator": "any of",
                        "value": ["qa"],
                    }
                ],
                "evaluatorAssignments": [{"evaluatorId": created["id"]}],
            },
        )
        assert (rule["target"], rule["pausedReason"]) == ("observation", None)
        executions = f"{world.base}/evaluation-rules/{rule['id']}/executions"
        assert await call(member, "GET", executions, params={"status": "ERROR"}) == {
            "items": [],
            "nextCursor": None,
        }
        await call(member, "GET", executions, 400, params={"status": "LOST"})
        await call(member, "GET", f"{world.base}/evaluation-rules/absent/executions", 404)
        paused = await call(
            member, "PATCH", f"{world.base}/evaluation-rules/{rule['id']}", json={"enabled": False}
        )
        assert paused["enabled"] is False
        rules = await call(member, "GET", f"{world.base}/evaluation-rules")
        assert [(r["name"], r["sampling"]) for r in rules["items"]] == [("qa helpfulness", 0.5)]

        answer = await call(
            member,
            "POST",
            f"{world.base}/llm-completions",
            json={
                "provider": "fake",
                "model": "judge-1",
                "messages": [{"role": "user", "content": "hi"}],
                "promptName": "greeting",
                "promptVersion": 1,
            },
        )
        assert answer["text"] == "ok" and answer["traceId"]

        await call(member, "DELETE", f"{world.base}/evaluation-rules/{rule['id']}", 204)
        await call(member, "DELETE", f"{world.base}/evaluators/{created['id']}", 204)
        assert (await call(member, "GET", f"{world.base}/evaluators"))["items"] == []
