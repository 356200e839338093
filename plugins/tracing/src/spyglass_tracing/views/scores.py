"""Wire shapes of scores: v1/v2 ``ScoreView`` (with the scored trace's data in lists) and
the ``/v3/scores`` items, whose value is typed by ``dataType``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.tracing import Score, ScoreDataType, Trace
from spyglass_tracing.views.wire import decoded_metadata, row_times

__all__ = (
    "ScoreSubject",
    "ScoreTraceData",
    "ScoreV3View",
    "ScoreView",
    "score_v3_view",
    "score_view",
)


class ScoreTraceData(msgspec.Struct, kw_only=True, rename="camel"):
    """``trace`` of a ``/v2/scores`` item: the scored trace's user, tags and session."""

    user_id: str | None
    tags: list[str]
    environment: str
    session_id: str | None


class ScoreView(msgspec.Struct, kw_only=True, rename="camel"):
    """Langfuse's ``Score`` (v2) and ``ScoreV1``; ``trace`` only in list items."""

    id: str
    project_id: str
    trace_id: str | None
    session_id: str | None
    observation_id: str | None
    dataset_run_id: str | None
    name: str
    value: float
    string_value: str | None
    data_type: str
    source: str
    comment: str | None
    metadata: Any
    config_id: str | None
    queue_id: str | None
    author_user_id: str | None
    environment: str
    timestamp: datetime
    created_at: datetime
    updated_at: datetime
    trace: ScoreTraceData | msgspec.UnsetType | None = msgspec.UNSET


def _score_times(score: Score) -> tuple[datetime, datetime, datetime]:
    return row_times(score.timestamp, score.created_at, score.updated_at)


def score_view(
    score: Score,
    traces: Mapping[str, Trace] | None = None,
) -> ScoreView:
    """A v1/v2 score; with ``traces`` (by id), also its ``trace`` data (null if none)."""
    timestamp, created, updated = _score_times(score)
    view = ScoreView(
        id=score.id,
        project_id=score.project_id,
        trace_id=score.trace_id,
        session_id=score.session_id,
        observation_id=score.observation_id,
        dataset_run_id=score.dataset_run_id,
        name=score.name,
        value=score.value,
        string_value=score.string_value,
        data_type=score.data_type.value,
        source=score.source.value,
        comment=score.comment,
        metadata=decoded_metadata(score.metadata),
        config_id=score.config_id,
        queue_id=score.queue_id,
        author_user_id=score.author_user_id,
        environment=score.environment,
        timestamp=timestamp,
        created_at=created,
        updated_at=updated,
    )
    if traces is not None:
        trace = traces.get(score.trace_id) if score.trace_id else None
        view.trace = (
            None
            if trace is None
            else ScoreTraceData(
                user_id=trace.user_id,
                tags=list(trace.tags),
                environment=trace.environment,
                session_id=trace.session_id,
            )
        )
    return view


class ScoreSubject(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """What a v3 score is about: ``kind`` is trace, observation, session or experiment."""

    kind: str
    id: str
    trace_id: str | None = None


class ScoreV3View(msgspec.Struct, kw_only=True, rename="camel"):
    """A ``/v3/scores`` item: ``value`` typed by ``dataType``; groups are omitted unless asked."""

    data_type: str
    value: float | bool | str
    id: str
    project_id: str
    name: str
    source: str
    timestamp: datetime
    environment: str
    created_at: datetime
    updated_at: datetime
    comment: str | msgspec.UnsetType | None = msgspec.UNSET
    config_id: str | msgspec.UnsetType | None = msgspec.UNSET
    metadata: Any = msgspec.UNSET
    author_user_id: str | msgspec.UnsetType | None = msgspec.UNSET
    queue_id: str | msgspec.UnsetType | None = msgspec.UNSET
    subject: ScoreSubject | msgspec.UnsetType | None = msgspec.UNSET


def _typed_value(score: Score) -> float | bool | str:
    if score.data_type is ScoreDataType.NUMERIC:
        return score.value
    if score.data_type is ScoreDataType.BOOLEAN:
        return score.value != 0
    return score.string_value if score.string_value is not None else ""


def _subject(score: Score) -> ScoreSubject | None:
    if score.dataset_run_id:
        return ScoreSubject(kind="experiment", id=score.dataset_run_id)
    if score.session_id:
        return ScoreSubject(kind="session", id=score.session_id)
    if score.observation_id:
        return ScoreSubject(kind="observation", id=score.observation_id, trace_id=score.trace_id)
    if score.trace_id:
        return ScoreSubject(kind="trace", id=score.trace_id)
    return None


def score_v3_view(score: Score, groups: Iterable[str]) -> ScoreV3View:
    """A v3 score with the optional ``groups`` (details, subject, annotation)."""
    timestamp, created, updated = _score_times(score)
    view = ScoreV3View(
        data_type=score.data_type.value,
        value=_typed_value(score),
        id=score.id,
        project_id=score.project_id,
        name=score.name,
        source=score.source.value,
        timestamp=timestamp,
        environment=score.environment,
        created_at=created,
        updated_at=updated,
    )
    for group in groups:
        if group == "details":
            view.comment = score.comment
            view.config_id = score.config_id
            view.metadata = decoded_metadata(score.metadata)
        elif group == "annotation":
            view.author_user_id = score.author_user_id
            view.queue_id = score.queue_id
        elif group == "subject":
            view.subject = _subject(score)
    return view
