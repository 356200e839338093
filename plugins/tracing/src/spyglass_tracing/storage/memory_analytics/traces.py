"""Trace lists of the in-memory store: ``GET /traces``'s conditions and its order."""

from __future__ import annotations

from collections.abc import Iterable

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import Trace
from spyglass_tracing.domain.filter_columns import TRACE_ORDER_FIELDS
from spyglass_tracing.domain.queries import TraceQuery
from spyglass_tracing.storage.memory_analytics.filters import field_getter, trace_filter
from spyglass_tracing.storage.memory_analytics.rows import in_range

__all__ = ("matching_traces", "sorted_traces")

_TRACE_ORDER = {name: field_getter(field) for name, field in TRACE_ORDER_FIELDS.items()}


def matching_traces(traces: Iterable[Trace], query: TraceQuery) -> list[Trace]:
    """The live ``traces`` that ``query``'s parameters and ``filter`` keep, unordered."""
    matches = trace_filter(query.filters)
    tags = set(query.tags)
    return [
        trace
        for trace in traces
        if (query.user_id is None or trace.user_id == query.user_id)
        and (query.name is None or trace.name == query.name)
        and (query.session_id is None or trace.session_id == query.session_id)
        and (query.version is None or trace.version == query.version)
        and (query.release is None or trace.release == query.release)
        and in_range(trace.timestamp, query.from_timestamp, query.to_timestamp)
        and (not query.environments or trace.environment in query.environments)
        and tags <= set(trace.tags)
        and matches(trace)
    ]


def sorted_traces(traces: list[Trace], query: TraceQuery) -> list[Trace]:
    """Ordered like ClickHouse: by the column then id, one direction, NULLs last."""
    get = _TRACE_ORDER.get(query.order_by)
    if get is None:
        raise InvalidInput("Invalid orderBy", details=f"cannot order traces by '{query.order_by}'")
    valued = [trace for trace in traces if get(trace) is not None]
    null = [trace for trace in traces if get(trace) is None]
    valued.sort(key=lambda trace: (get(trace), trace.id), reverse=query.order_desc)
    null.sort(key=lambda trace: trace.id, reverse=query.order_desc)
    return valued + null
