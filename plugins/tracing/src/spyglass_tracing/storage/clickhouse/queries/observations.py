"""ClickHouse SQL of the observation lists (``GET /observations``, ``/v2/observations``)."""

from __future__ import annotations

from spyglass_tracing.domain.filter_columns import OBSERVATION_FILTERS
from spyglass_tracing.domain.queries import ObservationQuery
from spyglass_tracing.storage.clickhouse.queries.filters import filters_sql
from spyglass_tracing.storage.clickhouse.queries.select import (
    Params,
    Where,
    keyset,
    live_trace_ids,
    time_range,
)
from spyglass_tracing.storage.clickhouse.traces_by_user import of_user

__all__ = ("observation_where",)


def observation_where(query: ObservationQuery, params: Params, traces: str) -> Where:
    """The conditions of ``GET /observations`` and ``/v2/observations``."""
    where = Where()
    if query.trace_id is not None:
        where.of_traces(f"({params.bind(query.trace_id, 'String')})")
    time_range(where, params, "start_time", query.from_start_time, query.to_start_time)
    if query.after is not None:
        keyset(where, params, "start_time", query.after)
    for column, value in (
        ("name", query.name),
        ("type", query.type),
        ("level", query.level),
        ("parent_observation_id", query.parent_observation_id),
        ("version", query.version),
    ):
        if value is not None:
            where.outer.append(f"{column} = {params.bind(value, 'String')}")
    if query.environments:
        where.outer.append(f"environment IN {params.strings(query.environments)}")
    if query.is_root is not None:
        null = "IS NULL" if query.is_root else "IS NOT NULL"
        where.outer.append(f"parent_observation_id {null}")
    # A user's or a session's traces are few: their ids narrow the deduplication too.
    on_trace, of_traces = Where(), traces
    if query.user_id is not None:
        of_traces = of_user(traces, on_trace, params, query.user_id)
    if query.session_id is not None:
        on_trace.narrowing(f"session_id = {params.bind(query.session_id, 'String')}")
    if on_trace.outer or on_trace.direct:
        where.of_traces(live_trace_ids(of_traces, on_trace))
    where.outer.extend(filters_sql(query.filters, OBSERVATION_FILTERS, params, traces))
    return where
