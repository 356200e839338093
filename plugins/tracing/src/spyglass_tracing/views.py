"""Wire shapes of the read API: domain rows turned into Langfuse's JSON (camelCase).

Stored values are text: ``input``/``output`` hold the raw string the SDK sent or JSON
text, and each metadata value likewise. The v1 shapes decode what parses as JSON and
keep the rest as strings (as Langfuse does); ``/v2/observations`` returns the stored text.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import Observation, Score, ScoreDataType, Trace
from spyglass_tracing.domain.queries import Session, TraceMetrics
from spyglass_tracing.domain.time import utc, utc_or_none

__all__ = (
    "OBSERVATION_V2_GROUPS",
    "ObservationView",
    "PageMeta",
    "ScoreSubject",
    "ScoreTraceData",
    "ScoreV3View",
    "ScoreView",
    "SessionView",
    "SessionWithTraces",
    "TraceView",
    "TraceWithDetails",
    "TraceWithFullDetails",
    "decode_cursor",
    "decode_json_text",
    "encode_cursor",
    "observation_v2",
    "observation_view",
    "page_meta",
    "score_v3_view",
    "score_view",
    "session_view",
    "trace_view",
    "trace_with_details",
    "trace_with_full_details",
)

METADATA_PREVIEW_CHARS = 200
"""``/v2/observations`` cuts metadata values to this length unless ``expandMetadata``."""

OBSERVATION_V2_GROUPS = frozenset(
    {"core", "basic", "time", "io", "metadata", "model", "usage", "prompt", "metrics",
     "trace_context"}
)  # fmt: skip
"""Field groups of ``/v2/observations``."""

# Plain text that cannot start a JSON document is returned as is, without a decode attempt.
_JSON_START = frozenset('{["-0123456789tfn')


def decode_json_text(text: str | None) -> Any:
    """The JSON value ``text`` holds, or ``text`` itself when it is no JSON."""
    if not text or text[0] not in _JSON_START:
        return text
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError:
        return text


def _decoded_metadata(metadata: Mapping[str, str]) -> dict[str, Any]:
    return {key: decode_json_text(value) for key, value in metadata.items()}


class PageMeta(msgspec.Struct, kw_only=True, rename="camel"):
    """Offset pagination: ``totalPages = ceil(totalItems / limit)``."""

    page: int
    limit: int
    total_items: int
    total_pages: int


def page_meta(page: int, limit: int, total: int | None) -> PageMeta:
    """The ``meta`` of an offset page."""
    items = total or 0
    return PageMeta(page=page, limit=limit, total_items=items, total_pages=math.ceil(items / limit))


# --- cursors ------------------------------------------------------------------------------


def encode_cursor(time: datetime, row_id: str) -> str:
    """An opaque cursor for keyset pages: base64url of the last row's (time, id)."""
    raw = msgspec.json.encode((utc(time), row_id))
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (time, id) a cursor names. Raises: InvalidInput when it is malformed."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        time, row_id = msgspec.json.decode(raw, type=tuple[datetime, str])
    except (ValueError, binascii.Error, msgspec.DecodeError):
        raise InvalidInput("Invalid cursor", details="cursor is malformed") from None
    return utc(time), row_id


# --- traces -------------------------------------------------------------------------------


class TraceView(msgspec.Struct, kw_only=True, rename="camel"):
    """Langfuse's ``Trace`` (as in a session's trace list)."""

    id: str
    project_id: str
    timestamp: datetime
    name: str | None
    input: Any
    output: Any
    session_id: str | None
    release: str | None
    version: str | None
    user_id: str | None
    metadata: Any
    tags: list[str]
    public: bool
    bookmarked: bool
    environment: str
    created_at: datetime
    updated_at: datetime
    external_id: None = None


class _TraceDetails(TraceView, kw_only=True, rename="camel"):
    html_path: str
    latency: float
    total_cost: float


class TraceWithDetails(_TraceDetails, kw_only=True, rename="camel"):
    """``GET /traces`` items: observation and score ids."""

    observations: list[str]
    scores: list[str]


class TraceWithFullDetails(_TraceDetails, kw_only=True, rename="camel"):
    """``GET /traces/{id}``: the observations and scores themselves."""

    observations: list[ObservationView]
    scores: list[ScoreView]


def _trace_fields(trace: Trace, *, io: bool = True) -> dict[str, Any]:
    timestamp = utc(trace.timestamp)
    created = utc_or_none(trace.created_at) or timestamp
    return {
        "id": trace.id,
        "project_id": trace.project_id,
        "timestamp": timestamp,
        "name": trace.name,
        "input": decode_json_text(trace.input) if io else None,
        "output": decode_json_text(trace.output) if io else None,
        "session_id": trace.session_id,
        "release": trace.release,
        "version": trace.version,
        "user_id": trace.user_id,
        "metadata": _decoded_metadata(trace.metadata) if io else None,
        "tags": list(trace.tags),
        "public": trace.public,
        "bookmarked": trace.bookmarked,
        "environment": trace.environment,
        "created_at": created,
        "updated_at": utc_or_none(trace.updated_at) or created,
    }


def _html_path(trace: Trace) -> str:
    return f"/project/{trace.project_id}/traces/{trace.id}"


def trace_view(trace: Trace) -> TraceView:
    """A trace without aggregates."""
    return TraceView(**_trace_fields(trace))


def trace_with_details(
    trace: Trace,
    metrics: TraceMetrics | None,
    score_ids: list[str] | None,
    *,
    io: bool = True,
    with_metrics: bool = True,
    with_observations: bool = True,
) -> TraceWithDetails:
    """A ``GET /traces`` item; excluded metrics give -1, excluded lists give []."""
    latency = total_cost = -1.0
    if with_metrics:
        latency = metrics.latency if metrics else 0.0
        total_cost = metrics.total_cost if metrics else 0.0
    return TraceWithDetails(
        **_trace_fields(trace, io=io),
        html_path=_html_path(trace),
        latency=latency,
        total_cost=total_cost,
        observations=list(metrics.observation_ids) if metrics and with_observations else [],
        scores=score_ids or [],
    )


def trace_with_full_details(
    trace: Trace,
    observations: list[ObservationView],
    scores: list[ScoreView],
    metrics: tuple[float, float] | None,
    *,
    io: bool = True,
) -> TraceWithFullDetails:
    """``GET /traces/{id}``; ``metrics`` is (latency, total cost), None when excluded."""
    return TraceWithFullDetails(
        **_trace_fields(trace, io=io),
        html_path=_html_path(trace),
        latency=-1.0 if metrics is None else metrics[0],
        total_cost=-1.0 if metrics is None else metrics[1],
        observations=observations,
        scores=scores,
    )


# --- sessions -----------------------------------------------------------------------------


class SessionView(msgspec.Struct, kw_only=True, rename="camel"):
    """``GET /sessions`` items."""

    id: str
    created_at: datetime
    project_id: str
    environment: str


class SessionWithTraces(SessionView, kw_only=True, rename="camel"):
    """``GET /sessions/{id}``."""

    traces: list[TraceView]


def session_view(session: Session) -> SessionView:
    """A session without its traces."""
    return SessionView(
        id=session.id,
        created_at=utc(session.created_at),
        project_id=session.project_id,
        environment=session.environment,
    )


# --- observations -------------------------------------------------------------------------


class Usage(msgspec.Struct, kw_only=True):
    """Langfuse's legacy ``usage`` object, from ``usageDetails``."""

    input: int
    output: int
    total: int
    unit: str | None


class ObservationView(msgspec.Struct, kw_only=True, rename="camel"):
    """Langfuse's ``ObservationsView`` (``GET /observations``, trace details)."""

    id: str
    trace_id: str
    project_id: str
    type: str
    name: str | None
    start_time: datetime
    end_time: datetime | None
    completion_start_time: datetime | None
    model: str | None
    model_parameters: Any
    input: Any
    output: Any
    metadata: Any
    level: str
    status_message: str | None
    parent_observation_id: str | None
    version: str | None
    environment: str
    prompt_id: str | None
    prompt_name: str | None
    prompt_version: int | None
    usage_details: dict[str, int]
    cost_details: dict[str, float]
    provided_usage_details: dict[str, int]
    provided_cost_details: dict[str, float]
    total_cost: float | None
    calculated_input_cost: float | None
    calculated_output_cost: float | None
    calculated_total_cost: float | None
    usage: Usage
    input_usage: int
    output_usage: int
    total_usage: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    unit: str | None
    latency: float | None
    time_to_first_token: float | None
    model_id: str | None
    input_price: float | None = None
    output_price: float | None = None
    total_price: float | None = None
    created_at: datetime
    updated_at: datetime


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (utc(end) - utc(start)).total_seconds()


def _usage_counts(details: Mapping[str, int]) -> tuple[int, int, int]:
    input_units = details.get("input", 0)
    output_units = details.get("output", 0)
    return input_units, output_units, details.get("total", input_units + output_units)


def observation_view(observation: Observation) -> ObservationView:
    """An observation as ``GET /observations`` returns it."""
    o = observation
    start = utc(o.start_time)
    created = utc_or_none(o.created_at) or start
    input_units, output_units, total_units = _usage_counts(o.usage_details)
    unit = "TOKENS"
    return ObservationView(
        id=o.id,
        trace_id=o.trace_id,
        project_id=o.project_id,
        type=o.type.value,
        name=o.name,
        start_time=start,
        end_time=utc_or_none(o.end_time),
        completion_start_time=utc_or_none(o.completion_start_time),
        model=o.provided_model_name,
        model_parameters=decode_json_text(o.model_parameters),
        input=decode_json_text(o.input),
        output=decode_json_text(o.output),
        metadata=_decoded_metadata(o.metadata),
        level=o.level.value,
        status_message=o.status_message,
        parent_observation_id=o.parent_observation_id,
        version=o.version,
        environment=o.environment,
        prompt_id=o.prompt_id,
        prompt_name=o.prompt_name,
        prompt_version=o.prompt_version,
        usage_details=dict(o.usage_details),
        cost_details=dict(o.cost_details),
        provided_usage_details=dict(o.provided_usage_details),
        provided_cost_details=dict(o.provided_cost_details),
        total_cost=o.total_cost,
        calculated_input_cost=o.cost_details.get("input"),
        calculated_output_cost=o.cost_details.get("output"),
        calculated_total_cost=o.cost_details.get("total", o.total_cost),
        usage=Usage(input=input_units, output=output_units, total=total_units, unit=unit),
        input_usage=input_units,
        output_usage=output_units,
        total_usage=total_units,
        prompt_tokens=input_units,
        completion_tokens=output_units,
        total_tokens=total_units,
        unit=unit,
        latency=_seconds(start, o.end_time),
        time_to_first_token=_seconds(start, o.completion_start_time),
        model_id=o.internal_model_id,
        created_at=created,
        updated_at=utc_or_none(o.updated_at) or created,
    )


def observation_v2(
    observation: Observation,
    groups: Collection[str],
    trace: Trace | None,
    expand_metadata: Collection[str] = (),
) -> dict[str, Any]:
    """A ``/v2/observations`` item with the requested field ``groups`` (core always).

    IO and metadata values are the stored text; metadata values are cut to 200
    characters unless their key is in ``expand_metadata``. ``trace`` supplies the
    trace-level fields (user, session, tags …); None when the trace is unknown.
    """
    o = observation
    start = utc(o.start_time)
    item: dict[str, Any] = {
        "id": o.id,
        "traceId": o.trace_id,
        "startTime": start,
        "endTime": utc_or_none(o.end_time),
        "projectId": o.project_id,
        "parentObservationId": o.parent_observation_id,
        "type": o.type.value,
    }
    if "basic" in groups:
        item.update(
            name=o.name,
            level=o.level.value,
            statusMessage=o.status_message,
            version=o.version,
            environment=o.environment,
            bookmarked=trace.bookmarked if trace else False,
            public=trace.public if trace else False,
            userId=trace.user_id if trace else None,
            sessionId=trace.session_id if trace else None,
            isRootObservation=o.parent_observation_id is None,
        )
    if "time" in groups:
        created = utc_or_none(o.created_at) or start
        item.update(
            completionStartTime=utc_or_none(o.completion_start_time),
            createdAt=created,
            updatedAt=utc_or_none(o.updated_at) or created,
        )
    if "io" in groups:
        item.update(input=o.input, output=o.output)
    if "metadata" in groups:
        item["metadata"] = {
            key: value
            if key in expand_metadata or len(value) <= METADATA_PREVIEW_CHARS
            else value[:METADATA_PREVIEW_CHARS]
            for key, value in o.metadata.items()
        }
    if "model" in groups:
        item.update(
            model=o.provided_model_name,
            providedModelName=o.provided_model_name,
            internalModelId=o.internal_model_id,
            modelId=o.internal_model_id,
            modelParameters=decode_json_text(o.model_parameters),
            inputPrice=None,
            outputPrice=None,
            totalPrice=None,
        )
    if "usage" in groups:
        item.update(
            usageDetails=dict(o.usage_details),
            costDetails=dict(o.cost_details),
            totalCost=o.total_cost,
            providedUsageDetails=dict(o.provided_usage_details),
            providedCostDetails=dict(o.provided_cost_details),
            usagePricingTierName=None,
        )
    if "prompt" in groups:
        item.update(promptId=o.prompt_id, promptName=o.prompt_name, promptVersion=o.prompt_version)
    if "metrics" in groups:
        item.update(
            latency=_seconds(start, o.end_time),
            timeToFirstToken=_seconds(start, o.completion_start_time),
        )
    if "trace_context" in groups:
        item.update(
            traceName=trace.name if trace else None,
            userId=trace.user_id if trace else None,
            sessionId=trace.session_id if trace else None,
            tags=list(trace.tags) if trace else [],
            release=trace.release if trace else None,
            traceVersion=trace.version if trace else None,
        )
    return item


# --- scores -------------------------------------------------------------------------------


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
    timestamp = utc(score.timestamp)
    created = utc_or_none(score.created_at) or timestamp
    return timestamp, created, utc_or_none(score.updated_at) or created


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
        metadata=_decoded_metadata(score.metadata),
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
            view.metadata = _decoded_metadata(score.metadata)
        elif group == "annotation":
            view.author_user_id = score.author_user_id
            view.queue_id = score.queue_id
        elif group == "subject":
            view.subject = _subject(score)
    return view
