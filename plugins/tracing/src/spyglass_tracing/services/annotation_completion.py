"""Completing a queue item: the annotator's scores, then the item marked COMPLETED.

The scores take the path of ``POST /api/public/scores``: each body is normalised by the
same rules (``normalize_score``), checked against its score config by the same checker,
and handed to ``BatchIntake`` as one durable batch, which the worker applies like any
other. Only once the intake accepted them is the item marked completed, so a failure
leaves it pending and the annotator may simply submit again.

Score ids derive from (project, queue, item, config, annotator): submitting the same
item again replaces that annotator's scores instead of adding more.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.domain.tracing import ScoreDataType
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.domain.annotation import (
    AnnotationQueue,
    QueueItem,
    QueueItemStatus,
    QueueObjectType,
)
from spyglass_tracing.domain.ingestion import ScoreBody
from spyglass_tracing.domain.scoring import ScoreConfig
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.ports.annotation import QueueItemRepository
from spyglass_tracing.ports.repositories import ScoreConfigRepository
from spyglass_tracing.services.annotation_scores import accept_annotations, normalized_annotation
from spyglass_tracing.services.intake import BatchIntake
from spyglass_tracing.services.queue_items import ITEM_NOT_FOUND, load_queue_item, with_status
from spyglass_tracing.services.score_rules import ScoreConfigChecker

__all__ = ("AnnotationCompletion", "AnnotationScore", "Completed", "annotation_value")

_SCORE_IDS = uuid.UUID("6f1c3e0a-4b7d-4d2a-9a53-0c1f7e9b2d44")
"""Namespace of the annotation scores' uuid5 ids."""


class AnnotationScore(msgspec.Struct, frozen=True, kw_only=True):
    """One score an annotator gives: a number (``value``) or a label (``string_value``)."""

    config_id: str
    value: float | None = None
    string_value: str | None = None
    comment: str | None = None


class Completed(msgspec.Struct, frozen=True, kw_only=True):
    """The ids of the scores written and the completed item."""

    score_ids: list[str]
    item: QueueItem


class _Subject(msgspec.Struct, frozen=True, kw_only=True):
    """What the scores of an item are attached to."""

    trace_id: str | None = None
    observation_id: str | None = None
    session_id: str | None = None
    environment: str | None = None


def annotation_value(config: ScoreConfig, score: AnnotationScore) -> float | str:
    """The value to send for ``score`` under ``config``'s data type. Raises: InvalidInput.

    NUMERIC takes ``value``; BOOLEAN ``value`` 0/1 or ``stringValue`` True/False;
    CATEGORICAL a category label, or the value of a category; TEXT ``stringValue``.
    Ranges and labels are checked afterwards by the score config checker.
    """
    kind = config.data_type
    if kind is ScoreDataType.NUMERIC and score.value is not None:
        return score.value
    if kind is ScoreDataType.BOOLEAN:
        if score.value is not None:
            return score.value
        truth = {"true": 1.0, "false": 0.0}.get((score.string_value or "").lower())
        if truth is not None:
            return truth
    if kind is ScoreDataType.CATEGORICAL:
        if score.string_value is not None:
            return score.string_value
        labels = {c.value: c.label for c in config.categories or []}
        if score.value is not None and score.value in labels:
            return labels[score.value]
    if kind is ScoreDataType.TEXT and score.string_value is not None:
        return score.string_value
    raise InvalidInput(
        "Invalid request data",
        details=f"Score config '{config.name}' ({kind.value}) needs "
        + ("a category label or value" if kind is ScoreDataType.CATEGORICAL else "a value"),
    )


class AnnotationCompletion:
    """Writes an annotator's scores for a queue item and completes the item."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        analytics: AnalyticsStore,
        intake: BatchIntake,
        checker: ScoreConfigChecker,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._analytics = analytics
        self._intake = intake
        self._checker = checker

    async def complete(
        self,
        project_id: str,
        queue_id: str,
        item_id: str,
        annotator_user_id: str,
        scores: Sequence[AnnotationScore],
    ) -> Completed:
        """Write ``scores`` (ANNOTATION scores of the item's object) and complete the item.

        Raises:
            NotFound: the queue, the item, or the object it names does not exist.
            InvalidInput: a config not of the queue, named twice, or a value it refuses.
            RateLimited: ingestion is past its bound; nothing was written.
        """
        async with self._uow_factory() as uow:
            queue, item = await load_queue_item(uow, project_id, queue_id, item_id)
            configs = await _configs(uow.repository(ScoreConfigRepository), queue, scores)
        subject = await self._subject(project_id, item)
        now = self._clock.now()
        bodies = [
            _score_body(queue, item, subject, annotator_user_id, configs[s.config_id], s, now)
            for s in scores
        ]
        await accept_annotations(self._intake, self._checker, project_id, bodies, now)
        async with self._uow_factory() as uow:
            items = uow.repository(QueueItemRepository)
            current = await items.get(project_id, queue_id, item_id)
            if current is None:  # removed while the scores were being written
                raise NotFound(ITEM_NOT_FOUND)
            done = with_status(current, QueueItemStatus.COMPLETED, now, annotator_user_id)
            await items.update(done)
            await uow.commit()
        return Completed(score_ids=[str(body.id) for body in bodies], item=done)

    async def _subject(self, project_id: str, item: QueueItem) -> _Subject:
        """The trace (and observation) or session the item's scores belong to.

        Raises: NotFound when the object is not (or no longer) stored.
        """
        if item.object_type is QueueObjectType.TRACE:
            trace = await self._analytics.get_trace(project_id, item.object_id)
            if trace is not None:
                return _Subject(trace_id=trace.id, environment=trace.environment)
        elif item.object_type is QueueObjectType.OBSERVATION:
            observation = await self._analytics.get_observation(project_id, item.object_id)
            if observation is not None:
                return _Subject(
                    trace_id=observation.trace_id,
                    observation_id=observation.id,
                    environment=observation.environment,
                )
        else:
            session = await self._analytics.get_session(project_id, item.object_id)
            if session is not None:
                return _Subject(session_id=session.id, environment=session.environment)
        raise NotFound(f"{item.object_type.value.capitalize()} '{item.object_id}' not found")


async def _configs(
    repository: ScoreConfigRepository, queue: AnnotationQueue, scores: Sequence[AnnotationScore]
) -> dict[str, ScoreConfig]:
    """The configs the scores name, each one of the queue's and named once."""
    named = [s.config_id for s in scores]
    if len(set(named)) != len(named):
        raise InvalidInput("Invalid request data", details="Each score config may be scored once")
    found: dict[str, ScoreConfig] = {}
    for config_id in named:
        config = None
        if config_id in queue.score_config_ids:
            config = await repository.get(queue.project_id, config_id)
        if config is None:
            raise InvalidInput(
                "Invalid request data",
                details=f"Score config '{config_id}' is not one of this queue's",
            )
        found[config_id] = config
    return found


def _score_body(
    queue: AnnotationQueue,
    item: QueueItem,
    subject: _Subject,
    annotator_user_id: str,
    config: ScoreConfig,
    score: AnnotationScore,
    now: datetime,
) -> ScoreBody:
    """The body ``POST /scores`` would receive for this score, normalised as it would be."""
    key = f"{queue.project_id}/{queue.id}/{item.id}/{config.id}/{annotator_user_id}"
    fields: dict[str, Any] = {
        "trace_id": subject.trace_id,
        "observation_id": subject.observation_id,
        "session_id": subject.session_id,
        "environment": subject.environment,
        "comment": score.comment,
    }
    body = ScoreBody(
        id=str(uuid.uuid5(_SCORE_IDS, key)),
        name=config.name,
        value=annotation_value(config, score),
        data_type=config.data_type.value,
        config_id=config.id,
        source="ANNOTATION",
        queue_id=queue.id,
        author_user_id=annotator_user_id,
        timestamp=now,
        **{name: value for name, value in fields.items() if value is not None},
    )
    return normalized_annotation(body)
