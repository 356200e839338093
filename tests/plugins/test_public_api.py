"""The foundation's public API on a real embedded container: auth, projects, health, errors."""

from __future__ import annotations

import base64
from pathlib import Path

from litestar.testing import AsyncTestClient

from spyglass import __version__
from spyglass.app import create_app
from spyglass.di import make_container
from spyglass.plugins import make_plugin_manager
from spyglass_core.domain.accounts import Role
from tests.plugins.accounts_support import add_user, signed_in
from tests.plugins.conftest import EmbeddedApp, embedded_settings


async def test_projects_returns_the_keys_project_in_the_sdk_shape(embedded: EmbeddedApp) -> None:
    response = await embedded.client.get("/api/public/projects", auth=embedded.auth())
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "data": [
            {
                "id": embedded.project.id,
                "name": "Test Project",
                "organization": {
                    "id": embedded.project.organization_id,
                    "name": "Default Organization",
                },
                "metadata": {},
            }
        ]
    }


async def test_missing_header_is_401_with_langfuse_message(embedded: EmbeddedApp) -> None:
    response = await embedded.client.get("/api/public/projects")
    assert response.status_code == 401
    assert response.json() == {"message": "No authorization header", "error": "UnauthorizedError"}


async def test_wrong_secret_is_401(embedded: EmbeddedApp) -> None:
    response = await embedded.client.get(
        "/api/public/projects", auth=(embedded.keys.public_key, "sk-lf-wrong")
    )
    assert response.status_code == 401
    assert response.json()["message"].startswith("Invalid credentials.")


async def test_right_secret_with_another_public_key_is_401(embedded: EmbeddedApp) -> None:
    response = await embedded.client.get(
        "/api/public/projects", auth=("pk-lf-someone-else", embedded.keys.secret_key)
    )
    assert response.status_code == 401


async def test_malformed_basic_credentials_are_401_not_500(embedded: EmbeddedApp) -> None:
    for header in (
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Digest x",
    ):
        response = await embedded.client.get(
            "/api/public/projects", headers={"Authorization": header}
        )
        assert response.status_code == 401, header
        assert set(response.json()) == {"message", "error"}


async def test_bearer_public_key_is_forbidden_outside_score_routes(embedded: EmbeddedApp) -> None:
    response = await embedded.client.get(
        "/api/public/projects", headers={"Authorization": f"Bearer {embedded.keys.public_key}"}
    )
    assert response.status_code == 403
    assert response.json() == {
        "message": "Access denied - insufficient permissions for this endpoint",
        "error": "ForbiddenError",
    }


async def test_two_projects_never_see_each_other(embedded: EmbeddedApp) -> None:
    admin = await embedded.admin()
    other = await admin.create_project("Other Project", organization_name="Other Org")
    _, other_keys = await admin.create_api_key(other.id)

    mine = await embedded.client.get("/api/public/projects", auth=embedded.auth())
    theirs = await embedded.client.get("/api/public/projects", auth=embedded.auth(other_keys))

    assert [p["id"] for p in mine.json()["data"]] == [embedded.project.id]
    assert [p["id"] for p in theirs.json()["data"]] == [other.id]
    assert theirs.json()["data"][0]["organization"]["name"] == "Other Org"


async def test_revoked_key_stops_working_at_once_in_this_process(embedded: EmbeddedApp) -> None:
    admin = await embedded.admin()
    key, pair = await admin.create_api_key(embedded.project.id)
    assert (
        await embedded.client.get("/api/public/projects", auth=embedded.auth(pair))
    ).status_code == 200

    await admin.revoke_api_key(key.id)

    assert (
        await embedded.client.get("/api/public/projects", auth=embedded.auth(pair))
    ).status_code == 401


async def test_health_needs_no_auth_and_reports_version(embedded: EmbeddedApp) -> None:
    response = await embedded.client.get("/api/public/health")
    assert response.status_code == 200
    assert response.json() == {"status": "OK", "version": __version__}
    checked = await embedded.client.get("/api/public/health?failIfDatabaseUnavailable=true")
    assert checked.status_code == 200


async def test_health_is_503_when_the_database_is_down(tmp_path: Path, chdb_dsn: str) -> None:
    settings = embedded_settings(
        tmp_path, chdb_dsn, database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none"
    )
    pm = make_plugin_manager(load_entrypoints=False)
    container = make_container(settings, pm)
    try:
        async with AsyncTestClient(create_app(pm, container, settings.plugin_config)) as client:
            down = await client.get("/api/public/health?failIfDatabaseUnavailable=true")
            plain = await client.get("/api/public/health")
    finally:
        await container.close()
    assert down.status_code == 503
    assert down.json()["status"] == "Database not available"
    assert plain.status_code == 200


async def test_unknown_route_is_json_404(embedded: EmbeddedApp) -> None:
    response = await embedded.client.get("/api/public/nothing-here", auth=embedded.auth())
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found", "error": "LangfuseNotFoundError"}


async def test_wrong_method_is_json_405(embedded: EmbeddedApp) -> None:
    response = await embedded.client.delete("/api/public/projects", auth=embedded.auth())
    assert response.status_code == 405
    assert response.json()["error"] == "MethodNotAllowedError"


async def test_internal_plugins_lists_builtin_plugin_with_hooks(embedded: EmbeddedApp) -> None:
    await add_user(embedded, "viewer@example.com", Role.VIEWER, embedded.project.organization_id)
    async with signed_in(embedded, "viewer@example.com") as viewer:
        response = await viewer.client.get("/api/internal/plugins")
    assert response.status_code == 200
    plugins = {p["name"]: p for p in response.json()}
    assert plugins["spyglass.defaults"]["hooks"] == ["register_routes"]
    assert plugins["spyglass.defaults"]["version"] == __version__


async def test_openapi_document_is_published(embedded: EmbeddedApp) -> None:
    response = await embedded.client.get("/api/openapi/openapi.json")
    assert response.status_code == 200
    assert "/api/public/projects" in response.json()["paths"]
