"""Wire shapes of the web UI's detail pages (``/api/internal/projects/{id}/…``): a trace with
its scores, its observation tree, one observation, sessions and their turns.

JSON payloads (input, output, metadata values, model parameters) are decoded as the public
API decodes them (``decode_json_text``); datetimes are UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.tracing import Observation, Score, ScoreDataType, Trace
from spyglass_tracing.domain.queries import TraceMetrics
from spyglass_tracing.domain.time import utc, utc_or_none
from spyglass_tracing.domain.ui_detail import LightObservation, SessionSummary, total_tokens
from spyglass_tracing.views.wire import decode_json_text, decoded_metadata

__all__ = (
    "ObservationDetail",
    "ObservationNode",
    "ObservationNodePage",
    "ScoreRow",
    "SessionDetail",
    "SessionRow",
    "SessionRowPage",
    "SessionTurn",
    "TraceDetail",
    "observation_detail",
    "observation_node",
    "score_row",
    "session_row",
    "session_turn",
    "trace_detail",
)

# Their value is the string value; the stored number is a placeholder.
_STRING_VALUED = frozenset(
    {ScoreDataType.CATEGORICAL, ScoreDataType.TEXT, ScoreDataType.CORRECTION}
)


class ScoreRow(msgspec.Struct, kw_only=True, rename="camel"):
    """A score as the detail pages list it: ``value`` is null for string-valued types
    (CATEGORICAL, TEXT, CORRECTION), whose value is ``stringValue``. ``metadata`` is
    decoded; other features' UI links read it (an evaluation's judge trace)."""

    id: str
    name: str
    value: float | None
    string_value: str | None
    data_type: str
    source: str
    comment: str | None
    observation_id: str | None
    config_id: str | None
    author_user_id: str | None
    timestamp: datetime
    metadata: dict[str, Any] = {}


class TraceDetail(msgspec.Struct, kw_only=True, rename="camel"):
    """A trace with its payloads, aggregates and every score of it and its observations.

    ``latency`` (seconds, first observation start to last end) and ``totalCost`` are null
    when the trace has no observation.
    """

    id: str
    timestamp: datetime
    name: str | None
    user_id: str | None
    session_id: str | None
    tags: list[str]
    environment: str
    release: str | None
    version: str | None
    public: bool
    input: Any
    output: Any
    metadata: Any
    latency: float | None
    total_cost: float | None
    observation_count: int
    scores: list[ScoreRow]


class ObservationNode(msgspec.Struct, kw_only=True, rename="camel"):
    """One node of a trace's observation tree, without payloads; ``statusMessage`` holds
    at most its first 200 characters."""

    id: str
    parent_observation_id: str | None
    type: str
    name: str | None
    start_time: datetime
    end_time: datetime | None
    completion_start_time: datetime | None
    level: str
    model: str | None
    total_cost: float | None
    input_tokens: int
    output_tokens: int
    total_tokens: int
    status_message: str | None


class ObservationNodePage(msgspec.Struct, kw_only=True, rename="camel"):
    """A keyset page of observation nodes, by start time then id."""

    items: list[ObservationNode]
    next_cursor: str | None


class ObservationDetail(msgspec.Struct, kw_only=True, rename="camel"):
    """One observation with its payloads; ``latency`` and ``timeToFirstToken`` are in
    seconds, null without an end time (resp. a completion start time)."""

    id: str
    trace_id: str
    parent_observation_id: str | None
    type: str
    name: str | None
    start_time: datetime
    end_time: datetime | None
    completion_start_time: datetime | None
    latency: float | None
    time_to_first_token: float | None
    level: str
    status_message: str | None
    version: str | None
    environment: str
    model: str | None
    model_parameters: Any
    input: Any
    output: Any
    metadata: Any
    usage_details: dict[str, int]
    cost_details: dict[str, float]
    total_cost: float | None
    prompt_id: str | None
    prompt_name: str | None
    prompt_version: int | None


class SessionRow(msgspec.Struct, kw_only=True, rename="camel"):
    """A session with its aggregates (see ``domain.ui_detail.SessionSummary``)."""

    id: str
    created_at: datetime
    last_trace_at: datetime
    trace_count: int
    user_ids: list[str]
    total_cost: float
    total_tokens: int
    duration_seconds: float
    environment: str


class SessionRowPage(msgspec.Struct, kw_only=True, rename="camel"):
    """A keyset page of sessions, newest last trace first."""

    items: list[SessionRow]
    next_cursor: str | None


class SessionTurn(msgspec.Struct, kw_only=True, rename="camel"):
    """One trace of a session, replayed as a conversation turn; ``latency`` and
    ``totalCost`` as in ``TraceDetail``."""

    id: str
    timestamp: datetime
    name: str | None
    user_id: str | None
    input: Any
    output: Any
    latency: float | None
    total_cost: float | None
    scores: list[ScoreRow]


class SessionDetail(msgspec.Struct, kw_only=True, rename="camel"):
    """A session and one keyset page of its turns, oldest first."""

    session: SessionRow
    traces: list[SessionTurn]
    next_cursor: str | None


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (utc(end) - utc(start)).total_seconds()


def score_row(score: Score) -> ScoreRow:
    """A score of a detail page."""
    return ScoreRow(
        id=score.id,
        name=score.name,
        value=None if score.data_type in _STRING_VALUED else score.value,
        string_value=score.string_value,
        data_type=score.data_type.value,
        source=score.source.value,
        comment=score.comment,
        observation_id=score.observation_id,
        config_id=score.config_id,
        author_user_id=score.author_user_id,
        timestamp=utc(score.timestamp),
        metadata=decoded_metadata(score.metadata),
    )


def _aggregates(metrics: TraceMetrics | None) -> tuple[float | None, float | None, int]:
    """(latency, total cost, observation count); null aggregates without observations."""
    if metrics is None or not metrics.observation_ids:
        return None, None, 0
    return metrics.latency, metrics.total_cost, len(metrics.observation_ids)


def trace_detail(trace: Trace, metrics: TraceMetrics | None, scores: list[Score]) -> TraceDetail:
    """A trace, its aggregates and its scores."""
    latency, total_cost, count = _aggregates(metrics)
    return TraceDetail(
        id=trace.id,
        timestamp=utc(trace.timestamp),
        name=trace.name,
        user_id=trace.user_id,
        session_id=trace.session_id,
        tags=list(trace.tags),
        environment=trace.environment,
        release=trace.release,
        version=trace.version,
        public=trace.public,
        input=decode_json_text(trace.input),
        output=decode_json_text(trace.output),
        metadata=decoded_metadata(trace.metadata),
        latency=latency,
        total_cost=total_cost,
        observation_count=count,
        scores=[score_row(score) for score in scores],
    )


def observation_node(obs: LightObservation) -> ObservationNode:
    """A node of the observation tree."""
    return ObservationNode(
        id=obs.id,
        parent_observation_id=obs.parent_observation_id,
        type=obs.type.value,
        name=obs.name,
        start_time=utc(obs.start_time),
        end_time=utc_or_none(obs.end_time),
        completion_start_time=utc_or_none(obs.completion_start_time),
        level=obs.level.value,
        model=obs.model,
        total_cost=obs.total_cost,
        input_tokens=obs.usage_details.get("input", 0),
        output_tokens=obs.usage_details.get("output", 0),
        total_tokens=total_tokens(obs.usage_details),
        status_message=obs.status_message,
    )


def observation_detail(obs: Observation) -> ObservationDetail:
    """One observation with its payloads."""
    return ObservationDetail(
        id=obs.id,
        trace_id=obs.trace_id,
        parent_observation_id=obs.parent_observation_id,
        type=obs.type.value,
        name=obs.name,
        start_time=utc(obs.start_time),
        end_time=utc_or_none(obs.end_time),
        completion_start_time=utc_or_none(obs.completion_start_time),
        latency=_seconds(obs.start_time, obs.end_time),
        time_to_first_token=_seconds(obs.start_time, obs.completion_start_time),
        level=obs.level.value,
        status_message=obs.status_message,
        version=obs.version,
        environment=obs.environment,
        model=obs.provided_model_name,
        model_parameters=decode_json_text(obs.model_parameters),
        input=decode_json_text(obs.input),
        output=decode_json_text(obs.output),
        metadata=decoded_metadata(obs.metadata),
        usage_details=dict(obs.usage_details),
        cost_details=dict(obs.cost_details),
        total_cost=obs.total_cost,
        prompt_id=obs.prompt_id,
        prompt_name=obs.prompt_name,
        prompt_version=obs.prompt_version,
    )


def session_row(session: SessionSummary) -> SessionRow:
    """A session with its aggregates."""
    return SessionRow(
        id=session.id,
        created_at=utc(session.created_at),
        last_trace_at=utc(session.last_trace_at),
        trace_count=session.trace_count,
        user_ids=list(session.user_ids),
        total_cost=session.total_cost,
        total_tokens=session.total_tokens,
        duration_seconds=session.duration_seconds,
        environment=session.environment,
    )


def session_turn(trace: Trace, metrics: TraceMetrics | None, scores: list[Score]) -> SessionTurn:
    """One turn of a session."""
    latency, total_cost, _ = _aggregates(metrics)
    return SessionTurn(
        id=trace.id,
        timestamp=utc(trace.timestamp),
        name=trace.name,
        user_id=trace.user_id,
        input=decode_json_text(trace.input),
        output=decode_json_text(trace.output),
        latency=latency,
        total_cost=total_cost,
        scores=[score_row(score) for score in scores],
    )
