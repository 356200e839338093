"""What an operator does with batches the worker gave up on: list, inspect, replay."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from spyglass_core.domain.errors import NotFound
from spyglass_core.ports.blob_store import BlobStore
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.domain.ingestion import BatchRecord
from spyglass_tracing.ports.repositories import IngestionBatchRepository
from spyglass_tracing.services.intake import BatchIntake

__all__ = ("DeadLetters", "IngestionStatus")


class IngestionStatus(msgspec.Struct, kw_only=True, rename="camel"):
    """How many batches wait for the worker, and how many were dead-lettered."""

    pending_batches: int
    dead_batches: int


class DeadLetters:
    """Dead-lettered ingestion batches, across projects (an operator's view)."""

    def __init__(self, uow: UnitOfWorkFactory, blobs: BlobStore, intake: BatchIntake) -> None:
        self._uow = uow
        self._blobs = blobs
        self._intake = intake

    async def list(self, *, offset: int = 0, limit: int = 50) -> tuple[Sequence[BatchRecord], int]:
        """Dead batches, oldest first, and their count."""
        async with self._uow() as uow:
            return await uow.repository(IngestionBatchRepository).dead(offset=offset, limit=limit)

    async def show(self, batch_id: str) -> tuple[BatchRecord, bytes | None]:
        """One batch's record and its stored file (None when the file is gone).

        Raises: NotFound.
        """
        async with self._uow() as uow:
            record = await uow.repository(IngestionBatchRepository).get(batch_id)
        if record is None:
            raise NotFound(f"Batch '{batch_id}' not found")
        try:
            return record, await self._blobs.get(record.blob_key)
        except NotFound:
            return record, None

    async def replay(self, batch_id: str) -> None:
        """Make a dead batch pending again and hand it to the worker.

        Raises: NotFound when no dead batch has this id.
        """
        async with self._uow() as uow:
            revived = await uow.repository(IngestionBatchRepository).revive(batch_id)
            await uow.commit()
        if not revived:
            raise NotFound(f"No dead-lettered batch '{batch_id}'")
        await self._intake.enqueue(batch_id)

    async def status(self) -> IngestionStatus:
        """Counts for dashboards and alerts."""
        async with self._uow() as uow:
            batches = uow.repository(IngestionBatchRepository)
            pending = await batches.count_pending()
            _, dead = await batches.dead(limit=1)
        return IngestionStatus(pending_batches=pending, dead_batches=dead)
