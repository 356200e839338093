"""The accepting half of ingestion: store a batch durably, record it, enqueue it.

Nothing is acknowledged before the batch is in the blob store and recorded as pending,
so a crash after the answer loses nothing: the worker, or the sweep after a restart,
finds every pending batch again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

import msgspec

from spyglass_core.domain.errors import DomainError, RateLimited
from spyglass_core.ports.blob_store import BlobStore
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.task_queue import TaskQueue
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.domain.ingestion import BatchHeader, BatchRecord, EntityEvent, encode_batch
from spyglass_tracing.options import TracingOptions
from spyglass_tracing.ports.repositories import IngestionBatchRepository

__all__ = ("PROCESS_BATCH_TASK", "Attribution", "BatchIntake", "batch_blob_key")

PROCESS_BATCH_TASK = "tracing.process_batch"

logger = logging.getLogger(__name__)


class Attribution(msgspec.Struct, frozen=True, kw_only=True):
    """Who sent a batch, from the ``x-langfuse-*`` headers (either spelling)."""

    sdk_name: str | None = None
    sdk_version: str | None = None
    public_key: str | None = None


def batch_blob_key(project_id: str, batch_id: str, received_at_path: str) -> str:
    """Where a batch lives: ``ingestion/<project>/<yyyy/mm/dd/hh>/<batch id>.json``."""
    return f"ingestion/{project_id}/{received_at_path}/{batch_id}.json"


class BatchIntake:
    """Accepts validated events for one project.

    Args:
        uow: transactional storage, where pending batches and seen event ids are recorded.
        blobs: where batches are written before anything is acknowledged.
        queue: where the worker is told about a batch.
        clock: the time source.
        options: the queue bound and ``Retry-After``.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        blobs: BlobStore,
        queue: TaskQueue,
        clock: Clock,
        options: TracingOptions,
    ) -> None:
        self._uow = uow
        self._blobs = blobs
        self._queue = queue
        self._clock = clock
        self._options = options

    async def check_capacity(self) -> None:
        """Refuse new work while the queue is past its bound.

        Raises:
            RateLimited: the worker is behind; the caller should retry later.
        """
        if await self._queue.depth() >= self._options.queue_bound:
            raise RateLimited(
                "Ingestion queue is full, retry later",
                retry_after=self._options.retry_after_seconds,
            )

    def new_batch(self, project_id: str, *, source: str, attribution: Attribution) -> BatchHeader:
        """The header of a batch arriving now: a new id, the time, who sent it."""
        return BatchHeader(
            id=uuid.uuid4().hex,
            project_id=project_id,
            source=source,
            received_at=self._clock.now(),
            sdk_name=attribution.sdk_name,
            sdk_version=attribution.sdk_version,
            public_key=attribution.public_key,
        )

    async def accept(
        self,
        project_id: str,
        events: Sequence[EntityEvent],
        *,
        source: str,
        attribution: Attribution,
        dedupe: bool = False,
    ) -> None:
        """Store ``events`` as one batch and hand it to the worker.

        Args:
            dedupe: drop events whose envelope id an earlier batch carried (the batch
                API, whose SDKs resend whole batches); OTLP spans are idempotent anyway.

        Raises:
            RateLimited: the queue is past its bound; nothing was stored.
            StorageUnavailable: the blob store or the database failed; nothing was
                acknowledged, so the caller may retry.
        """
        await self.check_capacity()
        if dedupe and events:
            async with self._uow() as uow:
                seen = await uow.repository(IngestionBatchRepository).seen_event_ids(
                    project_id, [event.id for event in events]
                )
            events = [event for event in events if event.id not in seen]
        if not events:
            return
        header = self.new_batch(project_id, source=source, attribution=attribution)
        seen_ids = [event.id for event in events] if dedupe else []
        await self._store(header, encode_batch(header, events), len(events), seen_ids)

    async def store_encoded(self, header: BatchHeader, blob: bytes, event_count: int) -> None:
        """Store a batch encoded elsewhere (``encode_batch``) and hand it to the worker.

        The same as ``accept`` without deduplication, for events mapped and encoded off
        the event loop (OTLP exports). Nothing is stored when ``event_count`` is 0.

        Raises:
            RateLimited: the queue is past its bound; nothing was stored.
            StorageUnavailable: the blob store or the database failed; nothing was
                acknowledged, so the caller may retry.
        """
        await self.check_capacity()
        if event_count:
            await self._store(header, blob, event_count, [])

    async def _store(
        self, header: BatchHeader, blob: bytes, event_count: int, seen_ids: list[str]
    ) -> None:
        """Write the blob, then the pending record, then tell the worker.

        ``seen_ids`` are recorded with the batch for deduplication. Whatever step fails,
        the caller answers with an error, so nothing half-stored is acknowledged.
        """
        received_at = header.received_at
        key = batch_blob_key(header.project_id, header.id, received_at.strftime("%Y/%m/%d/%H"))
        await self._blobs.put(key, blob)
        record = BatchRecord(
            id=header.id,
            project_id=header.project_id,
            blob_key=key,
            source=header.source,
            received_at=received_at,
            event_count=event_count,
        )
        async with self._uow() as uow:
            await uow.repository(IngestionBatchRepository).add(record, seen_ids)
            await uow.commit()
        await self.enqueue(header.id)

    async def enqueue(self, batch_id: str) -> None:
        """Tell the worker about a recorded batch.

        A failure is logged, not raised: the batch is durable and recorded as pending,
        so the periodic sweep enqueues it again.
        """
        try:
            await self._queue.enqueue(PROCESS_BATCH_TASK, {"batch_id": batch_id})
        except DomainError as error:
            logger.warning(
                "batch %s stored but not enqueued (%s); the sweep retries", batch_id, error.message
            )
