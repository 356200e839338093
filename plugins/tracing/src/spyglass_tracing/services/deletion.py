"""Deleting traces: gone from reads at once, their raw events erased in the background.

``delete`` records each deletion in the transactional store (with the trace's
observations and scores, read before they go), deletes the rows from the analytics
store, and enqueues ``tracing.erase_traces`` for the project; the answer does not wait
for the erasure (``services.erasure``). The record comes first, so a crash at any point
leaves an erasure owed, which the sweep finds and enqueues again.

The worker asks ``drop_deleted`` before it applies batches: events of a deleted trace
accepted before the deletion but applied after it (their batch was still pending) are
dropped, so the trace does not come back in reads. Their batch file still holds them,
so the erasure is owed again (``owe_erasure``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

from spyglass_core.domain.errors import DomainError
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.task_queue import TaskQueue
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.domain.erasure import (
    DeletionIndex,
    TraceMember,
    event_ref,
    without_deleted,
)
from spyglass_tracing.domain.ingestion import IngestionBatch
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.ports.repositories import TraceDeletionRepository

__all__ = ("ERASE_TRACES_TASK", "DeletedTraces", "Dropped")

ERASE_TRACES_TASK = "tracing.erase_traces"

logger = logging.getLogger(__name__)

Dropped = dict[str, set[str]]
"""Deleted trace ids whose events were dropped, by project."""


class DeletedTraces:
    """Deletes traces and keeps their pending events from bringing them back.

    Args:
        uow: where deletions are recorded.
        analytics: the traces, observations and scores tables.
        queue: where erasures are enqueued.
        clock: the time source; a deletion covers events received up to its time.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        analytics: AnalyticsStore,
        queue: TaskQueue,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._analytics = analytics
        self._queue = queue
        self._clock = clock

    async def delete(self, project_id: str, trace_ids: Sequence[str]) -> None:
        """Delete traces with their observations and scores; unknown ids are recorded too.

        Raises:
            StorageUnavailable: a store failed. A deletion recorded before the failure
                is completed by the erasure (which deletes from the analytics store again).
        """
        ids = list(dict.fromkeys(trace_ids))
        # Read before deleting: updates that name no trace are recognised by these ids.
        members = await self._analytics.members_of_traces(project_id, ids)
        async with self._uow() as uow:
            await uow.repository(TraceDeletionRepository).record(
                project_id, ids, self._clock.now(), members
            )
            await uow.commit()
        await self._analytics.delete_traces(project_id, ids)
        await self.request_erasure(project_id)

    async def request_erasure(self, project_id: str) -> None:
        """Enqueue the erasure of a project's owed deletions.

        A failure is logged, not raised: the deletion is recorded, so the sweep enqueues
        the erasure again.
        """
        try:
            await self._queue.enqueue(ERASE_TRACES_TASK, {"project_id": project_id})
        except DomainError as error:
            logger.warning(
                "erasure of project %s not enqueued (%s); the sweep retries",
                project_id,
                error.message,
            )

    async def drop_deleted(
        self, batches: Sequence[IngestionBatch]
    ) -> tuple[list[IngestionBatch], Dropped]:
        """The batches without events of traces deleted after they were received.

        One lookup per project: the deletions of the traces the events name, and the
        members among the entities of events that name none.
        """
        result = list(batches)
        dropped: Dropped = defaultdict(set)
        revealed: dict[str, list[TraceMember]] = defaultdict(list)
        by_project: dict[str, list[int]] = defaultdict(list)
        for position, batch in enumerate(batches):
            by_project[batch.project_id].append(position)
        for project_id, positions in by_project.items():
            index = await self._index(project_id, [batches[p] for p in positions])
            if not index:
                continue
            for position in positions:
                kept, erasure = without_deleted(batches[position], index)
                # A create dropped here makes its later updates (in this group) members.
                index.learn(erasure.revealed)
                revealed[project_id].extend(erasure.revealed)
                dropped[project_id] |= erasure.trace_ids
                result[position] = kept
        await self._remember(revealed)
        return result, {project: ids for project, ids in dropped.items() if ids}

    async def owe_erasure(self, dropped: Dropped) -> None:
        """The files of batches whose events were dropped still hold them: erase again.

        Called once the batches are marked done. Even when an erasure already ran, it may
        have missed these files (a batch whose file was still being written then).
        """
        if not dropped:
            return
        async with self._uow() as uow:
            for project_id, trace_ids in dropped.items():
                await uow.repository(TraceDeletionRepository).reopen(project_id, list(trace_ids))
            await uow.commit()
        for project_id in dropped:
            await self.request_erasure(project_id)

    async def _index(self, project_id: str, batches: Sequence[IngestionBatch]) -> DeletionIndex:
        named: set[str] = set()
        anonymous = set()
        for batch in batches:
            for event in batch.events:
                ref = event_ref(event)
                if ref.trace_id is None:
                    anonymous.add((ref.kind, ref.entity_id))
                else:
                    named.add(ref.trace_id)
        async with self._uow() as uow:
            deletions = uow.repository(TraceDeletionRepository)
            members = await deletions.members(project_id, list(anonymous)) if anonymous else []
            named.update(member.trace_id for member in members)
            found = await deletions.deletions(project_id, list(named)) if named else []
        return DeletionIndex(found, members)

    async def _remember(self, revealed: dict[str, list[TraceMember]]) -> None:
        if not any(revealed.values()):
            return
        async with self._uow() as uow:
            for project_id, members in revealed.items():
                await uow.repository(TraceDeletionRepository).add_members(project_id, members)
            await uow.commit()
