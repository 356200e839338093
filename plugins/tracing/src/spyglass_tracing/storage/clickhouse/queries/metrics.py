"""ClickHouse SQL of the aggregates: per-trace metrics and ``GET /metrics/daily``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from spyglass_tracing.domain.queries import MetricsQuery
from spyglass_tracing.storage.clickhouse.queries.select import (
    Params,
    Where,
    limit_sql,
    select_latest,
    time_range,
)

__all__ = ("daily_days_sql", "daily_total_sql", "daily_usage_sql", "trace_metrics_sql")

# --- per-trace aggregates -----------------------------------------------------------------

_OBSERVATION_AGGREGATE_COLUMNS = ("id", "project_id", "trace_id", "start_time", "end_time",
                                  "total_cost", "event_ts", "is_deleted")  # fmt: skip


def trace_metrics_sql(observations: str, params: Params, trace_ids: Sequence[str]) -> str:
    """Per trace: first start, last end (or start), summed cost, ids by (start_time, id)."""
    where = Where()
    where.of_traces(params.strings(trace_ids))
    source = select_latest(observations, _OBSERVATION_AGGREGATE_COLUMNS, where)
    return (
        "SELECT trace_id, min(start_time), max(coalesce(end_time, start_time)), "
        "sum(total_cost), arrayMap(x -> x.2, arraySort(groupArray((start_time, id)))) "
        f"FROM ({source}) GROUP BY trace_id"
    )


# --- daily metrics ------------------------------------------------------------------------

_DAILY_TRACE_COLUMNS = ("id", "project_id", "timestamp", "name", "user_id", "environment",
                        "tags", "event_ts", "is_deleted")  # fmt: skip
_DAILY_OBSERVATION_COLUMNS = ("id", "project_id", "trace_id", "provided_model_name",
                              "usage_details", "total_cost", "event_ts", "is_deleted")  # fmt: skip
_DAY = "toString(toDate(`timestamp`, 'UTC'))"


def _daily_where(query: MetricsQuery, params: Params) -> Where:
    where = Where()
    time_range(where, params, "`timestamp`", query.from_timestamp, query.to_timestamp)
    if query.user_id is not None:
        where.narrowing(f"user_id = {params.bind(query.user_id, 'String')}")
    if query.trace_name is not None:
        where.outer.append(f"name = {params.bind(query.trace_name, 'String')}")
    if query.environments:
        where.outer.append(f"environment IN {params.strings(query.environments)}")
    if query.tags:
        where.outer.append(f"hasAll(tags, {params.strings(query.tags)})")
    return where


def _daily_traces(traces: str, where: Where) -> str:
    return select_latest(traces, _DAILY_TRACE_COLUMNS, where, select=f"id, {_DAY} AS day")


def daily_days_sql(traces: str, query: MetricsQuery, params: Params) -> str:
    """One page of days (``YYYY-MM-DD``, newest first) with their trace counts."""
    source = _daily_traces(traces, _daily_where(query, params))
    return (
        f"SELECT day, count() FROM ({source}) GROUP BY day "
        f"ORDER BY day DESC {limit_sql(params, query.limit, query.offset)}"
    )


def daily_total_sql(traces: str, query: MetricsQuery, params: Params) -> str:
    """How many days have matching traces."""
    source = _daily_traces(traces, _daily_where(query, params))
    return f"SELECT uniqExact(day) FROM ({source})"


def daily_usage_sql(
    traces: str,
    observations: str,
    query: MetricsQuery,
    params: Params,
    days: Sequence[str],
) -> str:
    """Per (day, model) of the traces of ``days``: usage sums, counts, cost."""
    where = _daily_where(query, params)
    # The page's days bound the traces' time range: a cheap narrowing of both scans.
    first = datetime.fromisoformat(min(days)).replace(tzinfo=UTC)
    last = datetime.fromisoformat(max(days)).replace(tzinfo=UTC) + timedelta(days=1)
    where.narrowing(f"`timestamp` >= {params.time(first)}")
    where.narrowing(f"`timestamp` < {params.time(last)}")
    where.outer.append(f"{_DAY} IN {params.strings(days)}")
    day_traces = _daily_traces(traces, where)
    # Every version of an observation names the same trace (the store's contract), so
    # the trace condition filters versions directly: no candidate pass over the project.
    on_traces = Where(direct=[f"trace_id IN (SELECT id FROM ({day_traces}))"])
    day_observations = select_latest(observations, _DAILY_OBSERVATION_COLUMNS, on_traces)
    return (
        "SELECT t.day, o.provided_model_name, "
        "sum(o.usage_details['input']), sum(o.usage_details['output']), "
        "sum(o.usage_details['total']), count(), uniqExact(o.trace_id), sum(o.total_cost) "
        f"FROM ({day_observations}) AS o INNER JOIN ({day_traces}) AS t ON o.trace_id = t.id "
        "GROUP BY t.day, o.provided_model_name"
    )
