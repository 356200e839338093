"""The batch ingestion envelope: per-event validation into core ``EntityEvent``s.

Each event of ``POST /ingestion`` is checked on its own, as in Langfuse: a bad event
becomes an entry of the 207 answer's ``errors`` while the rest of the batch is accepted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.input_limits import decode_json
from spyglass_core.domain.tracing import (
    ObservationLevel,
    ObservationType,
)
from spyglass_tracing.domain.ingestion import (
    UNSET,
    EntityEvent,
    ObservationBody,
    ScoreBody,
    TraceBody,
    validate_id,
)
from spyglass_tracing.domain.limits import MAX_PROMPT_VERSION
from spyglass_tracing.domain.merge import score_value_fields
from spyglass_tracing.domain.time import utc

__all__ = (
    "MAX_TRACE_NAME_LENGTH",
    "OBSERVATION_EVENT_TYPES",
    "EventError",
    "InvalidEvent",
    "ValidatedEvents",
    "decode_batch",
    "normalize_score",
    "observation_event",
    "trace_event",
    "validate_batch",
)

_LEVELS = {level.value for level in ObservationLevel}
_SCORE_SUBJECTS = ("trace_id", "session_id", "dataset_run_id")
_TYPES = {kind.value for kind in ObservationType}

OBSERVATION_EVENT_TYPES: dict[str, str | None] = {
    "span-create": "SPAN",
    "span-update": "SPAN",
    "generation-create": "GENERATION",
    "generation-update": "GENERATION",
    "event-create": "EVENT",
    "agent-create": "AGENT",
    "tool-create": "TOOL",
    "chain-create": "CHAIN",
    "retriever-create": "RETRIEVER",
    "evaluator-create": "EVALUATOR",
    "embedding-create": "EMBEDDING",
    "guardrail-create": "GUARDRAIL",
    "observation-create": None,  # the body names its type
    "observation-update": None,
}
"""Observation event types and the observation type each implies."""

MAX_TRACE_NAME_LENGTH = 1000
"""Langfuse's limit on a trace's name (``z.string().max(1000)``)."""


class EventError(msgspec.Struct, kw_only=True):
    """One rejected event, in the shape of the 207 answer's ``errors``."""

    id: str
    status: int
    message: str
    error: str | None = None


class ValidatedEvents(msgspec.Struct, kw_only=True):
    """Accepted events to store, envelope ids to report as successes, and errors."""

    events: list[EntityEvent]
    success_ids: list[str]
    errors: list[EventError]


class _Envelope(msgspec.Struct, kw_only=True):
    id: str
    type: str
    timestamp: datetime
    body: msgspec.Raw
    metadata: Any = None


class _EnvelopeId(msgspec.Struct):
    id: Any = None


class _BatchRequest(msgspec.Struct):
    batch: list[msgspec.Raw]
    metadata: Any = None


def decode_batch(body: bytes) -> list[msgspec.Raw]:
    """The raw events of a request body.

    Raises:
        InvalidInput: the body is not ``{batch: [...]}``, or nests deeper than
            ``MAX_JSON_DEPTH`` (each event is then known to nest no deeper either).
    """
    batch: _BatchRequest = decode_json(body, _BatchRequest)
    return batch.batch


def _best_effort_id(raw: msgspec.Raw) -> str:
    try:
        value = msgspec.json.decode(raw, type=_EnvelopeId).id
    except (msgspec.DecodeError, msgspec.ValidationError):
        return "unknown"
    return value if isinstance(value, str) and value else "unknown"


class InvalidEvent(Exception):
    """An event that breaks a rule; ``status`` is 400, or 401 for a forbidden event type."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def validate_batch(
    raw_events: list[msgspec.Raw], *, scores_only: bool, now: Callable[[], datetime]
) -> ValidatedEvents:
    """Validate every event; an event never makes another one fail.

    Args:
        raw_events: the undecoded entries of ``batch``.
        scores_only: the caller used a Bearer public key: only ``score-create`` is allowed.
        now: the clock, for ids the SDK left to the server.
    """
    result = ValidatedEvents(events=[], success_ids=[], errors=[])
    for raw in raw_events:
        try:
            envelope = msgspec.json.decode(raw, type=_Envelope)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            result.errors.append(
                EventError(
                    id=_best_effort_id(raw),
                    status=400,
                    message="Invalid request data",
                    error=str(error),
                )
            )
            continue
        try:
            event = _event_of(envelope, scores_only=scores_only)
        except InvalidEvent as invalid:
            message = "Authentication error" if invalid.status == 401 else "Invalid request data"
            result.errors.append(
                EventError(
                    id=envelope.id, status=invalid.status, message=message, error=invalid.message
                )
            )
            continue
        result.success_ids.append(envelope.id)
        if event is not None:
            result.events.append(event)
    return result


def _event_of(envelope: _Envelope, *, scores_only: bool) -> EntityEvent | None:
    if problem := validate_id(envelope.id, "event id"):
        raise InvalidEvent(problem)
    kind = envelope.type
    if scores_only and kind != "score-create":
        raise InvalidEvent("Bearer (scores-only) access may only send score-create events", 401)
    timestamp = utc(envelope.timestamp)
    if kind == "sdk-log":
        return None  # logged by the SDK's own side; nothing to store
    if kind == "trace-create":
        return trace_event(envelope.id, timestamp, _decode(envelope.body, TraceBody))
    if kind in OBSERVATION_EVENT_TYPES:
        observation = _decode(envelope.body, ObservationBody)
        return observation_event(envelope.id, kind, timestamp, observation)
    if kind == "score-create":
        score = normalize_score(_decode(envelope.body, ScoreBody), allow_eval=True)
        return EntityEvent(id=envelope.id, type=kind, timestamp=timestamp, score=score)
    raise InvalidEvent(f"Unknown event type '{kind}'")


def trace_event(event_id: str, timestamp: datetime, body: TraceBody) -> EntityEvent:
    """A ``trace-create`` event with a checked (or new) id and UTC timestamps.

    Raises:
        InvalidEvent: a bad id, or a name longer than ``MAX_TRACE_NAME_LENGTH``.
    """
    body.id = _entity_id(body.id, create=True)
    if isinstance(body.name, str) and len(body.name) > MAX_TRACE_NAME_LENGTH:
        raise InvalidEvent(f"name must be at most {MAX_TRACE_NAME_LENGTH} characters")
    if isinstance(body.timestamp, datetime):
        body.timestamp = utc(body.timestamp)
    return EntityEvent(id=event_id, type="trace-create", timestamp=utc(timestamp), trace=body)


def observation_event(
    event_id: str, kind: str, timestamp: datetime, body: ObservationBody
) -> EntityEvent:
    """An observation event after the checks that do not depend on stored data.

    Raises:
        InvalidEvent: a bad id, type, level or prompt link.
    """
    create = kind.endswith("-create")
    body.id = _entity_id(body.id, create=create)
    implied = OBSERVATION_EVENT_TYPES[kind]
    if implied is not None:
        body.type = implied
    elif isinstance(body.type, str) and body.type.upper() in _TYPES:
        body.type = body.type.upper()
    elif create:
        raise InvalidEvent(f"observation type must be one of {sorted(_TYPES)}")
    else:
        body.type = UNSET
    for field in ("trace_id", "parent_observation_id"):
        value = getattr(body, field)
        if isinstance(value, str) and (problem := validate_id(value, field)):
            raise InvalidEvent(problem)
    if isinstance(body.level, str) and body.level.upper() not in _LEVELS:
        raise InvalidEvent(f"level must be one of {sorted(_LEVELS)}")
    if (body.prompt_name is UNSET) != (body.prompt_version is UNSET):
        raise InvalidEvent("promptName and promptVersion go together")
    if isinstance(body.prompt_version, int) and not 0 <= body.prompt_version <= MAX_PROMPT_VERSION:
        raise InvalidEvent(f"promptVersion must be between 0 and {MAX_PROMPT_VERSION}")
    for field in ("start_time", "end_time", "completion_start_time"):
        value = getattr(body, field)
        if isinstance(value, datetime):
            setattr(body, field, utc(value))
    return EntityEvent(id=event_id, type=kind, timestamp=utc(timestamp), observation=body)


def normalize_score(body: ScoreBody, *, allow_eval: bool) -> ScoreBody:
    """Check a score body and give it an id, an inferred ``dataType`` and a UTC timestamp.

    Raises:
        InvalidEvent: a bad id, value, data type or source, or no subject (none of
            ``traceId``, ``sessionId`` and ``datasetRunId``).
    """
    body.id = _entity_id(body.id, create=True)
    for field in ("trace_id", "observation_id", "session_id", "dataset_run_id"):
        value = getattr(body, field)
        if isinstance(value, str) and (problem := validate_id(value, field)):
            raise InvalidEvent(problem)
    if not body.name:
        raise InvalidEvent("name must not be empty")
    data_type = body.data_type if isinstance(body.data_type, str) else None
    try:
        kind, _, _ = score_value_fields(body.value, data_type)
    except ValueError as error:
        raise InvalidEvent(str(error)) from None
    body.data_type = kind.value
    if isinstance(body.source, str):
        source = body.source.upper()
        if source not in ("API", "ANNOTATION", "EVAL") or (source == "EVAL" and not allow_eval):
            raise InvalidEvent(f"source '{body.source}' is not allowed here")
        body.source = source
        if source == "ANNOTATION" and kind.value != "CORRECTION" and not body.config_id:
            raise InvalidEvent("ANNOTATION scores need a configId")
    if not any(isinstance(getattr(body, field), str) for field in _SCORE_SUBJECTS):
        raise InvalidEvent(
            "A score needs one of traceId (with optional observationId), sessionId or datasetRunId"
        )
    if isinstance(body.timestamp, datetime):
        body.timestamp = utc(body.timestamp)
    return body


def _entity_id(value: Any, *, create: bool) -> str:
    if value is UNSET or value is None:
        if not create:
            raise InvalidEvent("updates need the id of what they update")
        return str(uuid.uuid4())
    if problem := validate_id(value):
        raise InvalidEvent(problem)
    return str(value)


def _decode(raw: msgspec.Raw, kind: type[Any]) -> Any:
    try:
        return msgspec.json.decode(raw, type=kind)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise InvalidEvent(str(error)) from None
