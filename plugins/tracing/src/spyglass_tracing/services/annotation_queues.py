"""Annotation queues of a project and the users assigned to them.

A queue names at least one score config of its project (400 otherwise, as in Langfuse);
names are unique per project (409). Deleting a queue deletes its items and assignments;
the scores its annotators wrote stay.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from spyglass_core.domain.errors import Conflict, InvalidInput, NotFound
from spyglass_core.domain.ids import new_id
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.domain.annotation import (
    AnnotationQueue,
    QueueAssignment,
    QueueCounts,
    queue_name,
)
from spyglass_tracing.domain.scoring import ScoreConfig
from spyglass_tracing.ports.annotation import AnnotationQueueRepository, QueueItemRepository
from spyglass_tracing.ports.repositories import ScoreConfigRepository

__all__ = (
    "MAX_LISTED_QUEUES",
    "MAX_QUEUE_CONFIGS",
    "AnnotationQueueService",
    "NewQueue",
    "QueueDetail",
    "QueueSummary",
)

MAX_QUEUE_CONFIGS = 50
"""Score configs one queue may name."""

MAX_LISTED_QUEUES = 1000
"""Queues the UI's list shows (the newest)."""

_QUEUE_NOT_FOUND = "Annotation queue not found"


class NewQueue(msgspec.Struct, frozen=True, kw_only=True):
    """What a caller asks to be created."""

    name: str
    description: str | None = None
    score_config_ids: Sequence[str]


class QueueSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A queue with the number of its pending and completed items."""

    queue: AnnotationQueue
    counts: QueueCounts


class QueueDetail(msgspec.Struct, frozen=True, kw_only=True):
    """A queue, its counts and its score configs in the queue's order."""

    queue: AnnotationQueue
    counts: QueueCounts
    configs: list[ScoreConfig]


class AnnotationQueueService:
    """Create, read, list and delete queues; assign users to them."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def create(self, project_id: str, new: NewQueue) -> AnnotationQueue:
        """Store a new queue.

        Raises:
            InvalidInput: an empty or long name, no score config, or one not of the project.
            Conflict: the project has a queue of that name.
        """
        name = queue_name(new.name)
        config_ids = tuple(dict.fromkeys(new.score_config_ids))
        if not config_ids or len(config_ids) > MAX_QUEUE_CONFIGS:
            raise InvalidInput(
                "Invalid request data",
                details=f"scoreConfigIds must name 1 to {MAX_QUEUE_CONFIGS} score configs",
            )
        now = self._clock.now()
        queue = AnnotationQueue(
            id=new_id(),
            project_id=project_id,
            name=name,
            description=new.description,
            score_config_ids=config_ids,
            created_at=now,
            updated_at=now,
        )
        async with self._uow_factory() as uow:
            configs = uow.repository(ScoreConfigRepository)
            for config_id in config_ids:
                if await configs.get(project_id, config_id) is None:
                    raise InvalidInput(
                        "At least one of the score config IDs cannot be found for the given "
                        "project.",
                        details=f"Score config '{config_id}' not found",
                    )
            try:
                await uow.repository(AnnotationQueueRepository).add(queue)
            except Conflict:
                # The id is new, so the name is what collided.
                raise Conflict("A queue with this name already exists.") from None
            await uow.commit()
        return queue

    async def get(self, project_id: str, queue_id: str) -> AnnotationQueue:
        """One queue. Raises: NotFound."""
        async with self._uow_factory() as uow:
            queue = await uow.repository(AnnotationQueueRepository).get(project_id, queue_id)
        if queue is None:
            raise NotFound(_QUEUE_NOT_FOUND)
        return queue

    async def list(
        self, project_id: str, *, page: int, limit: int
    ) -> tuple[Sequence[AnnotationQueue], int]:
        """One offset page of queues, newest first, and the total."""
        async with self._uow_factory() as uow:
            return await uow.repository(AnnotationQueueRepository).list(
                project_id, offset=(page - 1) * limit, limit=limit
            )

    async def summaries(self, project_id: str) -> Sequence[QueueSummary]:
        """The project's queues (the newest ``MAX_LISTED_QUEUES``) with their counts."""
        async with self._uow_factory() as uow:
            queues, _ = await uow.repository(AnnotationQueueRepository).list(
                project_id, limit=MAX_LISTED_QUEUES
            )
            counts = await uow.repository(QueueItemRepository).counts(
                project_id, [q.id for q in queues]
            )
        return [QueueSummary(queue=q, counts=counts[q.id]) for q in queues]

    async def detail(self, project_id: str, queue_id: str) -> QueueDetail:
        """A queue with its counts and its score configs. Raises: NotFound."""
        async with self._uow_factory() as uow:
            queue = await uow.repository(AnnotationQueueRepository).get(project_id, queue_id)
            if queue is None:
                raise NotFound(_QUEUE_NOT_FOUND)
            counts = await uow.repository(QueueItemRepository).counts(project_id, [queue_id])
            configs = uow.repository(ScoreConfigRepository)
            found = [await configs.get(project_id, c) for c in queue.score_config_ids]
        return QueueDetail(
            queue=queue, counts=counts[queue_id], configs=[c for c in found if c is not None]
        )

    async def delete(self, project_id: str, queue_id: str) -> None:
        """Delete a queue with its items and assignments. Raises: NotFound."""
        async with self._uow_factory() as uow:
            if not await uow.repository(AnnotationQueueRepository).delete(project_id, queue_id):
                raise NotFound(_QUEUE_NOT_FOUND)
            await uow.commit()

    async def assign(
        self, project_id: str, organization_id: str, queue_id: str, user_id: str
    ) -> QueueAssignment:
        """Assign a member of the project's organization to a queue (again: no change).

        Raises: NotFound for an unknown queue, or a user who is no member.
        """
        assignment = QueueAssignment(
            project_id=project_id, queue_id=queue_id, user_id=user_id, created_at=self._clock.now()
        )
        async with self._uow_factory() as uow:
            queues = uow.repository(AnnotationQueueRepository)
            if await queues.get(project_id, queue_id) is None:
                raise NotFound(_QUEUE_NOT_FOUND)
            if await uow.memberships.get(organization_id, user_id) is None:
                raise NotFound("User not found or not authorized for this project")
            await queues.assign(assignment)
            await uow.commit()
        return assignment

    async def unassign(self, project_id: str, queue_id: str, user_id: str) -> None:
        """Remove an assignment; one that does not exist is no error. Raises: NotFound (queue)."""
        async with self._uow_factory() as uow:
            queues = uow.repository(AnnotationQueueRepository)
            if await queues.get(project_id, queue_id) is None:
                raise NotFound(_QUEUE_NOT_FOUND)
            await queues.unassign(project_id, queue_id, user_id)
            await uow.commit()
