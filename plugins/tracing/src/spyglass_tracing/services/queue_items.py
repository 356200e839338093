"""The items of annotation queues: adding objects, listing, working through, removing.

An object is in a queue at most once: adding it again returns (or counts) nothing new.
Items are worked through in queue order (oldest first): ``next`` gives the first pending
item after the one the annotator just left, wrapping round to the start, so an item
skipped comes back until it is completed or removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import msgspec

from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.domain.ids import new_id
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from spyglass_tracing.domain.annotation import (
    AnnotationQueue,
    QueueCounts,
    QueueItem,
    QueueItemStatus,
    QueueObjectType,
    choice,
    object_id,
)
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.ports.annotation import AnnotationQueueRepository, QueueItemRepository

__all__ = (
    "ITEM_NOT_FOUND",
    "MAX_ITEMS_PER_ADD",
    "NextItem",
    "QueueItemService",
    "load_queue_item",
    "with_status",
)

MAX_ITEMS_PER_ADD = 1000
"""Objects one request may add to a queue."""

ITEM_NOT_FOUND = "Annotation queue item not found"
_QUEUE_NOT_FOUND = "Annotation queue not found"


class NextItem(msgspec.Struct, frozen=True, kw_only=True):
    """The next pending item (None when none is left), its place in the queue, the counts."""

    item: QueueItem | None
    position: int
    counts: QueueCounts


def with_status(
    item: QueueItem, status: QueueItemStatus, now: datetime, annotator_user_id: str | None
) -> QueueItem:
    """``item`` moved to ``status`` at ``now``: completing records when and by whom,
    reopening forgets both."""
    completed = status is QueueItemStatus.COMPLETED
    return msgspec.structs.replace(
        item,
        status=status,
        completed_at=now if completed else None,
        annotator_user_id=annotator_user_id if completed else None,
        updated_at=now,
    )


async def load_queue_item(
    uow: UnitOfWork, project_id: str, queue_id: str, item_id: str
) -> tuple[AnnotationQueue, QueueItem]:
    """A queue and one of its items. Raises: NotFound for either."""
    queue = await uow.repository(AnnotationQueueRepository).get(project_id, queue_id)
    if queue is None:
        raise NotFound(_QUEUE_NOT_FOUND)
    item = await uow.repository(QueueItemRepository).get(project_id, queue_id, item_id)
    if item is None:
        raise NotFound(ITEM_NOT_FOUND)
    return queue, item


class QueueItemService:
    """Items of one project's queues; every call checks that the queue exists (404)."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, analytics: AnalyticsStore
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._analytics = analytics

    async def add_one(
        self,
        project_id: str,
        queue_id: str,
        object_type: str,
        raw_object_id: str,
        status: str | None,
    ) -> QueueItem:
        """Add an object (PENDING unless told otherwise); an object already there is returned.

        Raises: InvalidInput (type, id or status); NotFound (queue).
        """
        kind = choice(QueueObjectType, object_type, "objectType")
        target = object_id(raw_object_id)
        state = (
            QueueItemStatus.PENDING if status is None else choice(QueueItemStatus, status, "status")
        )
        now = self._clock.now()
        item = QueueItem(
            id=new_id(),
            project_id=project_id,
            queue_id=queue_id,
            object_id=target,
            object_type=kind,
            created_at=now,
            updated_at=now,
        )
        if state is QueueItemStatus.COMPLETED:
            item = with_status(item, state, now, None)
        async with self._uow_factory() as uow:
            await self._queue(uow, project_id, queue_id)
            items = uow.repository(QueueItemRepository)
            added = await items.add([item])
            stored = added[0] if added else await items.find(project_id, queue_id, kind, target)
            await uow.commit()
        if stored is None:  # removed by a concurrent request between the two statements
            raise NotFound(ITEM_NOT_FOUND)
        return stored

    async def add_many(
        self, project_id: str, queue_id: str, object_type: str, object_ids: Sequence[str]
    ) -> int:
        """Add several objects of one type as PENDING items, in the order given; returns how
        many were new.

        Raises: InvalidInput (type, ids, too many); NotFound (queue).
        """
        kind = choice(QueueObjectType, object_type, "objectType")
        if not object_ids or len(object_ids) > MAX_ITEMS_PER_ADD:
            raise InvalidInput(
                "Invalid request data",
                details=f"objectIds must hold 1 to {MAX_ITEMS_PER_ADD} ids",
            )
        targets = [object_id(raw, "objectIds[]") for raw in object_ids]
        now = self._clock.now()
        # A microsecond apart, so the items keep the order they were given in queue order.
        new = [
            QueueItem(
                id=new_id(),
                project_id=project_id,
                queue_id=queue_id,
                object_id=target,
                object_type=kind,
                created_at=now + timedelta(microseconds=n),
                updated_at=now,
            )
            for n, target in enumerate(dict.fromkeys(targets))
        ]
        async with self._uow_factory() as uow:
            await self._queue(uow, project_id, queue_id)
            added = await uow.repository(QueueItemRepository).add(new)
            await uow.commit()
        return len(added)

    async def get(self, project_id: str, queue_id: str, item_id: str) -> QueueItem:
        """One item of the queue. Raises: NotFound (queue or item)."""
        async with self._uow_factory() as uow:
            _, item = await load_queue_item(uow, project_id, queue_id, item_id)
        return item

    async def list(
        self, project_id: str, queue_id: str, *, status: str | None, page: int, limit: int
    ) -> tuple[Sequence[QueueItem], int]:
        """One offset page of the queue's items, newest first, and the total (public API)."""
        state = None if status is None else choice(QueueItemStatus, status, "status")
        async with self._uow_factory() as uow:
            await self._queue(uow, project_id, queue_id)
            return await uow.repository(QueueItemRepository).list(
                project_id, queue_id, status=state, offset=(page - 1) * limit, limit=limit
            )

    async def page(
        self,
        project_id: str,
        queue_id: str,
        *,
        status: str | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> tuple[Sequence[QueueItem], QueueItem | None]:
        """Up to ``limit`` items in queue order after ``after``, and the last one when more
        may follow (the cursor's position)."""
        state = None if status is None else choice(QueueItemStatus, status, "status")
        async with self._uow_factory() as uow:
            await self._queue(uow, project_id, queue_id)
            found = await uow.repository(QueueItemRepository).page(
                project_id, queue_id, status=state, after=after, limit=limit + 1
            )
        more = len(found) > limit
        return found[:limit], (found[limit - 1] if more else None)

    async def set_status(
        self, project_id: str, queue_id: str, item_id: str, status: str | None
    ) -> QueueItem:
        """Change an item's status (none given: unchanged). Raises: InvalidInput, NotFound."""
        state = None if status is None else choice(QueueItemStatus, status, "status")
        async with self._uow_factory() as uow:
            _, item = await load_queue_item(uow, project_id, queue_id, item_id)
            if state is None:
                return item
            # An API key is no user: the annotator stays as it was when it completes again.
            changed = with_status(item, state, self._clock.now(), item.annotator_user_id)
            await uow.repository(QueueItemRepository).update(changed)
            await uow.commit()
        return changed

    async def delete(self, project_id: str, queue_id: str, item_id: str) -> None:
        """Remove an item from its queue. Raises: NotFound (queue or item)."""
        async with self._uow_factory() as uow:
            await load_queue_item(uow, project_id, queue_id, item_id)
            await uow.repository(QueueItemRepository).delete(project_id, queue_id, item_id)
            await uow.commit()

    async def next(self, project_id: str, queue_id: str, after_item_id: str | None) -> NextItem:
        """The first pending item after ``after_item_id`` in queue order, wrapping round.

        An unknown ``after_item_id`` (an item removed meanwhile) starts from the beginning.
        Raises: NotFound (queue).
        """
        async with self._uow_factory() as uow:
            await self._queue(uow, project_id, queue_id)
            items = uow.repository(QueueItemRepository)
            after = None
            if after_item_id is not None:
                previous = await items.get(project_id, queue_id, after_item_id)
                after = previous.key if previous is not None else None
            pending = QueueItemStatus.PENDING
            found = await items.page(project_id, queue_id, status=pending, after=after, limit=1)
            if not found and after is not None:
                found = await items.page(project_id, queue_id, status=pending, limit=1)
            item = found[0] if found else None
            position = await items.position(project_id, queue_id, item.key) if item else 0
            counts = (await items.counts(project_id, [queue_id]))[queue_id]
        return NextItem(item=item, position=position, counts=counts)

    async def trace_ids(self, project_id: str, items: Sequence[QueueItem]) -> dict[str, str]:
        """The trace of each TRACE item and of each OBSERVATION item whose observation
        exists (by item id); one analytics query for all the observations."""
        traces = {i.id: i.object_id for i in items if i.object_type is QueueObjectType.TRACE}
        observed = [i for i in items if i.object_type is QueueObjectType.OBSERVATION]
        if observed:
            found = await self._analytics.get_observations(
                project_id, list(dict.fromkeys(i.object_id for i in observed))
            )
            trace_of = {o.id: o.trace_id for o in found}
            traces.update(
                {i.id: trace_of[i.object_id] for i in observed if i.object_id in trace_of}
            )
        return traces

    @staticmethod
    async def _queue(uow: UnitOfWork, project_id: str, queue_id: str) -> AnnotationQueue:
        queue = await uow.repository(AnnotationQueueRepository).get(project_id, queue_id)
        if queue is None:
            raise NotFound(_QUEUE_NOT_FOUND)
        return queue
