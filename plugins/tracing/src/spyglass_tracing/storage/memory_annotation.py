"""In-memory comments and annotation queues: the SQL rules over dicts (unit tests only).

Values are frozen structs, so the unit of work's shallow copies of the dicts are enough
for commit and rollback. Ids are unique across projects, as the SQL primary keys make them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from spyglass_adapters.memory.spi import MemoryTables
from spyglass_core.domain.errors import Conflict, NotFound
from spyglass_tracing.domain.annotation import (
    AnnotationQueue,
    Comment,
    CommentObjectType,
    QueueAssignment,
    QueueCounts,
    QueueItem,
    QueueItemStatus,
    QueueObjectType,
)
from spyglass_tracing.ports.annotation import (
    AnnotationQueueRepository,
    CommentRepository,
    QueueItemRepository,
)

__all__ = ("MemoryAnnotationQueues", "MemoryComments", "MemoryQueueItems")

_COMMENTS = "comments"
_QUEUES = "annotation_queues"
_ITEMS = "annotation_queue_items"
_ASSIGNMENTS = "annotation_queue_assignments"


class MemoryComments(CommentRepository):
    """Comments by id."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    @property
    def _rows(self) -> dict[str, Comment]:
        return self._db.table(_COMMENTS)

    async def add(self, comment: Comment) -> None:
        if comment.id in self._rows:
            raise Conflict(f"Comment '{comment.id}' already exists")
        self._rows[comment.id] = comment

    async def get(self, project_id: str, comment_id: str) -> Comment | None:
        comment = self._rows.get(comment_id)
        return comment if comment is not None and comment.project_id == project_id else None

    async def list(
        self,
        project_id: str,
        *,
        object_type: CommentObjectType | None = None,
        object_id: str | None = None,
        author_user_id: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[Sequence[Comment], int]:
        found = sorted(
            (
                c
                for c in self._rows.values()
                if c.project_id == project_id
                and (object_type is None or c.object_type is object_type)
                and (object_id is None or c.object_id == object_id)
                and (author_user_id is None or c.author_user_id == author_user_id)
            ),
            key=lambda c: (c.created_at, c.id),
        )
        return found[offset : offset + limit], len(found)

    async def delete(self, project_id: str, comment_id: str) -> bool:
        if await self.get(project_id, comment_id) is None:
            return False
        del self._rows[comment_id]
        return True


class MemoryAnnotationQueues(AnnotationQueueRepository):
    """Queues by id; assignments by (queue, user)."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    @property
    def _queues(self) -> dict[str, AnnotationQueue]:
        return self._db.table(_QUEUES)

    @property
    def _assignments(self) -> dict[tuple[str, str], QueueAssignment]:
        return self._db.table(_ASSIGNMENTS)

    async def add(self, queue: AnnotationQueue) -> None:
        if queue.id in self._queues:
            raise Conflict(f"Annotation queue '{queue.id}' already exists")
        if any(
            q.project_id == queue.project_id and q.name == queue.name for q in self._queues.values()
        ):
            raise Conflict(f"An annotation queue named '{queue.name}' already exists")
        self._queues[queue.id] = queue

    async def get(self, project_id: str, queue_id: str) -> AnnotationQueue | None:
        queue = self._queues.get(queue_id)
        return queue if queue is not None and queue.project_id == project_id else None

    async def list(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[AnnotationQueue], int]:
        found = sorted(
            (q for q in self._queues.values() if q.project_id == project_id),
            key=lambda q: (q.created_at, q.id),
            reverse=True,
        )
        return found[offset : offset + limit], len(found)

    async def delete(self, project_id: str, queue_id: str) -> bool:
        if await self.get(project_id, queue_id) is None:
            return False
        del self._queues[queue_id]
        items: dict[str, QueueItem] = self._db.table(_ITEMS)
        for item_id in [i.id for i in items.values() if i.queue_id == queue_id]:
            del items[item_id]
        for key in [k for k in self._assignments if k[0] == queue_id]:
            del self._assignments[key]
        return True

    async def assign(self, assignment: QueueAssignment) -> None:
        if await self.get(assignment.project_id, assignment.queue_id) is None:
            raise NotFound(f"Annotation queue '{assignment.queue_id}' not found")
        self._assignments.setdefault((assignment.queue_id, assignment.user_id), assignment)

    async def unassign(self, project_id: str, queue_id: str, user_id: str) -> bool:
        found = self._assignments.get((queue_id, user_id))
        if found is None or found.project_id != project_id:
            return False
        del self._assignments[(queue_id, user_id)]
        return True

    async def assignments(self, project_id: str, queue_id: str) -> Sequence[QueueAssignment]:
        return sorted(
            (
                a
                for a in self._assignments.values()
                if a.project_id == project_id and a.queue_id == queue_id
            ),
            key=lambda a: a.user_id,
        )


class MemoryQueueItems(QueueItemRepository):
    """Queue items by id, unique per (queue, object type, object id)."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    @property
    def _items(self) -> dict[str, QueueItem]:
        return self._db.table(_ITEMS)

    async def add(self, items: Sequence[QueueItem]) -> Sequence[QueueItem]:
        taken = {(i.queue_id, i.object_type, i.object_id) for i in self._items.values()}
        added: list[QueueItem] = []
        for item in items:
            key = (item.queue_id, item.object_type, item.object_id)
            if key in taken:
                continue
            if item.id in self._items:
                raise Conflict(f"Annotation queue item '{item.id}' already exists")
            self._items[item.id] = item
            taken.add(key)
            added.append(item)
        return added

    async def get(self, project_id: str, queue_id: str, item_id: str) -> QueueItem | None:
        item = self._items.get(item_id)
        if item is None or (item.project_id, item.queue_id) != (project_id, queue_id):
            return None
        return item

    async def find(
        self, project_id: str, queue_id: str, object_type: QueueObjectType, object_id: str
    ) -> QueueItem | None:
        return next(
            (
                i
                for i in self._of_queue(project_id, queue_id, None)
                if i.object_type is object_type and i.object_id == object_id
            ),
            None,
        )

    async def list(
        self,
        project_id: str,
        queue_id: str,
        *,
        status: QueueItemStatus | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[Sequence[QueueItem], int]:
        found = sorted(self._of_queue(project_id, queue_id, status), key=_key, reverse=True)
        return found[offset : offset + limit], len(found)

    async def page(
        self,
        project_id: str,
        queue_id: str,
        *,
        status: QueueItemStatus | None = None,
        after: tuple[datetime, str] | None = None,
        limit: int = 50,
    ) -> Sequence[QueueItem]:
        found = sorted(self._of_queue(project_id, queue_id, status), key=_key)
        if after is not None:
            found = [i for i in found if i.key > after]
        return found[:limit]

    async def position(self, project_id: str, queue_id: str, key: tuple[datetime, str]) -> int:
        return sum(1 for i in self._of_queue(project_id, queue_id, None) if i.key <= key)

    async def counts(self, project_id: str, queue_ids: Sequence[str]) -> dict[str, QueueCounts]:
        counts = {}
        for queue_id in queue_ids:
            items = list(self._of_queue(project_id, queue_id, None))
            pending = sum(1 for i in items if i.status is QueueItemStatus.PENDING)
            counts[queue_id] = QueueCounts(pending=pending, completed=len(items) - pending)
        return counts

    async def update(self, item: QueueItem) -> None:
        stored = await self.get(item.project_id, item.queue_id, item.id)
        if stored is None:
            raise NotFound(f"Annotation queue item '{item.id}' not found")
        # Only the mutable fields change, as the SQL update sets only those.
        self._items[item.id] = QueueItem(
            id=stored.id,
            project_id=stored.project_id,
            queue_id=stored.queue_id,
            object_id=stored.object_id,
            object_type=stored.object_type,
            status=item.status,
            completed_at=item.completed_at,
            annotator_user_id=item.annotator_user_id,
            created_at=stored.created_at,
            updated_at=item.updated_at,
        )

    async def delete(self, project_id: str, queue_id: str, item_id: str) -> bool:
        if await self.get(project_id, queue_id, item_id) is None:
            return False
        del self._items[item_id]
        return True

    def _of_queue(
        self, project_id: str, queue_id: str, status: QueueItemStatus | None
    ) -> Iterable[QueueItem]:
        return (
            i
            for i in self._items.values()
            if i.project_id == project_id
            and i.queue_id == queue_id
            and (status is None or i.status is status)
        )


def _key(item: QueueItem) -> tuple[datetime, str]:
    return item.key
