"""An embedded Spyglass (SQLite + chDB + local blobs) behind Litestar's test client."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from dishka import AsyncContainer
from litestar import Litestar

from spyglass.app import create_app
from spyglass.di import make_container
from spyglass.plugins import make_plugin_manager, register_plugins
from spyglass.runtime import attach_tasks, migrate_sql
from spyglass.settings import Settings
from spyglass_core.domain.api_keys import KeyPair
from spyglass_core.domain.projects import Project
from spyglass_core.services.projects import ProjectAdmin


class EmbeddedApp(msgspec.Struct, kw_only=True):
    """A running app, its container and a ready project with a key pair."""

    app: Litestar
    client: httpx.AsyncClient
    container: AsyncContainer
    project: Project
    keys: KeyPair

    def auth(self, keys: KeyPair | None = None) -> tuple[str, str]:
        """Basic-auth credentials for httpx."""
        pair = keys or self.keys
        return (pair.public_key, pair.secret_key)

    async def admin(self) -> ProjectAdmin:
        """The project service of this app."""
        return await self.container.get(ProjectAdmin)


def embedded_settings(data_dir: Path, chdb_dsn: str, **overrides: Any) -> Settings:
    """Settings of an embedded deployment in ``data_dir``, sharing the process's chDB path."""
    values: dict[str, Any] = {
        "data_dir": str(data_dir),
        "analytics_url": chdb_dsn,
        "analytics_database": f"app_{uuid.uuid4().hex}",
        "salt": "test-salt",
    }
    return Settings(**(values | overrides))


@contextlib.asynccontextmanager
async def embedded_app(
    settings: Settings, plugins: Iterable[object] = ()
) -> AsyncIterator[EmbeddedApp]:
    """Build the real app on ``settings`` with extra plugin objects registered."""
    pm = make_plugin_manager(load_entrypoints=False)
    register_plugins(pm, plugins)
    await migrate_sql(settings, pm)
    container = make_container(settings, pm)
    queue = await attach_tasks(pm, settings, container)
    await queue.broker.startup()
    try:
        admin = await container.get(ProjectAdmin)
        project = await admin.create_project("Test Project")
        _, keys = await admin.create_api_key(project.id)
        app = create_app(pm, container, settings.plugin_config)
        # The app runs on this test's event loop, as under uvicorn: asyncpg connections are
        # bound to the loop that opened them (Litestar's test client would use another).
        # Its start-up and shutdown handlers are run directly: Litestar's lifespan context
        # uses a cancel scope, which cannot span a fixture's setup and teardown tasks.
        for handler in app.on_startup:
            await handler()  # type: ignore[misc]
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver"
            ) as client:
                yield EmbeddedApp(
                    app=app, client=client, container=container, project=project, keys=keys
                )
        finally:
            for handler in app.on_shutdown:
                await handler()  # type: ignore[misc]
    finally:
        # Let tasks still running (event deliveries) finish, as a worker's shutdown does.
        await queue.broker.wait_all()  # type: ignore[attr-defined]
        await queue.broker.shutdown()
        await container.close()


@pytest.fixture
async def embedded(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[EmbeddedApp]:
    """The app with only the built-in plugin."""
    async with embedded_app(embedded_settings(tmp_path, chdb_dsn)) as running:
        yield running
