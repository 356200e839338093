"""Conversions between the tracing Structs and ClickHouse rows.

Rows are plain lists in the order of the ``*_COLUMNS`` constants; the store inserts and
selects exactly those columns, so a row read back can be zipped with its constant.
Datetimes go in as timezone-aware UTC and come back aware UTC (clickhouse-connect
returns naive UTC for ``DateTime64`` without a zone); decimals come back as floats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from spyglass_core.domain.tracing import (
    Observation,
    ObservationLevel,
    ObservationType,
    Score,
    ScoreDataType,
    ScoreSource,
    Trace,
)
from spyglass_tracing.domain.queries import TraceMetrics
from spyglass_tracing.domain.time import utc, utc_or_none

__all__ = (
    "OBSERVATION_COLUMNS",
    "SCORE_COLUMNS",
    "TRACE_COLUMNS",
    "TRACE_METRICS_COLUMNS",
    "observation_from_row",
    "observation_to_row",
    "score_from_row",
    "score_to_row",
    "trace_from_row",
    "trace_metrics_from_row",
    "trace_to_row",
)

TRACE_COLUMNS: tuple[str, ...] = (
    "id", "project_id", "timestamp", "name", "user_id", "session_id", "release", "version",
    "environment", "public", "bookmarked", "tags", "metadata", "input", "output",
    "created_at", "updated_at", "event_ts", "is_deleted",
)  # fmt: skip

OBSERVATION_COLUMNS: tuple[str, ...] = (
    "id", "trace_id", "project_id", "type", "start_time", "end_time", "name",
    "parent_observation_id", "environment", "level", "status_message", "version", "metadata",
    "input", "output", "provided_model_name", "internal_model_id", "model_parameters",
    "provided_usage_details", "usage_details", "provided_cost_details", "cost_details",
    "total_cost", "completion_start_time", "prompt_id", "prompt_name", "prompt_version",
    "created_at", "updated_at", "event_ts", "is_deleted",
)  # fmt: skip

SCORE_COLUMNS: tuple[str, ...] = (
    "id", "project_id", "timestamp", "name", "value", "data_type", "source", "environment",
    "trace_id", "observation_id", "session_id", "dataset_run_id", "string_value", "comment",
    "metadata", "author_user_id", "config_id", "queue_id", "created_at", "updated_at",
    "event_ts", "is_deleted",
)  # fmt: skip


def _decimal(value: float) -> Decimal:
    # Via repr so 0.29 becomes Decimal("0.29"), not the binary float's long expansion.
    return Decimal(repr(float(value)))


def _float_or_none(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def trace_to_row(trace: Trace, *, default_event_ts: datetime) -> list[Any]:
    """A row in ``TRACE_COLUMNS`` order; ``default_event_ts`` fills a missing ``event_ts``."""
    return [
        trace.id, trace.project_id, utc(trace.timestamp), trace.name, trace.user_id,
        trace.session_id, trace.release, trace.version, trace.environment, trace.public,
        trace.bookmarked, list(trace.tags), dict(trace.metadata), trace.input, trace.output,
        utc_or_none(trace.created_at), utc_or_none(trace.updated_at),
        utc(trace.event_ts or default_event_ts), int(trace.is_deleted),
    ]  # fmt: skip


def trace_from_row(row: Sequence[Any]) -> Trace:
    """The Trace of a row selected with ``TRACE_COLUMNS``."""
    r = dict(zip(TRACE_COLUMNS, row, strict=True))
    return Trace(
        id=r["id"],
        project_id=r["project_id"],
        timestamp=utc(r["timestamp"]),
        name=r["name"],
        user_id=r["user_id"],
        session_id=r["session_id"],
        release=r["release"],
        version=r["version"],
        environment=r["environment"],
        public=bool(r["public"]),
        bookmarked=bool(r["bookmarked"]),
        tags=list(r["tags"]),
        metadata=dict(r["metadata"]),
        input=r["input"],
        output=r["output"],
        created_at=utc_or_none(r["created_at"]),
        updated_at=utc_or_none(r["updated_at"]),
        event_ts=utc(r["event_ts"]),
        is_deleted=bool(r["is_deleted"]),
    )


TRACE_METRICS_COLUMNS: tuple[str, ...] = ("first_start", "last_end", "total_cost",
                                          "observation_ids")  # fmt: skip
"""The summary columns of a trace row that ``trace_metrics_from_row`` reads, in order."""


def trace_metrics_from_row(trace_id: str, row: Sequence[Any]) -> TraceMetrics:
    """``TraceMetrics`` from the values of ``TRACE_METRICS_COLUMNS`` (tracing ``0006``)."""
    first, last, cost, ids = row
    return TraceMetrics(
        trace_id=trace_id,
        latency=0.0 if first is None else (utc(last) - utc(first)).total_seconds(),
        total_cost=0.0 if cost is None else float(cost),
        observation_ids=list(ids),
    )


def observation_to_row(obs: Observation, *, default_event_ts: datetime) -> list[Any]:
    """A row in ``OBSERVATION_COLUMNS`` order; ``default_event_ts`` fills a missing ``event_ts``."""
    return [
        obs.id, obs.trace_id, obs.project_id, obs.type.value, utc(obs.start_time),
        utc_or_none(obs.end_time), obs.name, obs.parent_observation_id, obs.environment,
        obs.level.value, obs.status_message, obs.version, dict(obs.metadata), obs.input,
        obs.output, obs.provided_model_name, obs.internal_model_id, obs.model_parameters,
        dict(obs.provided_usage_details), dict(obs.usage_details),
        {key: _decimal(value) for key, value in obs.provided_cost_details.items()},
        {key: _decimal(value) for key, value in obs.cost_details.items()},
        None if obs.total_cost is None else _decimal(obs.total_cost),
        utc_or_none(obs.completion_start_time), obs.prompt_id, obs.prompt_name,
        obs.prompt_version, utc_or_none(obs.created_at), utc_or_none(obs.updated_at),
        utc(obs.event_ts or default_event_ts), int(obs.is_deleted),
    ]  # fmt: skip


def _float_map(values: Mapping[str, Decimal | float]) -> dict[str, float]:
    return {key: float(value) for key, value in values.items()}


def observation_from_row(row: Sequence[Any]) -> Observation:
    """The Observation of a row selected with ``OBSERVATION_COLUMNS``."""
    r = dict(zip(OBSERVATION_COLUMNS, row, strict=True))
    return Observation(
        id=r["id"],
        trace_id=r["trace_id"],
        project_id=r["project_id"],
        type=ObservationType(r["type"]),
        start_time=utc(r["start_time"]),
        end_time=utc_or_none(r["end_time"]),
        name=r["name"],
        parent_observation_id=r["parent_observation_id"],
        environment=r["environment"],
        level=ObservationLevel(r["level"]),
        status_message=r["status_message"],
        version=r["version"],
        metadata=dict(r["metadata"]),
        input=r["input"],
        output=r["output"],
        provided_model_name=r["provided_model_name"],
        internal_model_id=r["internal_model_id"],
        model_parameters=r["model_parameters"],
        provided_usage_details=dict(r["provided_usage_details"]),
        usage_details=dict(r["usage_details"]),
        provided_cost_details=_float_map(r["provided_cost_details"]),
        cost_details=_float_map(r["cost_details"]),
        total_cost=_float_or_none(r["total_cost"]),
        completion_start_time=utc_or_none(r["completion_start_time"]),
        prompt_id=r["prompt_id"],
        prompt_name=r["prompt_name"],
        prompt_version=r["prompt_version"],
        created_at=utc_or_none(r["created_at"]),
        updated_at=utc_or_none(r["updated_at"]),
        event_ts=utc(r["event_ts"]),
        is_deleted=bool(r["is_deleted"]),
    )


def score_to_row(score: Score, *, default_event_ts: datetime) -> list[Any]:
    """A row in ``SCORE_COLUMNS`` order; ``default_event_ts`` fills a missing ``event_ts``."""
    return [
        score.id, score.project_id, utc(score.timestamp), score.name, float(score.value),
        score.data_type.value, score.source.value, score.environment, score.trace_id,
        score.observation_id, score.session_id, score.dataset_run_id, score.string_value,
        score.comment, dict(score.metadata), score.author_user_id, score.config_id,
        score.queue_id, utc_or_none(score.created_at), utc_or_none(score.updated_at),
        utc(score.event_ts or default_event_ts), int(score.is_deleted),
    ]  # fmt: skip


def score_from_row(row: Sequence[Any]) -> Score:
    """The Score of a row selected with ``SCORE_COLUMNS``."""
    r = dict(zip(SCORE_COLUMNS, row, strict=True))
    return Score(
        id=r["id"],
        project_id=r["project_id"],
        timestamp=utc(r["timestamp"]),
        name=r["name"],
        value=float(r["value"]),
        data_type=ScoreDataType(r["data_type"]),
        source=ScoreSource(r["source"]),
        environment=r["environment"],
        trace_id=r["trace_id"],
        observation_id=r["observation_id"],
        session_id=r["session_id"],
        dataset_run_id=r["dataset_run_id"],
        string_value=r["string_value"],
        comment=r["comment"],
        metadata=dict(r["metadata"]),
        author_user_id=r["author_user_id"],
        config_id=r["config_id"],
        queue_id=r["queue_id"],
        created_at=utc_or_none(r["created_at"]),
        updated_at=utc_or_none(r["updated_at"]),
        event_ts=utc(r["event_ts"]),
        is_deleted=bool(r["is_deleted"]),
    )
