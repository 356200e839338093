"""The span to events assembly: ``span_to_events`` and ``spans_to_events``.
A span is normalized, its attributes read once, and the field readers of the sibling
modules fill one ``observation-create`` body and, for a root span or one with
trace-level attributes, one ``trace-create`` body. Should the mapping ever fail, the
span still becomes a bare observation with its identity and times.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.tracing import ObservationLevel, ObservationType
from spyglass_tracing.domain.ingestion import EntityEvent, ObservationBody, TraceBody
from spyglass_tracing.domain.otel.generation import (
    _completion_start_time,
    _cost_details,
    _model,
    _model_parameters,
    _prompt,
    _usage_details,
)
from spyglass_tracing.domain.otel.io import _IO, _input_output, _pair
from spyglass_tracing.domain.otel.metadata import _observation_metadata, _prefixed_metadata
from spyglass_tracing.domain.otel.spans import _STATUS_ERROR, OtelSpan, OtelSpanEvent
from spyglass_tracing.domain.otel.trace import (
    _ENCODED_SESSION_ID_KEYS,
    _ENCODED_USER_ID_KEYS,
    _SESSION_ID_KEYS,
    _USER_ID_KEYS,
    _environment,
    _has_trace_attributes,
    _identity,
    _release,
    _tags,
)
from spyglass_tracing.domain.otel.types import _LEVELS, _NOT_GENERATION_LIKE, _observation_type
from spyglass_tracing.domain.otel.validation import validate_span
from spyglass_tracing.domain.otel.values import _EPOCH, _bool, _first, _nanos_to_datetime, _str


def spans_to_events(spans: Iterable[OtelSpan]) -> tuple[list[EntityEvent], list[str]]:
    """The events of every acceptable span, and one reason per rejected span.

    Each reason is prefixed with the rejected span's id: ``"<span id>: <reason>"``.
    """
    events: list[EntityEvent] = []
    rejected: list[str] = []
    for span in spans:
        reason = validate_span(span)
        if reason is None:
            events.extend(span_to_events(span))
        else:
            rejected.append(f"{span.span_id}: {reason}")
    return events, rejected


def _attributes(span: OtelSpan) -> dict[str, Any]:
    attrs = span.attributes if isinstance(span.attributes, dict) else {}
    return {key: value for key, value in attrs.items() if isinstance(key, str)}


def _normalized(span: OtelSpan) -> OtelSpan:
    """``span`` with lowercase ids, a parent of None for "no parent", plain containers."""
    parent = span.parent_span_id
    if not isinstance(parent, str) or not parent.strip("0"):
        parent = None
    return msgspec.structs.replace(
        span,
        trace_id=str(span.trace_id).lower(),
        span_id=str(span.span_id).lower(),
        parent_span_id=parent.lower() if parent else None,
        name=span.name if isinstance(span.name, str) else (_str(span.name) or ""),
        resource_attributes=span.resource_attributes
        if isinstance(span.resource_attributes, dict)
        else {},
        scope_name=span.scope_name if isinstance(span.scope_name, str) else None,
        scope_version=span.scope_version if isinstance(span.scope_version, str) else None,
        events=span.events if isinstance(span.events, list) else [],
    )


def _times(span: OtelSpan) -> tuple[datetime, datetime]:
    start = _nanos_to_datetime(span.start_time_unix_nano)
    end = _nanos_to_datetime(span.end_time_unix_nano)
    if start is None or span.start_time_unix_nano == 0:
        start = end if end is not None and span.end_time_unix_nano != 0 else (start or _EPOCH)
    if end is None or span.end_time_unix_nano == 0 or end < start:
        end = start
    return start, end


def _level(span: OtelSpan, attrs: Mapping[str, Any]) -> str | None:
    declared = attrs.get("langfuse.observation.level")
    if isinstance(declared, str) and declared.strip().upper() in _LEVELS:
        return declared.strip().upper()
    return ObservationLevel.ERROR.value if span.status_code == _STATUS_ERROR else None


def _status_message(span: OtelSpan, attrs: Mapping[str, Any]) -> str | None:
    declared = _str(_first(attrs, ("langfuse.observation.status_message",)))
    if declared is not None:
        return declared
    if isinstance(span.status_message, str) and span.status_message:
        return span.status_message
    for event in span.events:
        if isinstance(event, OtelSpanEvent) and event.name == "exception":
            attributes = event.attributes if isinstance(event.attributes, dict) else {}
            message = _str(attributes.get("exception.message"))
            if message is not None:
                return message
    return None


def _set(body: msgspec.Struct, field: str, value: Any) -> None:
    """Set ``field`` only when there is something to say: None means "not given" here."""
    if value is not None:
        setattr(body, field, value)


def _observation(span: OtelSpan, attrs: Mapping[str, Any], io: _IO) -> ObservationBody:
    start, end = _times(span)
    kind = _observation_type(span, attrs)
    as_root = _bool(attrs.get("langfuse.internal.as_root")) is True
    body = ObservationBody(
        id=span.span_id,
        trace_id=span.trace_id,
        type=kind,
        name=span.name,
        start_time=start,
        end_time=start if kind == ObservationType.EVENT.value else end,
        parent_observation_id=None if as_root else span.parent_span_id,
    )
    _set(body, "level", _level(span, attrs))
    _set(body, "status_message", _status_message(span, attrs))
    _set(body, "input", io[0])
    _set(body, "output", io[1])
    _set(body, "model", _model(attrs))
    _set(body, "model_parameters", _model_parameters(attrs))
    _set(body, "usage_details", _usage_details(attrs))
    _set(body, "cost_details", _cost_details(attrs))
    _set(body, "completion_start_time", _completion_start_time(attrs, start))
    if kind not in _NOT_GENERATION_LIKE:
        prompt_name, prompt_version = _prompt(attrs)
        _set(body, "prompt_name", prompt_name)
        _set(body, "prompt_version", prompt_version if prompt_name is not None else None)
    version = _first(attrs, ("langfuse.version",))
    if version is None:
        version = _first(span.resource_attributes, ("service.version",))
    _set(body, "version", _str(version))
    _set(body, "environment", _environment(span, attrs))
    _set(body, "metadata", _observation_metadata(span, attrs) or None)
    return body


def _trace(span: OtelSpan, attrs: Mapping[str, Any], io: _IO, is_root: bool) -> TraceBody:
    body = TraceBody(id=span.trace_id)
    if is_root:
        body.timestamp = _times(span)[0]
    name = _str(_first(attrs, ("langfuse.trace.name",)))
    if name is None and is_root:
        name = span.name or None
    _set(body, "name", name)
    _set(
        body,
        "user_id",
        _identity(attrs, _USER_ID_KEYS, (*_ENCODED_USER_ID_KEYS, "ai.telemetry.metadata.userId")),
    )
    _set(
        body,
        "session_id",
        _identity(
            attrs, _SESSION_ID_KEYS, (*_ENCODED_SESSION_ID_KEYS, "ai.telemetry.metadata.sessionId")
        ),
    )
    _set(body, "tags", _tags(attrs))
    _set(body, "public", _bool(_first(attrs, ("langfuse.trace.public", "langfuse.public"))))
    metadata = _prefixed_metadata(attrs, ("langfuse.trace.metadata",), ("langfuse.trace.metadata",))
    _set(body, "metadata", metadata or None)
    _set(body, "release", _release(span, attrs))
    _set(body, "version", _str(_first(attrs, ("langfuse.version",))))
    _set(body, "environment", _environment(span, attrs))
    declared = _pair(attrs, "langfuse.trace.input", "langfuse.trace.output") or (None, None)
    _set(body, "input", declared[0] if declared[0] is not None else io[0] if is_root else None)
    _set(body, "output", declared[1] if declared[1] is not None else io[1] if is_root else None)
    return body


def _event_ids(span: OtelSpan) -> tuple[str, str]:
    prefix = f"otel-{span.trace_id}-{span.span_id}"
    return f"{prefix}-obs", f"{prefix}-trace"


def _map_span(span: OtelSpan) -> list[EntityEvent]:
    span = _normalized(span)
    attrs = _attributes(span)
    io = _input_output(span, attrs)
    observation = _observation(span, attrs, io)
    assert isinstance(observation.start_time, datetime)
    at = observation.start_time
    observation_id, trace_id = _event_ids(span)
    events = [
        EntityEvent(
            id=observation_id, type="observation-create", timestamp=at, observation=observation
        )
    ]
    is_root = span.parent_span_id is None or _bool(attrs.get("langfuse.internal.as_root")) is True
    if is_root or _has_trace_attributes(attrs):
        trace = _trace(span, attrs, io, is_root)
        events.insert(0, EntityEvent(id=trace_id, type="trace-create", timestamp=at, trace=trace))
    return events


def _bare_events(span: OtelSpan) -> list[EntityEvent]:
    """What is left of a span the mapping could not read: its identity and times."""
    try:
        span = _normalized(span)
        start, end = _times(span)
        observation = ObservationBody(
            id=span.span_id,
            trace_id=span.trace_id,
            type=ObservationType.SPAN.value,
            name=span.name,
            start_time=start,
            end_time=end,
            parent_observation_id=span.parent_span_id,
        )
        event_id = _event_ids(span)[0]
        return [
            EntityEvent(
                id=event_id, type="observation-create", timestamp=start, observation=observation
            )
        ]
    except Exception:
        return []


def span_to_events(span: OtelSpan) -> list[EntityEvent]:
    """The ingestion events one span stands for.

    One ``observation-create`` whose body carries every field the span maps to and,
    when the span is a root (no parent, or ``langfuse.internal.as_root``) or carries
    trace-level attributes, one ``trace-create`` (listed first). Event ids are
    ``otel-<trace id>-<span id>-obs`` and ``-trace``; both events are stamped with the
    span's start. Never raises: call ``validate_span`` first to drop unusable spans.
    """
    try:
        return _map_span(span)
    except Exception:
        # The mapping is meant to be total; should an odd value still slip through, the
        # span is kept with what is certain rather than failing its whole batch.
        return _bare_events(span)
