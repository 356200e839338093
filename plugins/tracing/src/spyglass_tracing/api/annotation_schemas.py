"""Wire schemas of the public comments and annotation-queues APIs (camelCase JSON).

Field names follow Langfuse's Fern definitions (``comments.yml``, ``annotation-queues.yml``
and ``commons.yml``); optional fields are sent as ``null``, as Langfuse does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from spyglass_tracing.domain.annotation import AnnotationQueue, Comment, QueueItem
from spyglass_tracing.views.wire import PageMeta

__all__ = (
    "AnnotationQueuePage",
    "AnnotationQueueResponse",
    "AssignmentRequest",
    "AssignmentResponse",
    "CommentPage",
    "CommentResponse",
    "CreateAnnotationQueueRequest",
    "CreateCommentRequest",
    "CreateQueueItemRequest",
    "DeleteAssignmentResponse",
    "DeleteQueueItemResponse",
    "QueueItemPage",
    "QueueItemResponse",
    "UpdateQueueItemRequest",
    "comment_response",
    "queue_item_response",
    "queue_response",
)

_ID = Annotated[str, msgspec.Meta(max_length=800)]


class CommentResponse(msgspec.Struct, kw_only=True, rename="camel"):
    """``commons.Comment``."""

    id: str
    project_id: str
    created_at: datetime
    updated_at: datetime
    object_type: str
    object_id: str
    content: str
    author_user_id: str | None


class CommentPage(msgspec.Struct, kw_only=True):
    """``GET /comments``."""

    data: list[CommentResponse]
    meta: PageMeta


class CreateCommentRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``POST /comments``; ``projectId`` is accepted and ignored: the key names the project."""

    object_type: str
    object_id: str
    content: str
    project_id: str | None = None
    author_user_id: _ID | None = None


class AnnotationQueueResponse(msgspec.Struct, kw_only=True, rename="camel"):
    """``AnnotationQueue``."""

    id: str
    name: str
    description: str | None
    score_config_ids: list[str]
    created_at: datetime
    updated_at: datetime


class AnnotationQueuePage(msgspec.Struct, kw_only=True):
    """``GET /annotation-queues``."""

    data: list[AnnotationQueueResponse]
    meta: PageMeta


class CreateAnnotationQueueRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``POST /annotation-queues``: at least one score config of the project."""

    name: str
    score_config_ids: Annotated[list[_ID], msgspec.Meta(max_length=50)]
    description: str | None = None


class QueueItemResponse(msgspec.Struct, kw_only=True, rename="camel"):
    """``AnnotationQueueItem``."""

    id: str
    queue_id: str
    object_id: str
    object_type: str
    status: str
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class QueueItemPage(msgspec.Struct, kw_only=True):
    """``GET /annotation-queues/{queueId}/items``."""

    data: list[QueueItemResponse]
    meta: PageMeta


class CreateQueueItemRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``POST /annotation-queues/{queueId}/items``; ``status`` defaults to PENDING."""

    object_id: str
    object_type: str
    status: str | None = None


class UpdateQueueItemRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``PATCH /annotation-queues/{queueId}/items/{itemId}``."""

    status: str | None = None


class DeleteQueueItemResponse(msgspec.Struct, kw_only=True):
    """``DELETE /annotation-queues/{queueId}/items/{itemId}``."""

    success: bool
    message: str


class AssignmentRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``POST`` and ``DELETE /annotation-queues/{queueId}/assignments``."""

    user_id: _ID


class AssignmentResponse(msgspec.Struct, kw_only=True, rename="camel"):
    """``CreateAnnotationQueueAssignmentResponse``."""

    user_id: str
    project_id: str
    queue_id: str


class DeleteAssignmentResponse(msgspec.Struct, kw_only=True):
    """``DeleteAnnotationQueueAssignmentResponse``."""

    success: bool


def comment_response(comment: Comment) -> CommentResponse:
    """The wire form of a comment."""
    return CommentResponse(
        id=comment.id,
        project_id=comment.project_id,
        created_at=comment.created_at,
        updated_at=comment.updated_at,
        object_type=comment.object_type.value,
        object_id=comment.object_id,
        content=comment.content,
        author_user_id=comment.author_user_id,
    )


def queue_response(queue: AnnotationQueue) -> AnnotationQueueResponse:
    """The wire form of a queue."""
    return AnnotationQueueResponse(
        id=queue.id,
        name=queue.name,
        description=queue.description,
        score_config_ids=list(queue.score_config_ids),
        created_at=queue.created_at,
        updated_at=queue.updated_at,
    )


def queue_item_response(item: QueueItem) -> QueueItemResponse:
    """The wire form of a queue item."""
    return QueueItemResponse(
        id=item.id,
        queue_id=item.queue_id,
        object_id=item.object_id,
        object_type=item.object_type.value,
        status=item.status.value,
        completed_at=item.completed_at,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )
