"""Scores a signed-in user gives in the web UI (annotations).

They take the public ``POST /api/public/scores`` path: the same checks
(``envelopes.normalize_score``, then the project's score config through
``ScoreConfigChecker``), then ``BatchIntake``, which stores the score durably and hands it
to the worker. So an annotation becomes readable once the worker applied it, exactly like
a score an SDK sent, with source ANNOTATION and the user as its author.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import ScoreSource
from spyglass_core.ports.clock import Clock
from spyglass_tracing.domain.envelopes import InvalidEvent, normalize_score
from spyglass_tracing.domain.ingestion import EntityEvent, ScoreBody
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.services.intake import Attribution, BatchIntake
from spyglass_tracing.services.score_rules import ScoreConfigChecker

__all__ = ("Annotation", "AnnotationScores", "accept_annotations", "normalized_annotation")

_UI = Attribution(sdk_name="spyglass-ui")
"""Who sent an annotation's batch, as recorded with the batch."""


def normalized_annotation(body: ScoreBody) -> ScoreBody:
    """``body`` as ``POST /scores`` normalises it.

    Raises:
        InvalidInput: a score rule refuses it.
    """
    try:
        return normalize_score(body, allow_eval=False)
    except InvalidEvent as error:
        raise InvalidInput("Invalid request data", details=error.message) from None


async def accept_annotations(
    intake: BatchIntake,
    checker: ScoreConfigChecker,
    project_id: str,
    bodies: Sequence[ScoreBody],
    now: datetime,
) -> None:
    """Check normalised annotation scores against their configs and ingest them as one batch.

    Raises:
        InvalidInput: a score breaks its config (every problem is named).
        RateLimited: ingestion is past its bound; nothing was stored.
    """
    problems = [p for p in await checker.problems(project_id, bodies) if p]
    if problems:
        raise InvalidInput("Invalid request data", details="; ".join(problems))
    events = [
        EntityEvent(id=uuid.uuid4().hex, type="score-create", timestamp=now, score=body)
        for body in bodies
    ]
    if events:
        await intake.accept(project_id, events, source="scores", attribution=_UI)


class Annotation(msgspec.Struct, frozen=True, kw_only=True):
    """What a user scores and how; the subject is a trace (optionally one of its
    observations), an observation alone (its trace is looked up) or a session."""

    name: str
    value: float | str
    trace_id: str | None = None
    observation_id: str | None = None
    session_id: str | None = None
    data_type: str | None = None
    config_id: str | None = None
    comment: str | None = None


def _given(value: str | None) -> str | msgspec.UnsetType:
    return msgspec.UNSET if value is None else value


class AnnotationScores:
    """Creates annotation scores through the ingestion pipeline."""

    def __init__(
        self,
        intake: BatchIntake,
        checker: ScoreConfigChecker,
        store: AnalyticsStore,
        clock: Clock,
    ) -> None:
        self._intake = intake
        self._checker = checker
        self._store = store
        self._clock = clock

    async def create(self, project_id: str, author_user_id: str, annotation: Annotation) -> str:
        """Accept one annotation score by ``author_user_id`` and return its new id.

        The score takes its subject's environment (the trace's or the observation's).

        Raises:
            InvalidInput: the score breaks a score rule (no subject, a value that does not
                fit its data type, an ANNOTATION score without a ``configId`` unless it is
                a CORRECTION) or its score config (unknown, archived, another data type,
                out of range, not a category).
            RateLimited: ingestion is past its bound; nothing was stored.
            StorageUnavailable: storage failed; nothing was acknowledged.
        """
        trace_id, environment = await self._subject(project_id, annotation)
        body = ScoreBody(
            name=annotation.name,
            value=annotation.value,
            trace_id=_given(trace_id),
            observation_id=_given(annotation.observation_id),
            session_id=_given(annotation.session_id),
            data_type=_given(annotation.data_type),
            config_id=_given(annotation.config_id),
            comment=_given(annotation.comment),
            environment=_given(environment),
            source=ScoreSource.ANNOTATION.value,
            author_user_id=author_user_id,
        )
        body = normalized_annotation(body)
        await accept_annotations(self._intake, self._checker, project_id, [body], self._clock.now())
        assert isinstance(body.id, str)  # normalize_score gave it one
        return body.id

    async def _subject(
        self, project_id: str, annotation: Annotation
    ) -> tuple[str | None, str | None]:
        """(trace id, environment) of what is scored; the trace id is the given one or,
        for an observation alone, its observation's; None where nothing is stored."""
        trace_id = annotation.trace_id
        if annotation.observation_id is not None and trace_id is None:
            observation = await self._store.get_observation(project_id, annotation.observation_id)
            if observation is not None:
                return observation.trace_id, observation.environment
        if trace_id is not None:
            trace = await self._store.get_trace(project_id, trace_id)
            return trace_id, None if trace is None else trace.environment
        return None, None
