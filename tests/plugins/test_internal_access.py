"""Every ``/api/internal`` route, every role: session, CSRF and role checks, isolation.

The routes are read from the running app's route table, so a route a plugin adds later
is walked too, and a route that declares no access rule fails the suite.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import get

import spyglass_datasets
import spyglass_prompts
import spyglass_tracing
from spyglass.api.sessions import SAFE_METHODS
from spyglass_core.domain.access import ACCESS_OPT, Access, AccessRule
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.projects import User
from spyglass_core.hookspecs import ApiSurface, hookimpl
from spyglass_core.services.projects import ProjectAdmin
from tests.plugins.accounts_support import add_user, anonymous, session_of
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

PREFIX = "/api/internal"


class Route(msgspec.Struct, frozen=True):
    method: str
    path: str
    rule: Any


class World(msgspec.Struct, kw_only=True):
    app: EmbeddedApp
    users: dict[Role, User]
    outsider: User
    other_project_id: str


class UndeclaredRoutePlugin:
    """A plugin whose internal route forgets its access rule."""

    @hookimpl
    def register_routes(self, surface: ApiSurface) -> list[Any]:
        @get("/undeclared", sync_to_thread=False)
        def undeclared() -> dict[str, str]:
            return {"secret": "data"}

        return [undeclared] if surface is ApiSurface.INTERNAL else []


@pytest.fixture
async def world(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[World]:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(
        settings, plugins=[spyglass_tracing, spyglass_prompts, spyglass_datasets]
    ) as app:
        org_id = app.project.organization_id
        users = {
            role: await add_user(app, f"{role.lower()}@example.com", role, org_id) for role in Role
        }
        admin = await app.container.get(ProjectAdmin)
        other = await admin.create_project("Elsewhere", organization_name="Other Org")
        outsider = await add_user(app, "outsider@example.com", Role.OWNER, other.organization_id)
        yield World(app=app, users=users, outsider=outsider, other_project_id=other.id)


def internal_routes(app: EmbeddedApp) -> list[Route]:
    routes = []
    for route in app.app.routes:
        if not route.path.startswith(PREFIX):
            continue
        for handler in getattr(route, "route_handlers", ()):
            for method in sorted(handler.http_methods):
                if method not in ("HEAD", "OPTIONS"):
                    routes.append(Route(method, route.path, handler.opt.get(ACCESS_OPT)))
    return routes


def concrete(path: str, project_id: str, organization_id: str) -> str:
    path = re.sub(r"\{project_id(:\w+)?\}", project_id, path)
    path = re.sub(r"\{organization_id(:\w+)?\}", organization_id, path)
    return re.sub(r"\{\w+(:\w+)?\}", "does-not-exist", path)


def allows(role: Role, rule: AccessRule) -> bool:
    return rule in (Access.SIGNED_IN, Access.ANONYMOUS) or (
        isinstance(rule, Role) and role.allows(rule)
    )


async def test_every_internal_route_declares_an_access_rule(world: World) -> None:
    routes = internal_routes(world.app)
    assert len(routes) >= 9
    undeclared = [r for r in routes if not isinstance(r.rule, Role | Access)]
    assert undeclared == []


async def test_a_route_without_a_rule_is_refused_to_everyone(tmp_path: Path, chdb_dsn: str) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, plugins=[UndeclaredRoutePlugin()]) as app:
        owner = await add_user(app, "owner@example.com", Role.OWNER, app.project.organization_id)
        async with session_of(app, owner) as signed_in:
            response = await signed_in.client.get(f"{PREFIX}/undeclared")
        assert response.status_code == 403
        assert "secret" not in response.text


async def test_every_route_with_every_role(world: World) -> None:
    app = world.app
    org_id = app.project.organization_id
    walked = []
    for route in internal_routes(app):
        url = concrete(route.path, app.project.id, org_id)
        write = route.method not in SAFE_METHODS
        body = {"json": {}} if write else {}
        async with anonymous(app) as client:
            response = await client.request(route.method, url, **body)
            if route.rule is Access.ANONYMOUS:
                assert response.status_code not in (401, 403), (route, response.text)
                continue
            assert response.status_code == 401, (route, "no session", response.text)
            # An API key is no substitute for a session.
            keyed = await client.request(route.method, url, auth=app.auth(), **body)
            assert keyed.status_code == 401, (route, "api key", keyed.text)
        for role, user in world.users.items():
            async with session_of(app, user) as signed_in:
                if write:
                    missing = await signed_in.client.request(route.method, url, **body)
                    assert missing.status_code == 403, (route, role, "no csrf")
                    wrong = await signed_in.client.request(
                        route.method, url, headers={"x-csrf-token": "0" * 64}, **body
                    )
                    assert wrong.status_code == 403, (route, role, "wrong csrf")
                response = await signed_in.client.request(
                    route.method, url, headers=signed_in.csrf(), **body
                )
            if allows(role, route.rule):
                assert response.status_code not in (401, 403), (route, role, response.text)
                assert response.status_code < 500, (route, role, response.text)
            else:
                assert response.status_code == 403, (route, role, response.text)
            walked.append((route.method, route.path, role))
    assert len(walked) >= 4 * 8


async def test_members_of_one_organization_see_nothing_of_another(world: World) -> None:
    app = world.app
    scoped = [
        r for r in internal_routes(app) if "{project_id" in r.path or "{organization_id" in r.path
    ]
    assert len(scoped) >= 7
    async with session_of(app, world.outsider) as outsider:
        for route in scoped:
            url = concrete(route.path, app.project.id, app.project.organization_id)
            write = route.method not in SAFE_METHODS
            response = await outsider.client.request(
                route.method, url, headers=outsider.csrf(), **({"json": {}} if write else {})
            )
            assert response.status_code == 403, (route, response.text)
        listed = await outsider.client.get(f"{PREFIX}/projects")
        assert [p["id"] for p in listed.json()] == [world.other_project_id]
        # Unknown projects answer like other organizations' projects: nothing to learn.
        unknown = await outsider.client.get(f"{PREFIX}/projects/no-such-project/api-keys")
        assert unknown.status_code == 403
    async with session_of(app, world.users[Role.OWNER]) as owner:
        foreign = await owner.client.get(f"{PREFIX}/projects/{world.other_project_id}/api-keys")
        assert foreign.status_code == 403
        mine = await owner.client.get(f"{PREFIX}/projects")
        assert [p["id"] for p in mine.json()] == [app.project.id]
        assert mine.json()[0]["role"] == "OWNER"


async def test_a_revoked_key_stops_working_at_once(world: World) -> None:
    app = world.app
    keys_url = f"{PREFIX}/projects/{app.project.id}/api-keys"
    async with session_of(app, world.users[Role.ADMIN]) as admin:
        created = await admin.client.post(keys_url, json={"note": "CI"}, headers=admin.csrf())
        assert created.status_code == 201, created.text
        key = created.json()
        pair = (key["publicKey"], key["secretKey"])
        assert (await app.client.get("/api/public/projects", auth=pair)).status_code == 200
        listed = await admin.client.get(keys_url)
        assert key["secretKey"] not in listed.text
        assert key["id"] in {k["id"] for k in listed.json()}
        revoked = await admin.client.delete(f"{keys_url}/{key['id']}", headers=admin.csrf())
        assert revoked.status_code == 204
        assert (await app.client.get("/api/public/projects", auth=pair)).status_code == 401
        again = await admin.client.delete(f"{keys_url}/{key['id']}", headers=admin.csrf())
        assert again.status_code == 404
