"""Creating projects from the web UI: admins of an organization, in that organization only."""

from __future__ import annotations

from pathlib import Path

from spyglass_core.domain.accounts import Role
from spyglass_core.services.projects import ProjectAdmin
from tests.plugins.accounts_support import add_user, signed_in
from tests.plugins.conftest import embedded_app, embedded_settings


async def test_an_admin_creates_a_project_in_their_organization(
    tmp_path: Path, chdb_dsn: str
) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings) as app:
        org_id = app.project.organization_id
        await add_user(app, "admin@example.com", Role.ADMIN, org_id)
        await add_user(app, "member@example.com", Role.MEMBER, org_id)
        other = await (await app.container.get(ProjectAdmin)).create_project(
            "Theirs", organization_name="Other Org"
        )
        async with signed_in(app, "admin@example.com") as admin:
            url = f"/api/internal/organizations/{org_id}/projects"
            created = await admin.client.post(url, json={"name": "Search"}, headers=admin.csrf())
            again = await admin.client.post(url, json={"name": "Search"}, headers=admin.csrf())
            empty = await admin.client.post(url, json={"name": ""}, headers=admin.csrf())
            foreign = await admin.client.post(
                f"/api/internal/organizations/{other.organization_id}/projects",
                json={"name": "Intruder"},
                headers=admin.csrf(),
            )
            listed = (await admin.client.get("/api/internal/projects")).json()
        async with signed_in(app, "member@example.com") as member:
            refused = await member.client.post(url, json={"name": "Nope"}, headers=member.csrf())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "Search"
    assert body["organizationId"] == org_id
    assert body["role"] == "ADMIN"
    assert body["id"] in {p["id"] for p in listed}
    assert again.status_code == 409
    assert empty.status_code == 400
    assert foreign.status_code == 403
    assert refused.status_code == 403
    assert "Intruder" not in {p["name"] for p in listed}
