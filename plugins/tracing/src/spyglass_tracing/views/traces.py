"""Wire shapes of traces: ``GET /traces`` items, ``GET /traces/{id}`` and the plain
``Trace`` of a session's trace list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.tracing import Trace
from spyglass_tracing.domain.queries import TraceMetrics
from spyglass_tracing.views.observations import ObservationView
from spyglass_tracing.views.scores import ScoreView
from spyglass_tracing.views.wire import decode_json_text, decoded_metadata, row_times

__all__ = (
    "TraceView",
    "TraceWithDetails",
    "TraceWithFullDetails",
    "trace_view",
    "trace_with_details",
    "trace_with_full_details",
)


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
    timestamp, created, updated = row_times(trace.timestamp, trace.created_at, trace.updated_at)
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
        "metadata": decoded_metadata(trace.metadata) if io else None,
        "tags": list(trace.tags),
        "public": trace.public,
        "bookmarked": trace.bookmarked,
        "environment": trace.environment,
        "created_at": created,
        "updated_at": updated,
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
