"""Domain events reach their handlers through the task queue, never inline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import spyglass_tracing
from spyglass_core.domain.events import DomainEvent, TracesIngested
from spyglass_core.hookspecs import hookimpl
from spyglass_tracing.ports.analytics import AnalyticsStore
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings


class SlowSubscriber:
    """Listens to ``TracesIngested`` and takes as long as the test wants."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered: list[TracesIngested] = []
        self.seen: list[TracesIngested] = []

    @hookimpl
    def register_event_handlers(self) -> dict[type[DomainEvent], Sequence[Any]]:
        return {TracesIngested: [self.handle]}

    async def handle(self, event: TracesIngested, container: Any) -> None:
        self.entered.append(event)
        await self.release.wait()
        self.seen.append(event)


def trace_batch(trace_id: str) -> dict[str, Any]:
    return {
        "batch": [
            {
                "id": f"e-{trace_id}",
                "type": "trace-create",
                "timestamp": "2026-12-01T12:00:00Z",
                "body": {"id": trace_id, "name": "slow-subscriber"},
            }
        ]
    }


async def stored(app: EmbeddedApp, trace_id: str, within: float = 15.0) -> bool:
    analytics = await app.container.get(AnalyticsStore)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await analytics.get_trace(app.project.id, trace_id) is not None:
            return True
        await asyncio.sleep(0.02)
    return False


async def entered(slow: SlowSubscriber, trace_ids: set[str], within: float = 15.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if {t for event in slow.entered for t in event.trace_ids} >= trace_ids:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_slow_event_handler_never_stalls_ingestion(tmp_path: Path, chdb_dsn: str) -> None:
    slow = SlowSubscriber()
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, plugins=[spyglass_tracing, slow]) as app:
        try:
            for trace_id in ("t0", "t1", "t2"):
                sent = await app.client.post(
                    "/api/public/ingestion", json=trace_batch(trace_id), auth=app.auth()
                )
                assert sent.status_code == 207, sent.text
                assert await stored(app, trace_id), f"{trace_id} waited for the subscriber"
            assert slow.seen == []
            # A trace is readable a moment before its event leaves the outbox: leave once
            # every delivery is running (blocked in the handler), not merely stored.
            assert await entered(slow, {"t0", "t1", "t2"}), "a delivery never started"
        finally:
            slow.release.set()
    # Leaving the app waited for the deliveries still running.
    assert {t for e in slow.seen for t in e.trace_ids} == {"t0", "t1", "t2"}
    assert {e.project_id for e in slow.seen} == {app.project.id}
