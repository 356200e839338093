"""Finding batches that were accepted but never applied, and enqueueing them again.

At start-up every pending batch is enqueued (a crash or a restart left them), in the
background, so the API answers at once whatever the backlog. While
running, a periodic sweep enqueues batches pending for longer than a threshold when the
queue is idle: their message was lost, or their run failed and is due another try.
Enqueueing a batch twice is harmless; the worker skips batches already done. Erasures
of deleted traces still owed after that threshold are enqueued again the same way,
whatever the queue's depth (one message per project). The sweep also deletes, once an
hour, done batches older than the dedupe window (their raw files and their records),
the envelope ids and erased trace deletions of that age, so raw events are not kept
forever and those tables stay bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from spyglass_core.domain.errors import DomainError
from spyglass_core.ports.blob_store import BlobStore
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.task_queue import TaskQueue
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.options import TracingOptions
from spyglass_tracing.ports.repositories import IngestionBatchRepository, TraceDeletionRepository
from spyglass_tracing.services.deletion import DeletedTraces
from spyglass_tracing.services.erasure import RawEraser
from spyglass_tracing.services.intake import BatchIntake

__all__ = ("PendingSweep",)

logger = logging.getLogger(__name__)
_PRUNE_INTERVAL_SECONDS = 3600.0


class PendingSweep:
    """Re-enqueues pending batches, once or periodically."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        intake: BatchIntake,
        queue: TaskQueue,
        clock: Clock,
        options: TracingOptions,
        blobs: BlobStore,
        *,
        deleted: DeletedTraces,
        eraser: RawEraser,
    ) -> None:
        self._uow = uow
        self._blobs = blobs
        self._deleted = deleted
        self._eraser = eraser
        self._intake = intake
        self._queue = queue
        self._clock = clock
        self._options = options
        self._task: asyncio.Task[None] | None = None

    async def run_once(self, *, older_than_seconds: float | None = None) -> int:
        """Enqueue pending batches (only those older than the threshold); return how many."""
        received_before = None
        if older_than_seconds is not None:
            received_before = self._clock.now() - timedelta(seconds=older_than_seconds)
        enqueued = 0
        while True:
            async with self._uow() as uow:
                # Batches in backoff after a failure wait their turn; dead ones are left
                # for an operator. So every page makes progress, even when all fail.
                pending = await uow.repository(IngestionBatchRepository).pending(
                    received_before=received_before, due_at=self._clock.now(), limit=1000
                )
            for record in pending:
                await self._intake.enqueue(record.id, record.event_count)
            enqueued += len(pending)
            if len(pending) < 1000 or older_than_seconds is not None:
                return enqueued
            # A full page at start-up: the oldest ones are queued, wait for them to clear.
            # The depth is a probe of the broker (Redis, say): there is no event to await.
            while await self._queue.depth() > 0:  # noqa: ASYNC110
                await asyncio.sleep(0.2)

    async def recover_erasures(self, *, older_than_seconds: float | None = None) -> int:
        """Enqueue the erasure of each project owing one; return how many projects.

        Args:
            older_than_seconds: only deletions owed for longer than this count.
        """
        deleted_before = self._clock.now()
        if older_than_seconds is not None:
            deleted_before -= timedelta(seconds=older_than_seconds)
        async with self._uow() as uow:
            projects = await uow.repository(TraceDeletionRepository).owing_projects(deleted_before)
        for project_id in projects:
            await self._deleted.request_erasure(project_id)
        return len(projects)

    def start(self, *, recover_first: bool = False) -> None:
        """Begin the periodic sweep in the background.

        Args:
            recover_first: enqueue every pending batch at once (start-up), in the same
                background task, so serving never waits for a large backlog.
        """
        if self._task is None:
            self._task = asyncio.create_task(
                self._loop(recover_first=recover_first), name="tracing-pending-sweep"
            )

    async def stop(self) -> None:
        """End the periodic sweep."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def prune(self) -> int:
        """Delete done batches older than the retention window: their files, then records.

        Erased trace deletions of that age are forgotten too.

        The window is the dedupe window (``DEDUPE_WINDOW_HOURS``, 7 days by default): raw
        events are kept no longer than needed to recognise a resent batch.
        """
        cutoff = self._clock.now() - timedelta(hours=self._options.dedupe_window_hours)
        while True:
            async with self._uow() as uow:
                done = await uow.repository(IngestionBatchRepository).done_before(cutoff)
            for record in done:
                await self._blobs.delete(record.blob_key)
            if len(done) < 1000:
                break
            async with self._uow() as uow:  # forget this page before reading the next
                await uow.repository(IngestionBatchRepository).prune(
                    done[-1].received_at + timedelta(microseconds=1)
                )
                await uow.commit()
        async with self._uow() as uow:
            pruned = await uow.repository(IngestionBatchRepository).prune(cutoff)
            await uow.commit()
        await self._eraser.prune()
        return pruned

    async def _loop(self, *, recover_first: bool = False) -> None:
        if recover_first:
            try:
                count = await self.run_once()
                if count:
                    logger.warning("re-enqueued %d batches left pending by an earlier run", count)
                if owing := await self.recover_erasures():
                    logger.warning("re-enqueued the erasures of %d projects", owing)
            except DomainError as error:
                logger.warning("start-up recovery failed: %s", error.message)
        last_prune = self._clock.monotonic()
        while True:
            await asyncio.sleep(self._options.sweep_interval_seconds)
            try:
                if self._clock.monotonic() - last_prune >= _PRUNE_INTERVAL_SECONDS:
                    last_prune = self._clock.monotonic()
                    await self.prune()
                stale = self._options.stale_after_seconds
                if await self._queue.depth() == 0:
                    count = await self.run_once(older_than_seconds=stale)
                    if count:
                        logger.warning("re-enqueued %d stale pending batches", count)
                # Not only when idle: under steady load the queue never is, and a
                # postponed erasure must still happen.
                await self.recover_erasures(older_than_seconds=stale)
            except DomainError as error:
                logger.warning("pending sweep failed: %s", error.message)
