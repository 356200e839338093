"""Comments and annotation queues: what people say about traces and the work of scoring them.

A comment is attached to one object (a trace, an observation, a session or a prompt) of a
project. An annotation queue names the score configs its annotators fill in; its items
are the objects (traces, observations, sessions) waiting to be scored, worked through in
queue order: oldest first, then by id.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TypeVar

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_tracing.domain.ingestion import validate_id

__all__ = (
    "MAX_COMMENT_LENGTH",
    "MAX_QUEUE_NAME_LENGTH",
    "AnnotationQueue",
    "Comment",
    "CommentObjectType",
    "QueueAssignment",
    "QueueCounts",
    "QueueItem",
    "QueueItemStatus",
    "QueueObjectType",
    "choice",
    "comment_content",
    "object_id",
    "queue_name",
)

MAX_COMMENT_LENGTH = 5000
"""Characters in a comment, as Langfuse allows."""

MAX_QUEUE_NAME_LENGTH = 255
"""Characters in a queue name (the column's width)."""


class CommentObjectType(enum.StrEnum):
    """What a comment may be attached to."""

    TRACE = "TRACE"
    OBSERVATION = "OBSERVATION"
    SESSION = "SESSION"
    PROMPT = "PROMPT"


class QueueObjectType(enum.StrEnum):
    """What an annotation queue item may name."""

    TRACE = "TRACE"
    OBSERVATION = "OBSERVATION"
    SESSION = "SESSION"


class QueueItemStatus(enum.StrEnum):
    """PENDING until an annotator completes the item."""

    PENDING = "PENDING"
    COMPLETED = "COMPLETED"


class Comment(msgspec.Struct, frozen=True, kw_only=True):
    """A comment on one object of a project; the author is None when an API key wrote it."""

    id: str
    project_id: str
    object_type: CommentObjectType
    object_id: str
    content: str
    author_user_id: str | None = None
    created_at: datetime
    updated_at: datetime


class AnnotationQueue(msgspec.Struct, frozen=True, kw_only=True):
    """A named queue whose items are scored with the given score configs (in this order)."""

    id: str
    project_id: str
    name: str
    description: str | None = None
    score_config_ids: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


class QueueItem(msgspec.Struct, frozen=True, kw_only=True):
    """One object in a queue; an object is in a queue at most once.

    ``completed_at`` and ``annotator_user_id`` say when and by whom it was completed.
    """

    id: str
    project_id: str
    queue_id: str
    object_id: str
    object_type: QueueObjectType
    status: QueueItemStatus = QueueItemStatus.PENDING
    completed_at: datetime | None = None
    annotator_user_id: str | None = None
    created_at: datetime
    updated_at: datetime

    @property
    def key(self) -> tuple[datetime, str]:
        """The item's place in queue order."""
        return (self.created_at, self.id)


class QueueAssignment(msgspec.Struct, frozen=True, kw_only=True):
    """A user assigned to work on a queue."""

    project_id: str
    queue_id: str
    user_id: str
    created_at: datetime


class QueueCounts(msgspec.Struct, frozen=True, kw_only=True):
    """How many items of a queue are pending and how many completed."""

    pending: int = 0
    completed: int = 0

    @property
    def total(self) -> int:
        """Every item of the queue."""
        return self.pending + self.completed


_E = TypeVar("_E", bound=enum.Enum)


def choice(kind: type[_E], raw: str, what: str) -> _E:
    """The member of ``kind`` that ``raw`` names (case-insensitive). Raises: InvalidInput."""
    try:
        return kind(raw.upper())
    except ValueError:
        allowed = ", ".join(str(member.value) for member in kind)
        raise InvalidInput(
            "Invalid request data", details=f"{what} must be one of {allowed}, not '{raw}'"
        ) from None


def comment_content(raw: str) -> str:
    """The content stripped of surrounding space: 1 to 5000 characters. Raises: InvalidInput."""
    content = raw.strip()
    if not content:
        raise InvalidInput("Invalid request data", details="content must not be empty")
    if len(content) > MAX_COMMENT_LENGTH:
        raise InvalidInput(
            "Invalid request data",
            details=f"content is longer than {MAX_COMMENT_LENGTH} characters",
        )
    return content


def queue_name(raw: str) -> str:
    """The name stripped of surrounding space: 1 to 255 characters. Raises: InvalidInput."""
    name = raw.strip()
    if not name or len(name) > MAX_QUEUE_NAME_LENGTH:
        raise InvalidInput(
            "Invalid request data",
            details=f"name must have 1 to {MAX_QUEUE_NAME_LENGTH} characters",
        )
    return name


def object_id(raw: str, what: str = "objectId") -> str:
    """An object id as ingestion accepts ids (1 to 800 characters). Raises: InvalidInput."""
    problem = validate_id(raw, what)
    if problem:
        raise InvalidInput("Invalid request data", details=problem)
    return raw
