"""Repositories of comments and annotation queues; adapters in ``spyglass_tracing.storage``.

Every method is scoped to one project: a row of another project reads as absent, even
when its id matches. Queue order is (``created_at``, ``id``) ascending.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

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

__all__ = ("AnnotationQueueRepository", "CommentRepository", "QueueItemRepository")


class CommentRepository(Protocol):
    """Comments of a project."""

    async def add(self, comment: Comment) -> None:
        """Store a new comment. Raises: Conflict when the id is taken."""

    async def get(self, project_id: str, comment_id: str) -> Comment | None:
        """The comment, or None."""

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
        """The comments matching every filter given, oldest first (then by id), and the total."""

    async def delete(self, project_id: str, comment_id: str) -> bool:
        """Delete a comment; True if it existed."""


class AnnotationQueueRepository(Protocol):
    """Annotation queues of a project and the users assigned to them."""

    async def add(self, queue: AnnotationQueue) -> None:
        """Store a new queue. Raises: Conflict when the id or the name (in the project) is taken."""

    async def get(self, project_id: str, queue_id: str) -> AnnotationQueue | None:
        """The queue, or None."""

    async def list(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[AnnotationQueue], int]:
        """The project's queues, newest first (then by id, descending), and the total."""

    async def delete(self, project_id: str, queue_id: str) -> bool:
        """Delete a queue with its items and assignments; True if it existed."""

    async def assign(self, assignment: QueueAssignment) -> None:
        """Assign a user to a queue; assigning again changes nothing.

        Raises: NotFound when the queue does not exist.
        """

    async def unassign(self, project_id: str, queue_id: str, user_id: str) -> bool:
        """Remove an assignment; True if it existed."""

    async def assignments(self, project_id: str, queue_id: str) -> Sequence[QueueAssignment]:
        """The users assigned to a queue, by user id."""


class QueueItemRepository(Protocol):
    """The items of annotation queues."""

    async def add(self, items: Sequence[QueueItem]) -> Sequence[QueueItem]:
        """Store the items whose object is not yet in their queue; return those stored.

        An object repeated in ``items`` is stored once (the first). The queues must exist.
        Raises: Conflict when an item id is taken.
        """

    async def get(self, project_id: str, queue_id: str, item_id: str) -> QueueItem | None:
        """The item of this queue, or None."""

    async def find(
        self, project_id: str, queue_id: str, object_type: QueueObjectType, object_id: str
    ) -> QueueItem | None:
        """The item naming this object in this queue, or None."""

    async def list(
        self,
        project_id: str,
        queue_id: str,
        *,
        status: QueueItemStatus | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[Sequence[QueueItem], int]:
        """The queue's items (of one status), newest first (then id descending), and the total."""

    async def page(
        self,
        project_id: str,
        queue_id: str,
        *,
        status: QueueItemStatus | None = None,
        after: tuple[datetime, str] | None = None,
        limit: int = 50,
    ) -> Sequence[QueueItem]:
        """Up to ``limit`` items (of one status) in queue order, strictly after ``after``."""

    async def position(self, project_id: str, queue_id: str, key: tuple[datetime, str]) -> int:
        """How many items of the queue come at or before ``key`` in queue order."""

    async def counts(self, project_id: str, queue_ids: Sequence[str]) -> dict[str, QueueCounts]:
        """Pending and completed items of each queue (every id gets an entry)."""

    async def update(self, item: QueueItem) -> None:
        """Replace status, completion and ``updated_at`` of a stored item.

        Raises: NotFound when the item is absent.
        """

    async def delete(self, project_id: str, queue_id: str, item_id: str) -> bool:
        """Delete an item; True if it existed."""
