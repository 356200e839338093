"""Traces, observations and scores: the vocabulary of the cross-feature trace ports.

Features exchange these through ``spyglass_core.ports.traces`` (a reader and a score
writer). The tracing plugin stores them (one row version per write, the newest
``event_ts`` wins) and owns every rule about how they are ingested and merged.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.input_limits import json_too_deep

__all__ = (
    "DEFAULT_ENVIRONMENT",
    "Observation",
    "ObservationLevel",
    "ObservationType",
    "Score",
    "ScoreDataType",
    "ScoreSource",
    "Trace",
    "decode_json_text",
    "decoded_metadata",
)

DEFAULT_ENVIRONMENT = "default"


class ObservationType(enum.Enum):
    """Kinds of observation Langfuse and OpenTelemetry GenAI instrumentation send."""

    SPAN = "SPAN"
    GENERATION = "GENERATION"
    EVENT = "EVENT"
    AGENT = "AGENT"
    TOOL = "TOOL"
    CHAIN = "CHAIN"
    RETRIEVER = "RETRIEVER"
    EVALUATOR = "EVALUATOR"
    EMBEDDING = "EMBEDDING"
    GUARDRAIL = "GUARDRAIL"


class ObservationLevel(enum.Enum):
    """Severity of an observation."""

    DEBUG = "DEBUG"
    DEFAULT = "DEFAULT"
    WARNING = "WARNING"
    ERROR = "ERROR"


class ScoreDataType(enum.Enum):
    """How a score's value is to be read."""

    NUMERIC = "NUMERIC"
    BOOLEAN = "BOOLEAN"
    CATEGORICAL = "CATEGORICAL"
    TEXT = "TEXT"
    CORRECTION = "CORRECTION"


class ScoreSource(enum.Enum):
    """Who produced a score."""

    API = "API"
    EVAL = "EVAL"
    ANNOTATION = "ANNOTATION"


# The rows are built from JSON-like values and never refer back to themselves, so they
# cannot be part of a reference cycle: ``gc=False`` keeps them out of the collector,
# which otherwise scans the hundreds of thousands an ingestion group holds at once.
class Trace(msgspec.Struct, kw_only=True, gc=False):
    """One request through an LLM application; the root that observations hang from."""

    id: str
    project_id: str
    timestamp: datetime
    name: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    release: str | None = None
    version: str | None = None
    environment: str = DEFAULT_ENVIRONMENT
    public: bool = False
    bookmarked: bool = False
    tags: list[str] = []
    metadata: dict[str, str] = {}
    input: str | None = None
    output: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    event_ts: datetime | None = None
    is_deleted: bool = False


class Observation(msgspec.Struct, kw_only=True, gc=False):
    """A span, generation, event, tool call … inside a trace."""

    id: str
    trace_id: str
    project_id: str
    type: ObservationType
    start_time: datetime
    end_time: datetime | None = None
    name: str | None = None
    parent_observation_id: str | None = None
    environment: str = DEFAULT_ENVIRONMENT
    level: ObservationLevel = ObservationLevel.DEFAULT
    status_message: str | None = None
    version: str | None = None
    metadata: dict[str, str] = {}
    input: str | None = None
    output: str | None = None
    provided_model_name: str | None = None
    internal_model_id: str | None = None
    model_parameters: str | None = None
    provided_usage_details: dict[str, int] = {}
    usage_details: dict[str, int] = {}
    provided_cost_details: dict[str, float] = {}
    cost_details: dict[str, float] = {}
    total_cost: float | None = None
    completion_start_time: datetime | None = None
    prompt_id: str | None = None
    prompt_name: str | None = None
    prompt_version: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    event_ts: datetime | None = None
    is_deleted: bool = False


class Score(msgspec.Struct, kw_only=True, gc=False):
    """A judgement about a trace, an observation, a session or a dataset run."""

    id: str
    project_id: str
    timestamp: datetime
    name: str
    value: float
    data_type: ScoreDataType = ScoreDataType.NUMERIC
    source: ScoreSource = ScoreSource.API
    environment: str = DEFAULT_ENVIRONMENT
    trace_id: str | None = None
    observation_id: str | None = None
    session_id: str | None = None
    dataset_run_id: str | None = None
    string_value: str | None = None
    comment: str | None = None
    metadata: dict[str, str] = {}
    author_user_id: str | None = None
    config_id: str | None = None
    queue_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    event_ts: datetime | None = None
    is_deleted: bool = False


# Plain text that cannot start a JSON document is returned as is, without a decode attempt.
_JSON_START = frozenset('{["-0123456789tfn')


def decode_json_text(text: str | None) -> Any:
    """The JSON value stored ``input``/``output``/metadata ``text`` holds, or ``text`` itself.

    Text nested deeper than ``MAX_JSON_DEPTH`` (stored as a string: the API refuses
    such JSON elsewhere) is returned as it is, as decoding it could exhaust the stack.
    """
    if not text or text[0] not in _JSON_START or json_too_deep(text):
        return text
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError:
        return text


def decoded_metadata(metadata: Mapping[str, str]) -> dict[str, Any]:
    """Stored metadata with each value decoded as ``decode_json_text`` does."""
    return {key: decode_json_text(value) for key, value in metadata.items()}
