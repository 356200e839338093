"""A seeded app for the comments and annotation-queue tests: traces, configs and users.

Traces ``t1`` and ``t2`` (session ``s1``) and ``t3``, the observation ``o1`` of ``t1`` and
``o2`` of ``t2`` go in through the public ingestion API and are processed; three score
configs (NUMERIC 0 to 1, CATEGORICAL good/bad, BOOLEAN) are created through the public API;
one user per role belongs to the project's organization.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec

import spyglass_tracing
from spyglass_adapters.queue import TaskiqTaskQueue
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import KeyPair
from spyglass_core.domain.projects import User
from tests.plugins.accounts_support import add_user
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

API = "/api/public"
INTERNAL = "/api/internal"
STAMP = "2026-12-04T10:00:00Z"


class Seeded(msgspec.Struct, kw_only=True):
    """The app, its users by role, the score config ids by type, another project's keys."""

    app: EmbeddedApp
    users: dict[Role, User]
    configs: dict[str, str]
    other_keys: KeyPair

    @property
    def project(self) -> str:
        return self.app.project.id

    def internal(self, path: str) -> str:
        """``/api/internal/projects/<project>/<path>``."""
        return f"{INTERNAL}/projects/{self.project}/{path}"

    async def public(
        self,
        method: str,
        path: str,
        expected: int = 200,
        keys: KeyPair | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call the public API with the project's (or the given) keys; check the status."""
        response = await self.app.client.request(
            method, API + path, auth=self.app.auth(keys), **kwargs
        )
        assert response.status_code == expected, (method, path, response.text)
        return response.json() if response.content else None


def _event(event_id: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "type": kind, "timestamp": STAMP, "body": body}


SEED_BATCH = [
    _event("e1", "trace-create", {"id": "t1", "name": "chat", "sessionId": "s1"}),
    _event("e2", "trace-create", {"id": "t2", "name": "chat", "sessionId": "s1"}),
    _event("e3", "trace-create", {"id": "t3", "name": "other", "environment": "staging"}),
    _event("e4", "span-create", {"id": "o1", "traceId": "t1", "name": "root"}),
    _event("e5", "generation-create", {"id": "o2", "traceId": "t2", "name": "llm"}),
]

CONFIGS = {
    "NUMERIC": {"name": "accuracy", "dataType": "NUMERIC", "minValue": 0, "maxValue": 1},
    "CATEGORICAL": {
        "name": "tone",
        "dataType": "CATEGORICAL",
        "categories": [{"label": "good", "value": 1}, {"label": "bad", "value": 0}],
    },
    "BOOLEAN": {"name": "correct", "dataType": "BOOLEAN"},
}


async def settle(app: EmbeddedApp) -> None:
    """Wait until the worker has applied everything accepted so far."""
    queue = await app.container.get(TaskiqTaskQueue)
    await queue.broker.wait_all()  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def seeded_app(data_dir: Path, chdb_dsn: str) -> AsyncIterator[Seeded]:
    """The seeded app (see the module's docstring)."""
    settings = embedded_settings(data_dir, chdb_dsn)
    async with embedded_app(settings, plugins=[spyglass_tracing]) as app:
        sent = await app.client.post(
            f"{API}/ingestion", json={"batch": SEED_BATCH}, auth=app.auth()
        )
        assert sent.status_code == 207 and not sent.json()["errors"], sent.text
        await settle(app)
        configs = {}
        for kind, body in CONFIGS.items():
            created = await app.client.post(f"{API}/score-configs", json=body, auth=app.auth())
            assert created.status_code == 200, created.text
            configs[kind] = created.json()["id"]
        org_id = app.project.organization_id
        users = {
            role: await add_user(app, f"{role.lower()}@example.com", role, org_id) for role in Role
        }
        admin = await app.admin()
        other = await admin.create_project("Elsewhere")
        _, other_keys = await admin.create_api_key(other.id)
        yield Seeded(app=app, users=users, configs=configs, other_keys=other_keys)
