"""The accepting half of ingestion: store a batch durably, record it, enqueue it.

Nothing is acknowledged before the batch is in the blob store and recorded as pending,
so a crash after the answer loses nothing: the worker, or the sweep after a restart,
finds every pending batch again.

The pending records of batches arriving together are written in one transaction (group
commit): with SQLite every transaction takes the database's single write lock and a
sync to disk, so under load requests recording one batch each queued for the lock for
seconds, while one transaction for all of them takes milliseconds.
"""

from __future__ import annotations

import asyncio
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
from spyglass_tracing.services.backlog import IngestionBacklog

__all__ = ("PROCESS_BATCH_TASK", "Attribution", "BatchIntake", "batch_blob_key")

PROCESS_BATCH_TASK = "tracing.process_batch"

logger = logging.getLogger(__name__)


class Attribution(msgspec.Struct, frozen=True, kw_only=True):
    """Who sent a batch, from the ``x-langfuse-*`` headers (either spelling)."""

    sdk_name: str | None = None
    sdk_version: str | None = None
    public_key: str | None = None


class _ToRecord(msgspec.Struct):
    record: BatchRecord
    seen_ids: list[str]
    recorded: asyncio.Future[None]


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
        options: the queue and backlog bounds and ``Retry-After``.
        backlog: events this process's worker has not applied yet (shared with the
            ``BatchProcessor``); without one only the queue's depth is bounded.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        blobs: BlobStore,
        queue: TaskQueue,
        clock: Clock,
        options: TracingOptions,
        *,
        backlog: IngestionBacklog | None = None,
    ) -> None:
        self._uow = uow
        self._blobs = blobs
        self._queue = queue
        self._clock = clock
        self._options = options
        self._backlog = backlog
        self._to_record: list[_ToRecord] = []
        self._recorder: asyncio.Task[None] | None = None

    async def check_capacity(self) -> None:
        """Refuse new work at once while the worker is behind.

        Behind means the local worker holds ``unapplied_events_bound`` events or more
        not yet applied, or the queue holds ``queue_bound`` batches or more.

        Raises:
            RateLimited: the worker is behind; the caller should retry later.
        """
        bound = self._options.unapplied_events_bound
        if self._backlog is not None and bound > 0 and self._backlog.events >= bound:
            raise RateLimited(
                "Ingestion is behind, retry later",
                retry_after=self._options.retry_after_seconds,
            )
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
        await self._record(record, seen_ids)
        await self.enqueue(header.id, event_count)

    async def _record(self, record: BatchRecord, seen_ids: list[str]) -> None:
        """Record ``record`` as pending, in one transaction with the others waiting.

        Returns once the transaction holding it is committed; raises what it raised.
        """
        recorded: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Retrieved even when the caller went away, so a failure is not reported twice.
        recorded.add_done_callback(lambda done: done.cancelled() or done.exception())
        self._to_record.append(_ToRecord(record, seen_ids, recorded))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_waiting())
        # Shielded: a caller that goes away (client disconnect) leaves the group alone.
        await asyncio.shield(recorded)

    async def _record_waiting(self) -> None:
        """Write the waiting records, a transaction per turn, until none is left."""
        while self._to_record:
            group, self._to_record = self._to_record, []
            try:
                async with self._uow() as uow:
                    batches = uow.repository(IngestionBatchRepository)
                    for item in group:
                        await batches.add(item.record, item.seen_ids)
                    await uow.commit()
            except Exception as error:
                for item in group:
                    if not item.recorded.done():
                        item.recorded.set_exception(error)
            else:
                for item in group:
                    if not item.recorded.done():
                        item.recorded.set_result(None)

    async def enqueue(self, batch_id: str, event_count: int = 0) -> None:
        """Tell the worker about a recorded batch of ``event_count`` events.

        The count travels with the task so the worker's backlog knows the batch's
        weight before reading it. A failure is logged, not raised: the batch is durable
        and recorded as pending, so the periodic sweep enqueues it again.
        """
        try:
            await self._queue.enqueue(
                PROCESS_BATCH_TASK, {"batch_id": batch_id, "events": event_count}
            )
        except DomainError as error:
            logger.warning(
                "batch %s stored but not enqueued (%s); the sweep retries", batch_id, error.message
            )
