"""Start-up recovery never holds up serving, and batches that keep failing end dead-lettered."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import spyglass_tracing
from spyglass.plugins import make_plugin_manager, register_plugins
from spyglass.runtime import migrate_sql
from spyglass.storage import collect_storage, sql_repositories
from spyglass_adapters.sql import SqlUnitOfWorkFactory, create_engine
from spyglass_core.domain.accounts import Role
from spyglass_tracing.domain.ingestion import BatchRecord
from spyglass_tracing.ports.repositories import IngestionBatchRepository
from tests.plugins.accounts_support import add_user, signed_in
from tests.plugins.conftest import embedded_app, embedded_settings

BACKLOG = 1_200


async def test_a_backlog_of_broken_batches_neither_blocks_start_up_nor_loops(
    tmp_path: Path, chdb_dsn: str
) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn)
    pm = make_plugin_manager(load_entrypoints=False)
    register_plugins(pm, [spyglass_tracing])
    await migrate_sql(settings, pm)
    engine = create_engine(settings.sql_url)
    factory = SqlUnitOfWorkFactory(
        engine, sql_repositories(collect_storage(pm, settings.plugin_config))
    )
    received = datetime(2026, 12, 1, tzinfo=UTC)
    async with factory() as uow:
        batches = uow.repository(IngestionBatchRepository)
        for index in range(BACKLOG):  # their files are missing: no retry can apply them
            record = BatchRecord(
                id=f"lost-{index:05d}",
                project_id="gone",
                blob_key=f"ingestion/gone/lost-{index:05d}.json",
                source="ingestion",
                received_at=received,
                event_count=1,
            )
            await batches.add(record, [])
        await uow.commit()

    started = time.monotonic()
    async with embedded_app(settings, plugins=[spyglass_tracing]) as app:
        assert time.monotonic() - started < 10  # start-up did not wait for the backlog
        health = await app.client.get("/api/public/health")
        assert health.status_code == 200
        # Generous: on a loaded CI machine 1,200 dead-letterings took over a minute.
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            async with factory() as uow:
                _, dead = await uow.repository(IngestionBatchRepository).dead(limit=1)
                pending = await uow.repository(IngestionBatchRepository).pending(limit=1)
            if dead == BACKLOG and not pending:
                break
            await asyncio.sleep(0.2)
    await engine.dispose()
    assert (dead, pending) == (BACKLOG, [])


async def test_the_internal_api_counts_pending_and_dead_batches(
    tmp_path: Path, chdb_dsn: str
) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, plugins=[spyglass_tracing]) as app:
        await add_user(app, "ops@example.com", Role.ADMIN, app.project.organization_id)
        async with signed_in(app, "ops@example.com") as admin:
            response = await admin.client.get("/api/internal/ingestion/status")
        assert response.status_code == 200
        assert response.json() == {"pendingBatches": 0, "deadBatches": 0}
        anonymous = await app.client.get("/api/internal/ingestion/status")
        assert anonymous.status_code == 401
        # API keys are for the public API only.
        with_key = await app.client.get("/api/internal/ingestion/status", auth=app.auth())
        assert with_key.status_code == 401
