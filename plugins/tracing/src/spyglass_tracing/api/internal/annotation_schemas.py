"""Wire schemas of the web UI's comments and annotation-queue routes (camelCase JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from spyglass_tracing.domain.annotation import MAX_COMMENT_LENGTH, Comment, QueueItem
from spyglass_tracing.domain.scoring import ScoreConfig
from spyglass_tracing.services.annotation_queues import QueueDetail, QueueSummary

__all__ = (
    "AddItemsBody",
    "AddedItems",
    "CompleteBody",
    "CompletedItem",
    "CreateCommentBody",
    "CreateQueueBody",
    "InternalCategory",
    "InternalComment",
    "InternalQueue",
    "InternalQueueDetail",
    "InternalQueueItem",
    "InternalScoreConfig",
    "NextQueueItem",
    "QueueItemList",
    "ScoreInput",
    "internal_comment",
    "internal_item",
    "internal_queue",
    "internal_queue_detail",
)

_ID = Annotated[str, msgspec.Meta(min_length=1, max_length=800)]


class InternalQueue(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A queue as the UI lists it, with its item counts."""

    id: str
    name: str
    description: str | None
    score_config_ids: list[str]
    pending_count: int
    completed_count: int
    created_at: datetime


class InternalCategory(msgspec.Struct, frozen=True, kw_only=True):
    """One category of a CATEGORICAL or BOOLEAN config."""

    label: str
    value: float


class InternalScoreConfig(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """What the UI needs to render a score input."""

    id: str
    name: str
    data_type: str
    min_value: float | None
    max_value: float | None
    categories: list[InternalCategory] | None
    description: str | None
    is_archived: bool


class InternalQueueDetail(InternalQueue, frozen=True, kw_only=True, rename="camel"):
    """A queue with its score configs, in the queue's order."""

    score_configs: list[InternalScoreConfig]


class CreateQueueBody(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A new queue: a name unique in the project and 1 to 50 of its score configs."""

    name: Annotated[str, msgspec.Meta(max_length=255)]
    score_config_ids: Annotated[list[_ID], msgspec.Meta(min_length=1, max_length=50)]
    description: Annotated[str, msgspec.Meta(max_length=10_000)] | None = None


class AddItemsBody(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Objects of one type to add to a queue; those already in it are skipped."""

    object_type: str
    object_ids: Annotated[list[_ID], msgspec.Meta(min_length=1, max_length=1000)]


class AddedItems(msgspec.Struct, frozen=True, kw_only=True):
    """How many of the objects were new to the queue."""

    added: int


class InternalQueueItem(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A queue item; ``traceId`` is the trace to show (None for sessions and for
    observations not stored)."""

    id: str
    queue_id: str
    object_id: str
    object_type: str
    trace_id: str | None
    status: str
    completed_at: datetime | None
    annotator_user_id: str | None
    created_at: datetime
    updated_at: datetime


class QueueItemList(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One page of items in queue order; ``nextCursor`` is null on the last page."""

    items: list[InternalQueueItem]
    next_cursor: str | None


class NextQueueItem(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The next pending item (null when the queue is done), its 1-based position among all
    the queue's items, their total and how many are still pending."""

    item: InternalQueueItem | None
    position: int
    total: int
    pending_count: int


class ScoreInput(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One score: ``value`` (a number) or ``stringValue`` (a label), per the config's type."""

    config_id: _ID
    value: float | None = None
    string_value: Annotated[str, msgspec.Meta(max_length=5000)] | None = None
    comment: Annotated[str, msgspec.Meta(max_length=MAX_COMMENT_LENGTH)] | None = None


class CompleteBody(msgspec.Struct, frozen=True, kw_only=True):
    """The annotator's scores for the item (one per config of the queue at most)."""

    scores: Annotated[list[ScoreInput], msgspec.Meta(max_length=50)] = []


class CompletedItem(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The ids of the scores written and the completed item."""

    score_ids: list[str]
    item: InternalQueueItem


class InternalComment(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A comment with its author's email when the author is a known user."""

    id: str
    object_type: str
    object_id: str
    content: str
    author_user_id: str | None
    author_email: str | None
    created_at: datetime
    updated_at: datetime


class CreateCommentBody(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A comment on a trace, observation, session or prompt of the project."""

    object_type: str
    object_id: _ID
    content: Annotated[str, msgspec.Meta(max_length=20_000)]


def internal_queue(summary: QueueSummary) -> InternalQueue:
    """The list form of a queue."""
    queue = summary.queue
    return InternalQueue(
        id=queue.id,
        name=queue.name,
        description=queue.description,
        score_config_ids=list(queue.score_config_ids),
        pending_count=summary.counts.pending,
        completed_count=summary.counts.completed,
        created_at=queue.created_at,
    )


def _config(config: ScoreConfig) -> InternalScoreConfig:
    return InternalScoreConfig(
        id=config.id,
        name=config.name,
        data_type=config.data_type.value,
        min_value=config.min_value,
        max_value=config.max_value,
        categories=None
        if config.categories is None
        else [InternalCategory(label=c.label, value=c.value) for c in config.categories],
        description=config.description,
        is_archived=config.is_archived,
    )


def internal_queue_detail(detail: QueueDetail) -> InternalQueueDetail:
    """A queue with its configs."""
    listed = internal_queue(QueueSummary(queue=detail.queue, counts=detail.counts))
    return InternalQueueDetail(
        **msgspec.structs.asdict(listed), score_configs=[_config(c) for c in detail.configs]
    )


def internal_item(item: QueueItem, trace_id: str | None) -> InternalQueueItem:
    """The UI's form of an item, with the trace to show."""
    return InternalQueueItem(
        id=item.id,
        queue_id=item.queue_id,
        object_id=item.object_id,
        object_type=item.object_type.value,
        trace_id=trace_id,
        status=item.status.value,
        completed_at=item.completed_at,
        annotator_user_id=item.annotator_user_id,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def internal_comment(comment: Comment, author_email: str | None) -> InternalComment:
    """The UI's form of a comment."""
    return InternalComment(
        id=comment.id,
        object_type=comment.object_type.value,
        object_id=comment.object_id,
        content=comment.content,
        author_user_id=comment.author_user_id,
        author_email=author_email,
        created_at=comment.created_at,
        updated_at=comment.updated_at,
    )
