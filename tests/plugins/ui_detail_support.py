"""Support for the UI detail tests: an embedded app on either analytics store, with a
user of every role and signed-in clients for them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import msgspec
from dishka import Provider, Scope

import spyglass_tracing
from spyglass_adapters.queue import TaskiqTaskQueue
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.projects import User
from spyglass_core.hookspecs import hookimpl
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.storage.clickhouse import ClickHouseAnalyticsStore
from spyglass_tracing.storage.memory_analytics import MemoryAnalyticsStore
from tests.plugins.accounts_support import add_user
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

STORES = ["chdb", "memory"]
"""The analytics stores the UI routes are tested on."""


class MemoryAnalyticsPlugin:
    """Replaces the ClickHouse analytics store with the in-memory one, API and worker alike.

    ``trylast``: its provider comes after tracing's, so it wins.
    """

    @hookimpl(trylast=True)
    def register_providers(self) -> Sequence[Any]:
        provider = Provider(scope=Scope.APP)
        provider.provide(MemoryAnalyticsStore, provides=AnalyticsStore)
        return [provider]


class UiWorld(msgspec.Struct, kw_only=True):
    """The app, its store and a user of every role in the project's organization."""

    app: EmbeddedApp
    store: AnalyticsStore
    users: dict[Role, User]
    kind: str

    @property
    def project(self) -> str:
        return self.app.project.id

    def url(self, path: str) -> str:
        return f"/api/internal/projects/{self.project}{path}"

    async def settle(self) -> None:
        """Wait until the in-process worker has applied everything accepted so far."""
        queue = await self.app.container.get(TaskiqTaskQueue)
        await queue.broker.wait_all()  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def ui_world(data_dir: Path, chdb_dsn: str, kind: str) -> AsyncIterator[UiWorld]:
    """An app on the ``kind`` analytics store (``chdb`` or ``memory``)."""
    plugins: list[object] = [spyglass_tracing]
    if kind == "memory":
        plugins.append(MemoryAnalyticsPlugin())
    async with embedded_app(embedded_settings(data_dir, chdb_dsn), plugins=plugins) as app:
        store = await app.container.get(AnalyticsStore)
        expected = MemoryAnalyticsStore if kind == "memory" else ClickHouseAnalyticsStore
        assert isinstance(store, expected)
        org_id = app.project.organization_id
        users = {
            role: await add_user(app, f"{role.lower()}@example.com", role, org_id) for role in Role
        }
        yield UiWorld(app=app, store=store, users=users, kind=kind)
