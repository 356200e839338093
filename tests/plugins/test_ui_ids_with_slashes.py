"""User and session ids are free text from the SDKs: a "/" in one must not break its page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import spyglass_tracing
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.tracing import Observation, ObservationType, Trace
from spyglass_tracing.ports.analytics import AnalyticsStore
from tests.plugins.accounts_support import add_user, signed_in
from tests.plugins.conftest import embedded_app, embedded_settings


async def test_user_and_session_pages_of_ids_with_slashes(tmp_path: Path, chdb_dsn: str) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, [spyglass_tracing]) as app:
        project = app.project.id
        store = await app.container.get(AnalyticsStore)
        moment = datetime(2026, 1, 1, tzinfo=UTC)
        await store.upsert_traces(
            [
                Trace(
                    id="t1",
                    project_id=project,
                    timestamp=moment,
                    user_id="team/alice",
                    session_id="chat/42",
                )
            ]
        )
        await store.upsert_observations(
            [
                Observation(
                    id="o1",
                    trace_id="t1",
                    project_id=project,
                    type=ObservationType.SPAN,
                    start_time=moment,
                )
            ]
        )
        await add_user(app, "v@example.com", Role.VIEWER, app.project.organization_id)
        base = f"/api/internal/projects/{project}"
        async with signed_in(app, "v@example.com") as viewer:
            user = await viewer.client.get(f"{base}/users/{quote('team/alice', safe='')}")
            session = await viewer.client.get(f"{base}/sessions/{quote('chat/42', safe='')}")
            plain = await viewer.client.get(f"{base}/users/nobody")
    assert user.status_code == 200, user.text
    assert user.json()["userId"] == "team/alice"
    assert session.status_code == 200, session.text
    assert session.json()["session"]["id"] == "chat/42"
    assert [turn["id"] for turn in session.json()["traces"]] == ["t1"]
    assert plain.status_code == 404
