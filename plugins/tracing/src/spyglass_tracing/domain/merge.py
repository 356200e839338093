"""Folding ingestion events into stored rows: Langfuse's merge rules, as pure functions.

For one entity, events are applied creates first, then in timestamp order, on top of the
stored row (if any):

- a field the event leaves out (``UNSET``) keeps its value; a later value wins; an
  explicit ``null`` clears it, except input and output, which keep the last non-null
  value;
- ``metadata`` merges key by key (nested objects merge too); ``tags`` become the sorted
  union;
- identity fields never change once set: ids, ``project_id``, an observation's
  ``trace_id`` and ``start_time``, a score's ``trace_id``, and ``environment``. A
  trace's ``timestamp`` is the earliest one seen, so a root span arriving after its
  children still dates the trace.

Cost is not computed here: it needs the model price table (``cost.py``), applied by the
tracing service to the merged observation.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.input_limits import json_too_deep
from spyglass_core.domain.tracing import (
    DEFAULT_ENVIRONMENT,
    Observation,
    ObservationLevel,
    ObservationType,
    Score,
    ScoreDataType,
    ScoreSource,
    Trace,
)
from spyglass_tracing.domain.cost import normalize_cost_details, normalize_usage
from spyglass_tracing.domain.ingestion import (
    UNSET,
    EntityEvent,
    ObservationBody,
    ScoreBody,
    TraceBody,
    sanitize_environment,
)
from spyglass_tracing.domain.limits import MAX_PROMPT_VERSION

__all__ = (
    "apply_observation_events",
    "apply_score_events",
    "apply_trace_events",
    "encode_io",
    "merge_metadata",
    "metadata_map",
    "ordered",
    "score_value_fields",
)

_LEVELS = {level.value for level in ObservationLevel}
_TYPES = {kind.value for kind in ObservationType}


def ordered(events: Iterable[EntityEvent]) -> list[EntityEvent]:
    """Creates first, then by timestamp; the original order breaks ties."""
    return sorted(events, key=lambda event: (not event.is_create, event.timestamp))


def encode_io(value: Any) -> str:
    """Input/output as stored: a string stays as sent, anything else becomes JSON text."""
    if isinstance(value, str):
        return value
    return msgspec.json.encode(value).decode("utf-8")


def metadata_map(value: Any) -> dict[str, str]:
    """Metadata as stored: one string per top-level key (strings raw, others JSON).

    Metadata that is not an object is kept under the key ``metadata``.
    """
    if value is None or value is UNSET:
        return {}
    if isinstance(value, Mapping):
        return {str(key): encode_io(item) for key, item in value.items() if item is not UNSET}
    return {"metadata": encode_io(value)}


def merge_metadata(stored: Mapping[str, str], incoming: Mapping[str, str]) -> dict[str, str]:
    """Key-by-key merge; where both sides hold JSON objects they merge recursively."""
    merged = dict(stored)
    for key, value in incoming.items():
        old = merged.get(key)
        if old is not None and old.startswith("{") and value.startswith("{"):
            old_obj, new_obj = _json_object(old), _json_object(value)
            if old_obj is not None and new_obj is not None:
                merged[key] = json.dumps(_deep_merge(old_obj, new_obj), separators=(",", ":"))
                continue
        merged[key] = value
    return merged


def _json_object(text: str) -> dict[str, Any] | None:
    # Nested too deeply, a value would overflow the stack of the decoder or of
    # ``_deep_merge``; it is then replaced, not merged.
    if json_too_deep(text):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _deep_merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    result = dict(old)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _deep_merge(result[key], value)
        else:
            result[key] = value
    return result


def _set(changes: dict[str, Any], field: str, value: Any) -> None:
    if value is not UNSET:
        changes[field] = value


def _environment(value: Any) -> str:
    if not isinstance(value, str):
        return DEFAULT_ENVIRONMENT
    return sanitize_environment(value) or DEFAULT_ENVIRONMENT


# -- traces ------------------------------------------------------------------------------


def apply_trace_events(
    stored: Trace | None, events: Sequence[EntityEvent], project_id: str, now: datetime
) -> Trace:
    """The trace after ``events`` (all for one trace id) are applied to ``stored``."""
    trace = stored
    for event in ordered(events):
        assert event.trace is not None, "trace events only"
        trace = _apply_trace(trace, event.trace, event.timestamp, project_id, now)
    assert trace is not None, "at least one event"
    return msgspec.structs.replace(trace, updated_at=now, event_ts=None)


def _apply_trace(
    trace: Trace | None, body: TraceBody, at: datetime, project_id: str, now: datetime
) -> Trace:
    timestamp = body.timestamp if isinstance(body.timestamp, datetime) else None
    if trace is None:
        assert isinstance(body.id, str)
        trace = Trace(
            id=body.id,
            project_id=project_id,
            timestamp=timestamp or at,
            environment=_environment(body.environment),
            created_at=now,
        )
    elif timestamp is not None and timestamp < trace.timestamp:
        trace = msgspec.structs.replace(trace, timestamp=timestamp)
    changes: dict[str, Any] = {}
    for field in ("name", "user_id", "session_id", "release", "version"):
        _set(changes, field, getattr(body, field))
    if isinstance(body.public, bool):
        changes["public"] = body.public
    for field in ("input", "output"):
        value = getattr(body, field)
        if value is not UNSET and value is not None:
            changes[field] = encode_io(value)
    if body.metadata is not UNSET and body.metadata is not None:
        changes["metadata"] = merge_metadata(trace.metadata, metadata_map(body.metadata))
    if isinstance(body.tags, list):
        changes["tags"] = sorted(set(trace.tags) | set(body.tags))
    return msgspec.structs.replace(trace, **changes) if changes else trace


# -- observations ------------------------------------------------------------------------


def apply_observation_events(
    stored: Observation | None, events: Sequence[EntityEvent], project_id: str, now: datetime
) -> Observation:
    """The observation after ``events`` (all for one observation id) are applied.

    Usage and costs are normalized on the way (``cost.normalize_usage``), dropping
    values that are not counts or amounts, as Langfuse does.
    """
    observation = stored
    for event in ordered(events):
        assert event.observation is not None, "observation events only"
        observation = _apply_observation(observation, event, event.observation, project_id, now)
    assert observation is not None, "at least one event"
    return msgspec.structs.replace(observation, updated_at=now, event_ts=None)


def _observation_type(body: ObservationBody) -> ObservationType | None:
    value = body.type
    if isinstance(value, str) and value.upper() in _TYPES:
        return ObservationType(value.upper())
    return None


def _apply_observation(
    obs: Observation | None,
    event: EntityEvent,
    body: ObservationBody,
    project_id: str,
    now: datetime,
) -> Observation:
    kind = _observation_type(body)
    if obs is None:
        assert isinstance(body.id, str)
        start = body.start_time if isinstance(body.start_time, datetime) else event.timestamp
        obs = Observation(
            id=body.id,
            # SDKs before v2 sent observations without a trace: they get a trace of their own.
            trace_id=body.trace_id if isinstance(body.trace_id, str) else body.id,
            project_id=project_id,
            type=kind or ObservationType.SPAN,
            start_time=start,
            environment=_environment(body.environment),
            created_at=now,
        )
    changes: dict[str, Any] = {}
    if kind is not None and event.is_create:
        changes["type"] = kind
    for field in (
        "name",
        "end_time",
        "completion_start_time",
        "status_message",
        "parent_observation_id",
        "version",
        "prompt_name",
    ):
        _set(changes, field, getattr(body, field))
    if body.prompt_version is None or (
        isinstance(body.prompt_version, int) and 0 <= body.prompt_version <= MAX_PROMPT_VERSION
    ):
        changes["prompt_version"] = body.prompt_version
    _set(changes, "provided_model_name", body.model)
    if isinstance(body.level, str) and body.level.upper() in _LEVELS:
        changes["level"] = ObservationLevel(body.level.upper())
    if body.model_parameters is not UNSET:
        params = body.model_parameters
        changes["model_parameters"] = None if params is None else encode_io(params)
    for field in ("input", "output"):
        value = getattr(body, field)
        if value is not UNSET and value is not None:
            changes[field] = encode_io(value)
    if body.metadata is not UNSET and body.metadata is not None:
        changes["metadata"] = merge_metadata(obs.metadata, metadata_map(body.metadata))
    if body.usage is not UNSET or body.usage_details is not UNSET:
        usage, usage_costs = normalize_usage(body.usage, body.usage_details)
        if usage:
            changes["provided_usage_details"] = usage
            changes["usage_details"] = usage
        if usage_costs:
            changes["provided_cost_details"] = usage_costs
    if body.cost_details is not UNSET and body.cost_details is not None:
        costs = normalize_cost_details(body.cost_details)
        if costs:
            changes["provided_cost_details"] = costs
    if obs.type is ObservationType.EVENT or changes.get("type") is ObservationType.EVENT:
        # An event is a point in time; its end is its start.
        changes.setdefault("end_time", obs.end_time or obs.start_time)
    return msgspec.structs.replace(obs, **changes) if changes else obs


# -- scores ------------------------------------------------------------------------------


def score_value_fields(
    value: float | str | bool, data_type: str | None
) -> tuple[ScoreDataType, float, str | None]:
    """(data type, numeric value, string value) of a score value, inferring the type.

    Numbers are NUMERIC, strings CATEGORICAL and booleans BOOLEAN unless ``data_type``
    says otherwise; BOOLEAN values are 1/0 with ``"True"``/``"False"`` as string value.

    Raises:
        ValueError: the value does not fit the data type, or the type is unknown.
    """
    if data_type is None:
        if isinstance(value, bool):
            kind = ScoreDataType.BOOLEAN
        elif isinstance(value, str):
            kind = ScoreDataType.CATEGORICAL
        else:
            kind = ScoreDataType.NUMERIC
    else:
        try:
            kind = ScoreDataType(data_type.upper())
        except ValueError:
            raise ValueError(f"unknown dataType '{data_type}'") from None
    if kind is ScoreDataType.NUMERIC:
        if isinstance(value, str | bool):
            raise ValueError("a NUMERIC score needs a number value")
        return kind, float(value), None
    if kind is ScoreDataType.BOOLEAN:
        if isinstance(value, str):
            raise ValueError("a BOOLEAN score needs the value 0 or 1")
        if float(value) not in (0.0, 1.0):
            raise ValueError("a BOOLEAN score needs the value 0 or 1")
        truth = bool(value)
        return kind, 1.0 if truth else 0.0, "True" if truth else "False"
    if not isinstance(value, str):
        raise ValueError(f"a {kind.value} score needs a string value")
    return kind, 0.0, value


def apply_score_events(
    stored: Score | None, events: Sequence[EntityEvent], project_id: str, now: datetime
) -> Score:
    """The score after ``events`` (all for one score id, already validated) are applied.

    A score event carries the whole score, so each one replaces the mutable fields; the
    id, project, timestamp and trace stay those of the first version.
    """
    score = stored
    for event in ordered(events):
        assert event.score is not None, "score events only"
        score = _apply_score(score, event.score, event.timestamp, project_id, now)
    assert score is not None, "at least one event"
    return msgspec.structs.replace(score, updated_at=now, event_ts=None)


def _optional(value: Any) -> Any:
    return None if value is UNSET else value


def _apply_score(
    score: Score | None, body: ScoreBody, at: datetime, project_id: str, now: datetime
) -> Score:
    data_type = body.data_type if isinstance(body.data_type, str) else None
    if data_type is None and score is not None and not isinstance(body.value, str | bool):
        # An update of a BOOLEAN score sends 1.0/0.0 without dataType: keep its type.
        data_type = score.data_type.value
    kind, value, string_value = score_value_fields(body.value, data_type)
    source = body.source.upper() if isinstance(body.source, str) else ScoreSource.API.value
    fields: dict[str, Any] = {
        "name": body.name,
        "value": value,
        "data_type": kind,
        "string_value": string_value,
        "source": ScoreSource(source),
        "observation_id": _optional(body.observation_id),
        "session_id": _optional(body.session_id),
        "dataset_run_id": _optional(body.dataset_run_id),
        "comment": _optional(body.comment),
        "metadata": metadata_map(body.metadata),
        "config_id": _optional(body.config_id),
        "queue_id": _optional(body.queue_id),
        "author_user_id": _optional(body.author_user_id),
    }
    if score is None:
        assert isinstance(body.id, str)
        timestamp = body.timestamp if isinstance(body.timestamp, datetime) else at
        return Score(
            id=body.id,
            project_id=project_id,
            timestamp=timestamp,
            environment=_environment(body.environment),
            trace_id=_optional(body.trace_id),
            created_at=now,
            **fields,
        )
    if score.trace_id is None and isinstance(body.trace_id, str):
        fields["trace_id"] = body.trace_id
    return msgspec.structs.replace(score, **fields)
