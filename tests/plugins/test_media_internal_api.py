"""The UI's media previews: a signed-in viewer gets the record and its signed link."""

from __future__ import annotations

from pathlib import Path

import spyglass_tracing
from spyglass_core.domain.accounts import Role
from spyglass_core.services.projects import ProjectAdmin
from tests.plugins.accounts_support import add_user, signed_in
from tests.plugins.conftest import embedded_app, embedded_settings
from tests.plugins.test_tracing_admin_api import announcement, call, png, upload


async def test_a_viewer_previews_media_of_their_project_only(tmp_path: Path, chdb_dsn: str) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, [spyglass_tracing]) as app:
        image = png(4, 4)
        announced = await call(app, "POST", "/media", 201, json=announcement(image))
        media_id = announced["mediaId"]
        await upload(app, announced["uploadUrl"], image)
        other = await (await app.container.get(ProjectAdmin)).create_project(
            "Other", organization_name="Other Org"
        )
        await add_user(app, "viewer@example.com", Role.VIEWER, app.project.organization_id)
        async with signed_in(app, "viewer@example.com") as viewer:
            mine = await viewer.client.get(
                f"/api/internal/projects/{app.project.id}/media/{media_id}"
            )
            unknown = await viewer.client.get(
                f"/api/internal/projects/{app.project.id}/media/no-such-media"
            )
            foreign = await viewer.client.get(f"/api/internal/projects/{other.id}/media/{media_id}")
            assert mine.status_code == 200, mine.text
            downloaded = await viewer.client.get(mine.json()["url"])
    assert mine.json()["contentType"] == "image/png"
    assert downloaded.status_code == 200
    assert downloaded.content == image
    assert unknown.status_code == 404
    assert foreign.status_code == 403
