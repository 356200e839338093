"""Domain events through the outbox on real storage (SQLite): committed with their change,
kept until every handler ran, and delivered again after a failure or a restart."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

import spyglass_tracing
from spyglass.di import make_container
from spyglass.events import QueuedEventPublisher, event_type_name
from spyglass.plugins import make_plugin_manager, register_plugins
from spyglass.runtime import migrate_sql
from spyglass_adapters.queue import TaskiqTaskQueue
from spyglass_core.domain.events import DomainEvent, TracesIngested
from spyglass_core.hookspecs import hookimpl
from spyglass_core.ports.event_outbox import OutboxEntry
from spyglass_core.ports.event_publisher import EventPublisher
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

T0 = datetime(2026, 12, 3, 12, tzinfo=UTC)


class FlakyListener:
    """Listens to ``TracesIngested``; fails the first ``failures`` deliveries."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.seen: list[tuple[str, ...]] = []

    @hookimpl
    def register_event_handlers(self) -> dict[type[DomainEvent], Sequence[Any]]:
        return {TracesIngested: [self.handle]}

    async def handle(self, event: TracesIngested, container: Any) -> None:
        self.seen.append(event.trace_ids)
        if self.failures:
            self.failures -= 1
            raise RuntimeError("a handler bug, once")


async def settle(app: EmbeddedApp) -> None:
    queue = await app.container.get(TaskiqTaskQueue)
    await queue.broker.wait_all()  # type: ignore[attr-defined]


async def outbox(app: EmbeddedApp) -> list[OutboxEntry]:
    async with (await app.container.get(UnitOfWorkFactory))() as uow:
        return list(await uow.outbox.due(datetime(2999, 1, 1, tzinfo=UTC), 100))


async def send_trace(app: EmbeddedApp, trace_id: str) -> None:
    event = {
        "id": f"e-{trace_id}",
        "type": "trace-create",
        "timestamp": "2026-12-03T12:00:00Z",
        "body": {"id": trace_id, "name": "qa"},
    }
    sent = await app.client.post("/api/public/ingestion", json={"batch": [event]}, auth=app.auth())
    assert sent.status_code == 207, sent.text


async def test_an_event_stays_until_its_handler_succeeded(tmp_path: Path, chdb_dsn: str) -> None:
    listener = FlakyListener(failures=1)
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, [spyglass_tracing, listener]) as app:
        await send_trace(app, "t-1")
        for _ in range(50):  # the batch is applied, then its event handled
            await settle(app)
            if listener.seen:
                break
            await asyncio.sleep(0.1)
        await settle(app)
        assert listener.seen == [("t-1",)]
        (kept,) = await outbox(app)
        assert kept.attempts == 1 and kept.event_type == event_type_name(TracesIngested)

        publisher = await app.container.get(EventPublisher)
        assert isinstance(publisher, QueuedEventPublisher)
        assert await publisher.relay(recover=True) == 1  # as the retry would, later
        await settle(app)
        assert listener.seen == [("t-1",), ("t-1",)]
        assert await outbox(app) == []


async def test_events_a_dead_process_left_are_delivered_at_the_next_start(
    tmp_path: Path, chdb_dsn: str
) -> None:
    listener = FlakyListener()
    settings = embedded_settings(tmp_path, chdb_dsn)
    event = TracesIngested(occurred_at=T0, project_id="p", trace_ids=("left-behind",))
    # What a process killed after committing a batch (its delivery only queued in memory)
    # leaves: the entry, marked in flight.
    pm = make_plugin_manager(load_entrypoints=False)
    register_plugins(pm, [spyglass_tracing])
    await migrate_sql(settings, pm)
    container = make_container(settings, pm)
    try:
        async with (await container.get(UnitOfWorkFactory))() as uow:
            await uow.outbox.add(
                [
                    OutboxEntry(
                        id="left",
                        event_type=event_type_name(TracesIngested),
                        payload=msgspec.json.encode(event).decode(),
                        created_at=T0,
                        available_at=datetime.now(UTC) + timedelta(minutes=5),
                    )
                ]
            )
            await uow.commit()
    finally:
        await container.close()
    async with embedded_app(settings, [spyglass_tracing, listener]) as second:
        for _ in range(50):
            await settle(second)
            if listener.seen:
                break
            await asyncio.sleep(0.1)
        await settle(second)
        assert ("left-behind",) in listener.seen
        assert [e.id for e in await outbox(second)] == []
