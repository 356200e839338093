"""Erasing deleted traces from the raw ingestion store (the task ``tracing.erase_traces``).

For one project, an erasure takes the deletions owed one and:

1. waits until no batch received before them is still pending: a batch being applied
   while the trace was deleted may have written its rows again;
2. deletes the traces from the analytics store again (catching such rows), and has it
   rewrite what still holds deleted rows on disk (``AnalyticsStore.purge_deleted``);
3. reads every raw batch file of the project received up to the last deletion, and
   rewrites each file that holds events of a deleted trace without them (``put`` is
   atomic), or deletes it when it is done and nothing else remains;
4. reads the files it wrote again, with the deletions known by then, until a pass
   changes nothing, and only then marks the deletions erased.

Step 4 makes concurrent erasures (two workers, or the sweep's retry) safe: a writer
that read a file before another rewrote it may put events back, but every writer
reads what it wrote once more, so the last write to any file is checked against every
deletion recorded before it. Recorded deletions are kept (erased) for the dedupe
window, so a late writer still knows them.

Finding the files is a scan, not an index: it lists the project's prefix and reads
each file once (decoding only ids), so its cost is the project's raw volume within the
retention window, once per erasure; deletions arriving together share one scan.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec

from spyglass_core.domain.errors import NotFound
from spyglass_core.ports.blob_store import BlobStore
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.domain.erasure import (
    BatchIds,
    DeletionIndex,
    TraceDeletion,
    TraceMember,
    batch_refs,
)
from spyglass_tracing.domain.ingestion import IngestionBatch
from spyglass_tracing.options import TracingOptions
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.ports.repositories import IngestionBatchRepository, TraceDeletionRepository

__all__ = ("RawEraser",)

logger = logging.getLogger(__name__)

_ids_decoder = msgspec.json.Decoder(BatchIds)
_decoder = msgspec.json.Decoder(IngestionBatch)
_encoder = msgspec.json.Encoder()

_TRACES_PER_RUN = 10_000
"""Deletions handled together; more are handled by further rounds of the same run."""
_READS_AT_ONCE = 16
"""Files read concurrently by a scan."""
_MAX_PASSES = 5
"""Passes over the files before an erasure that still finds work gives up for now."""
_QUIET = timedelta(seconds=1)
"""How long after the last deletion an erasure starts, when it can wait."""
_PRUNE_MARGIN = timedelta(hours=1)
"""A done batch this close to the end of its retention is deleted, not rewritten, so
the erasure never writes back a file the hourly prune has just deleted."""


class RawEraser:
    """Erases deleted traces' events from raw batch files (and the analytics disk).

    Args:
        uow: deletions and batch records.
        blobs: the raw batch files.
        analytics: deleted again, then purged.
        clock: the time source.
        options: the retention (dedupe) window.
        pending_wait_seconds: how long a run waits for older batches still pending
            before it leaves the erasure to the sweep's next retry.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        blobs: BlobStore,
        analytics: AnalyticsStore,
        clock: Clock,
        options: TracingOptions,
        *,
        pending_wait_seconds: float = 20.0,
    ) -> None:
        self._uow = uow
        self._blobs = blobs
        self._analytics = analytics
        self._clock = clock
        self._options = options
        self._pending_wait = pending_wait_seconds
        # One erasure at a time per process: they are heavy, and a second one for the
        # same project finds the first one's work done.
        self._lock = asyncio.Lock()

    async def erase(self, project_id: str) -> bool:
        """Erase the project's owed deletions; True when none is owed any more.

        False means it must be tried again later (older batches still pending, or the
        files kept changing); the deletions stay owed, and the sweep retries them.

        Raises:
            StorageUnavailable: a store failed; the deletions stay owed.
        """
        async with self._lock:
            while True:
                owed = await self._settled(project_id)
                if owed is None:
                    return False
                if not owed:
                    return True
                if not await self._erase(project_id, owed):
                    return False
                if len(owed) < _TRACES_PER_RUN:
                    return True

    async def prune(self) -> int:
        """Forget erased deletions older than the retention window; how many went."""
        cutoff = self._clock.now() - timedelta(hours=self._options.dedupe_window_hours)
        async with self._uow() as uow:
            pruned = await uow.repository(TraceDeletionRepository).prune(cutoff)
            await uow.commit()
        return pruned

    async def _settled(self, project_id: str) -> list[TraceDeletion] | None:
        """The owed deletions once no batch received before them is pending, or None.

        It also waits (best effort, within the same bound) for a second without a new
        deletion: a burst of deletes then shares one scan and one purge, whose rewrites
        would otherwise queue behind and in front of the deletes' own mutations.
        """
        deadline = time.monotonic() + self._pending_wait
        while True:
            async with self._uow() as uow:
                owed = list(
                    await uow.repository(TraceDeletionRepository).outstanding(
                        project_id, limit=_TRACES_PER_RUN
                    )
                )
                if not owed:
                    return owed
                horizon = max(d.deleted_at for d in owed)
                pending = await uow.repository(IngestionBatchRepository).count_pending(
                    project_id=project_id, received_before=horizon + timedelta(microseconds=1)
                )
            late = time.monotonic() >= deadline
            quiet = self._clock.now() - horizon >= _QUIET
            if not pending and (quiet or late):
                return owed
            if late:
                return None
            # Pending batches are a row count to probe, there is no event to wait on.
            await asyncio.sleep(0.25)

    async def _erase(self, project_id: str, owed: Sequence[TraceDeletion]) -> bool:
        trace_ids = [d.trace_id for d in owed]
        members = await self._analytics.members_of_traces(project_id, trace_ids)
        if members:  # rows a batch applied meanwhile: their updates must be recognised
            await self._add_members(project_id, members)
        await self._analytics.delete_traces(project_id, trace_ids)
        await self._analytics.purge_deleted()
        horizon = max(d.deleted_at for d in owed)
        if not await self._erase_files(project_id, horizon):
            logger.warning("erasure of project %s still finds work; retried later", project_id)
            return False
        async with self._uow() as uow:
            await uow.repository(TraceDeletionRepository).mark_erased(owed, self._clock.now())
            await uow.commit()
        return True

    async def _erase_files(self, project_id: str, horizon: datetime) -> bool:
        """Rewrite the files received up to ``horizon``; True once a pass changes nothing."""
        prefix = f"ingestion/{project_id}/"
        last_hour = horizon.strftime("%Y/%m/%d/%H")
        # Keys are ingestion/<project>/<yyyy/mm/dd/hh>/<batch id>.json: a later hour
        # cannot hold a batch received before the horizon.
        everything = [
            key
            for key in await self._blobs.list(prefix)
            if key[len(prefix) :].rpartition("/")[0] <= last_hour
        ]
        keys = everything
        for _ in range(_MAX_PASSES):
            index = await self._index(project_id)
            written, revealed = await self._pass(index, keys)
            if revealed:
                # Members found only in files: files read earlier may hold their updates.
                await self._add_members(project_id, revealed)
                keys = everything
            elif not written:
                return True
            else:
                keys = written
        return False

    async def _pass(
        self, index: DeletionIndex, keys: Sequence[str]
    ) -> tuple[list[str], list[TraceMember]]:
        written: list[str] = []
        revealed: list[TraceMember] = []
        for start in range(0, len(keys), _READS_AT_ONCE):
            chunk = keys[start : start + _READS_AT_ONCE]
            # Reads overlap (an object store's latency dominates); matching stays in order.
            for key, data in zip(chunk, await asyncio.gather(*map(self._read, chunk)), strict=True):
                if data is None:
                    continue
                try:
                    ids = _ids_decoder.decode(data)
                except msgspec.DecodeError:
                    logger.warning("raw batch %s is unreadable; it cannot be erased from", key)
                    continue
                erasure = index.erased(ids.received_at, batch_refs(ids))
                index.learn(erasure.revealed)
                revealed.extend(erasure.revealed)
                if erasure.positions:
                    await self._rewrite(key, _decoder.decode(data), set(erasure.positions))
                    written.append(key)
        return written, revealed

    async def _read(self, key: str) -> bytes | None:
        try:
            return await self._blobs.get(key)
        except NotFound:  # pruned meanwhile
            return None

    async def _rewrite(self, key: str, batch: IngestionBatch, doomed: set[int]) -> None:
        kept = [event for position, event in enumerate(batch.events) if position not in doomed]
        async with self._uow() as uow:
            record = await uow.repository(IngestionBatchRepository).get(batch.id)
        retention = timedelta(hours=self._options.dedupe_window_hours)
        near_prune = self._clock.now() - retention + _PRUNE_MARGIN
        # A done batch's file is kept only for the retention window and never read again.
        if (
            record is not None
            and record.processed_at is not None
            and (not kept or record.received_at < near_prune)
        ):
            await self._blobs.delete(key)
            return
        # Pending, dead (an operator may replay it) or not recorded yet (its intake is
        # still under way): keep the file, with whatever remains.
        await self._blobs.put(key, _encoder.encode(msgspec.structs.replace(batch, events=kept)))

    async def _index(self, project_id: str) -> DeletionIndex:
        async with self._uow() as uow:
            deletions = uow.repository(TraceDeletionRepository)
            return DeletionIndex(
                await deletions.deletions(project_id), await deletions.members(project_id)
            )

    async def _add_members(self, project_id: str, members: Sequence[TraceMember]) -> None:
        async with self._uow() as uow:
            await uow.repository(TraceDeletionRepository).add_members(project_id, members)
            await uow.commit()
