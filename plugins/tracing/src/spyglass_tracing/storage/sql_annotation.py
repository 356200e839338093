"""Comments, annotation queues, their items and assignments in SQL.

Queue items are unique per (queue, object type, object id); adding an object again is
skipped (checked first, and ``ON CONFLICT DO NOTHING`` covers a concurrent add). A
queue's items and assignments are deleted with it explicitly, besides the cascade.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from spyglass_adapters.sql import spi as mapping
from spyglass_core.domain.errors import NotFound
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
from spyglass_tracing.storage.sql_common import TracingRepository, chunks, optional_utc
from spyglass_tracing.storage.tables import (
    annotation_queue_assignments,
    annotation_queue_items,
    annotation_queues,
    comments,
)

__all__ = ("SqlAnnotationQueues", "SqlComments", "SqlQueueItems")

_C = comments.c
_Q = annotation_queues.c
_I = annotation_queue_items.c
_A = annotation_queue_assignments.c


class SqlComments(TracingRepository, CommentRepository):
    """Comments by id, scoped to their project."""

    async def add(self, comment: Comment) -> None:
        await self._write(comments.insert().values(_comment_values(comment)))

    async def get(self, project_id: str, comment_id: str) -> Comment | None:
        row = await self._first(
            sa.select(comments).where(_C.project_id == project_id, _C.id == comment_id)
        )
        return _comment(row) if row else None

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
        where = [_C.project_id == project_id]
        if object_type is not None:
            where.append(_C.object_type == object_type.value)
        if object_id is not None:
            where.append(_C.object_id == object_id)
        if author_user_id is not None:
            where.append(_C.author_user_id == author_user_id)
        total = await self._count(comments, *where)
        rows = await self._all(
            sa.select(comments)
            .where(*where)
            .order_by(_C.created_at, _C.id)
            .offset(offset)
            .limit(limit)
        )
        return [_comment(r) for r in rows], total

    async def delete(self, project_id: str, comment_id: str) -> bool:
        statement = comments.delete().where(_C.project_id == project_id, _C.id == comment_id)
        return await self._write(statement) > 0


class SqlAnnotationQueues(TracingRepository, AnnotationQueueRepository):
    """Queues by id, names unique per project; assignments by (queue, user)."""

    async def add(self, queue: AnnotationQueue) -> None:
        await self._write(annotation_queues.insert().values(_queue_values(queue)))

    async def get(self, project_id: str, queue_id: str) -> AnnotationQueue | None:
        row = await self._first(
            sa.select(annotation_queues).where(_Q.project_id == project_id, _Q.id == queue_id)
        )
        return _queue(row) if row else None

    async def list(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[AnnotationQueue], int]:
        of_project = _Q.project_id == project_id
        total = await self._count(annotation_queues, of_project)
        rows = await self._all(
            sa.select(annotation_queues)
            .where(of_project)
            .order_by(_Q.created_at.desc(), _Q.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_queue(r) for r in rows], total

    async def delete(self, project_id: str, queue_id: str) -> bool:
        if await self.get(project_id, queue_id) is None:
            return False
        await self._write(annotation_queue_items.delete().where(_I.queue_id == queue_id))
        await self._write(annotation_queue_assignments.delete().where(_A.queue_id == queue_id))
        await self._write(annotation_queues.delete().where(_Q.id == queue_id))
        return True

    async def assign(self, assignment: QueueAssignment) -> None:
        if await self.get(assignment.project_id, assignment.queue_id) is None:
            raise NotFound(f"Annotation queue '{assignment.queue_id}' not found")
        statement = (
            _insert(self._conn.dialect.name, annotation_queue_assignments)
            .values(
                queue_id=assignment.queue_id,
                user_id=assignment.user_id,
                project_id=assignment.project_id,
                created_at=mapping.utc_value(assignment.created_at),
            )
            .on_conflict_do_nothing(index_elements=["queue_id", "user_id"])
        )
        await self._write(statement)

    async def unassign(self, project_id: str, queue_id: str, user_id: str) -> bool:
        statement = annotation_queue_assignments.delete().where(
            _A.project_id == project_id, _A.queue_id == queue_id, _A.user_id == user_id
        )
        return await self._write(statement) > 0

    async def assignments(self, project_id: str, queue_id: str) -> Sequence[QueueAssignment]:
        rows = await self._all(
            sa.select(annotation_queue_assignments)
            .where(_A.project_id == project_id, _A.queue_id == queue_id)
            .order_by(_A.user_id)
        )
        return [
            QueueAssignment(
                project_id=r.project_id,
                queue_id=r.queue_id,
                user_id=r.user_id,
                created_at=mapping.utc_loaded(r.created_at),
            )
            for r in rows
        ]


class SqlQueueItems(TracingRepository, QueueItemRepository):
    """Queue items by id, unique per (queue, object type, object id)."""

    async def add(self, items: Sequence[QueueItem]) -> Sequence[QueueItem]:
        wanted: dict[tuple[str, QueueObjectType, str], QueueItem] = {}
        for item in items:
            wanted.setdefault((item.queue_id, item.object_type, item.object_id), item)
        taken = await self._present(list(wanted))
        new = [item for key, item in wanted.items() if key not in taken]
        for start in range(0, len(new), 500):
            insert = _insert(self._conn.dialect.name, annotation_queue_items)
            statement = insert.on_conflict_do_nothing(
                index_elements=["queue_id", "object_type", "object_id"]
            )
            await self._insert_many(statement, [_item_values(i) for i in new[start : start + 500]])
        return new

    async def get(self, project_id: str, queue_id: str, item_id: str) -> QueueItem | None:
        row = await self._first(
            sa.select(annotation_queue_items).where(
                _I.project_id == project_id, _I.queue_id == queue_id, _I.id == item_id
            )
        )
        return _item(row) if row else None

    async def find(
        self, project_id: str, queue_id: str, object_type: QueueObjectType, object_id: str
    ) -> QueueItem | None:
        row = await self._first(
            sa.select(annotation_queue_items).where(
                _I.project_id == project_id,
                _I.queue_id == queue_id,
                _I.object_type == object_type.value,
                _I.object_id == object_id,
            )
        )
        return _item(row) if row else None

    async def list(
        self,
        project_id: str,
        queue_id: str,
        *,
        status: QueueItemStatus | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[Sequence[QueueItem], int]:
        where = _of_queue(project_id, queue_id, status)
        total = await self._count(annotation_queue_items, *where)
        rows = await self._all(
            sa.select(annotation_queue_items)
            .where(*where)
            .order_by(_I.created_at.desc(), _I.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_item(r) for r in rows], total

    async def page(
        self,
        project_id: str,
        queue_id: str,
        *,
        status: QueueItemStatus | None = None,
        after: tuple[datetime, str] | None = None,
        limit: int = 50,
    ) -> Sequence[QueueItem]:
        where = _of_queue(project_id, queue_id, status)
        if after is not None:
            where.append(_after(after))
        rows = await self._all(
            sa.select(annotation_queue_items)
            .where(*where)
            .order_by(_I.created_at, _I.id)
            .limit(limit)
        )
        return [_item(r) for r in rows]

    async def position(self, project_id: str, queue_id: str, key: tuple[datetime, str]) -> int:
        return await self._count(
            annotation_queue_items, *_of_queue(project_id, queue_id, None), sa.not_(_after(key))
        )

    async def counts(self, project_id: str, queue_ids: Sequence[str]) -> dict[str, QueueCounts]:
        found: dict[str, dict[str, int]] = {queue_id: {} for queue_id in queue_ids}
        for chunk in chunks(list(dict.fromkeys(queue_ids))):
            rows = await self._all(
                sa.select(_I.queue_id, _I.status, sa.func.count().label("n"))
                .where(_I.project_id == project_id, _I.queue_id.in_(chunk))
                .group_by(_I.queue_id, _I.status)
            )
            for r in rows:
                found[r.queue_id][r.status] = int(r.n)
        return {
            queue_id: QueueCounts(
                pending=by_status.get(QueueItemStatus.PENDING.value, 0),
                completed=by_status.get(QueueItemStatus.COMPLETED.value, 0),
            )
            for queue_id, by_status in found.items()
        }

    async def update(self, item: QueueItem) -> None:
        updated = await self._write(
            annotation_queue_items.update()
            .where(_I.project_id == item.project_id, _I.queue_id == item.queue_id, _I.id == item.id)
            .values(
                status=item.status.value,
                completed_at=mapping.utc_value(item.completed_at),
                annotator_user_id=item.annotator_user_id,
                updated_at=mapping.utc_value(item.updated_at),
            )
        )
        if not updated:
            raise NotFound(f"Annotation queue item '{item.id}' not found")

    async def delete(self, project_id: str, queue_id: str, item_id: str) -> bool:
        statement = annotation_queue_items.delete().where(
            _I.project_id == project_id, _I.queue_id == queue_id, _I.id == item_id
        )
        return await self._write(statement) > 0

    async def _present(
        self, keys: Sequence[tuple[str, QueueObjectType, str]]
    ) -> set[tuple[str, QueueObjectType, str]]:
        """Which of these (queue, type, object id) keys are stored already."""
        present: set[tuple[str, QueueObjectType, str]] = set()
        groups: dict[tuple[str, QueueObjectType], list[str]] = {}
        for queue_id, object_type, object_id in keys:
            groups.setdefault((queue_id, object_type), []).append(object_id)
        for (queue_id, object_type), object_ids in groups.items():
            for chunk in chunks(object_ids):
                rows = await self._all(
                    sa.select(_I.object_id).where(
                        _I.queue_id == queue_id,
                        _I.object_type == object_type.value,
                        _I.object_id.in_(chunk),
                    )
                )
                present.update((queue_id, object_type, r.object_id) for r in rows)
        return present


# --- helpers ------------------------------------------------------------------------------


def _insert(dialect: str, table: sa.Table) -> Any:
    # Both dialects spell an upsert the same way; only the import differs.
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def _of_queue(
    project_id: str, queue_id: str, status: QueueItemStatus | None
) -> list[sa.ColumnElement[bool]]:
    where = [_I.project_id == project_id, _I.queue_id == queue_id]
    if status is not None:
        where.append(_I.status == status.value)
    return where


def _after(key: tuple[datetime, str]) -> sa.ColumnElement[bool]:
    """Strictly after ``key`` in queue order (created_at, id)."""
    created_at, item_id = key
    when = mapping.utc_value(created_at)
    return sa.or_(_I.created_at > when, sa.and_(_I.created_at == when, _I.id > item_id))


def _comment(row: sa.Row[Any]) -> Comment:
    return Comment(
        id=row.id,
        project_id=row.project_id,
        object_type=CommentObjectType(row.object_type),
        object_id=row.object_id,
        content=row.content,
        author_user_id=row.author_user_id,
        created_at=mapping.utc_loaded(row.created_at),
        updated_at=mapping.utc_loaded(row.updated_at),
    )


def _comment_values(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "project_id": comment.project_id,
        "object_type": comment.object_type.value,
        "object_id": comment.object_id,
        "content": comment.content,
        "author_user_id": comment.author_user_id,
        "created_at": mapping.utc_value(comment.created_at),
        "updated_at": mapping.utc_value(comment.updated_at),
    }


def _queue(row: sa.Row[Any]) -> AnnotationQueue:
    return AnnotationQueue(
        id=row.id,
        project_id=row.project_id,
        name=row.name,
        description=row.description,
        score_config_ids=tuple(row.score_config_ids),
        created_at=mapping.utc_loaded(row.created_at),
        updated_at=mapping.utc_loaded(row.updated_at),
    )


def _queue_values(queue: AnnotationQueue) -> dict[str, Any]:
    return {
        "id": queue.id,
        "project_id": queue.project_id,
        "name": queue.name,
        "description": queue.description,
        "score_config_ids": list(queue.score_config_ids),
        "created_at": mapping.utc_value(queue.created_at),
        "updated_at": mapping.utc_value(queue.updated_at),
    }


def _item(row: sa.Row[Any]) -> QueueItem:
    return QueueItem(
        id=row.id,
        project_id=row.project_id,
        queue_id=row.queue_id,
        object_id=row.object_id,
        object_type=QueueObjectType(row.object_type),
        status=QueueItemStatus(row.status),
        completed_at=optional_utc(row.completed_at),
        annotator_user_id=row.annotator_user_id,
        created_at=mapping.utc_loaded(row.created_at),
        updated_at=mapping.utc_loaded(row.updated_at),
    )


def _item_values(item: QueueItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "project_id": item.project_id,
        "queue_id": item.queue_id,
        "object_id": item.object_id,
        "object_type": item.object_type.value,
        "status": item.status.value,
        "completed_at": mapping.utc_value(item.completed_at),
        "annotator_user_id": item.annotator_user_id,
        "created_at": mapping.utc_value(item.created_at),
        "updated_at": mapping.utc_value(item.updated_at),
    }
