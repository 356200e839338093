"""Signed media URLs verify after a restart and on every replica."""

from __future__ import annotations

from datetime import UTC, datetime

from spyglass_adapters.memory.blobs import MemoryBlobStore
from spyglass_adapters.memory.clock import FixedClock
from spyglass_adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from spyglass_tracing.options import TracingOptions
from spyglass_tracing.services.media import MediaService


def service(uow: MemoryUnitOfWorkFactory, key: str = "") -> MediaService:
    clock = FixedClock(datetime(2026, 12, 1, tzinfo=UTC))
    return MediaService(uow, MemoryBlobStore(), clock, TracingOptions(media_signing_key=key))


async def test_processes_sharing_a_database_sign_alike_without_configuration() -> None:
    shared = MemoryUnitOfWorkFactory()
    first, restarted = service(shared), service(shared)
    await first.load_signing_key()
    await restarted.load_signing_key()
    assert first.sign("p", "m", 100) == restarted.sign("p", "m", 100)

    elsewhere = service(MemoryUnitOfWorkFactory())
    await elsewhere.load_signing_key()
    assert elsewhere.sign("p", "m", 100) != first.sign("p", "m", 100)


async def test_a_configured_key_wins() -> None:
    configured = service(MemoryUnitOfWorkFactory(), key="k")
    await configured.load_signing_key()
    other = service(MemoryUnitOfWorkFactory(), key="k")
    assert configured.sign("p", "m", 1) == other.sign("p", "m", 1)
