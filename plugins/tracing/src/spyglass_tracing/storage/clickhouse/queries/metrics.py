"""ClickHouse SQL of the aggregates: per-trace metrics and ``GET /metrics/daily``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from spyglass_tracing.domain.queries import MetricsQuery
from spyglass_tracing.storage.clickhouse.moved_rows import recorded_days_sql
from spyglass_tracing.storage.clickhouse.queries.select import (
    Params,
    Where,
    select_latest,
    time_range,
)
from spyglass_tracing.storage.clickhouse.traces_by_user import of_user

__all__ = ("daily_sql", "trace_metrics_sql", "within_ranges")

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
                        "tags", "model_usage", "event_ts", "is_deleted")  # fmt: skip
_DAY = "toString(toDate(`timestamp`, 'UTC'))"


def _daily_where(query: MetricsQuery, params: Params) -> Where:
    where = Where()
    time_range(where, params, "`timestamp`", query.from_timestamp, query.to_timestamp)
    if query.trace_name is not None:
        where.outer.append(f"name = {params.bind(query.trace_name, 'String')}")
    if query.environments:
        where.outer.append(f"environment IN {params.strings(query.environments)}")
    if query.tags:
        where.outer.append(f"hasAll(tags, {params.strings(query.tags)})")
    return where


def daily_sql(
    traces: str,
    query: MetricsQuery,
    params: Params,
    *,
    ranges: Sequence[tuple[datetime, datetime]] = (),
    moved_rows: str | None = None,
) -> str:
    """Every day of the matching traces, per model of their summaries (``summaries.py``).

    ``ranges`` (``[start, end)`` pairs), when given, keep only traces in one of them: the
    days the rollup computes again (``daily_rollup``). With ``moved_rows`` (the qualified
    table, ``moved_rows.py``) the versions are read on the ranges' days and the days it
    holds for the candidates, through the key, rather than by probing every granule's
    id index for the candidates (at a million traces, 67 ms for the newest day).

    Rows ``(day, bare, model, traces, observations, input, output, total, cost,
    first_rows)``: a trace without observations is one ``bare`` row (``LEFT ARRAY JOIN``
    of an empty array, ``i = 0``); otherwise a trace is one row per model, and
    ``first_rows`` counts each trace once (its first model, ``i = 1``). One
    deduplication of the window's traces, no observation read.
    """
    where = _daily_where(query, params)
    if query.user_id is not None:  # one user's traces, side by side
        traces = of_user(traces, where, params, query.user_id)
    if ranges:
        within_ranges(traces, where, params, ranges, moved_rows)
    source = select_latest(
        traces,
        _DAILY_TRACE_COLUMNS,
        where,
        select=f"{_DAY} AS day, model_usage",
    )
    return (
        "SELECT day, i = 0 AS bare, u.1 AS model, count(), sum(u.2), sum(u.3), sum(u.4), "
        f"sum(u.5), sum(u.6), countIf(i = 1) FROM ({source}) "
        "LEFT ARRAY JOIN model_usage AS u, arrayEnumerate(model_usage) AS i "
        "GROUP BY day, bare, model"
    )


def within_ranges(
    traces: str,
    where: Where,
    params: Params,
    ranges: Sequence[tuple[datetime, datetime]],
    moved_rows: str | None,
) -> None:
    """Keep only traces whose newest version's ``timestamp`` is in one of ``ranges``
    (``[start, end)`` pairs). With ``moved_rows`` (the qualified table) the versions are
    read on the ranges' days and the days it holds for the candidates, through the key."""
    within = " OR ".join(
        f"(`timestamp` >= {params.time(low)} AND `timestamp` < {params.time(high)})"
        for low, high in ranges
    )
    where.narrowing(f"({within})")
    if moved_rows is not None:
        where.direct.append(_versions_in_ranges(traces, moved_rows, where, params, ranges))


def _versions_in_ranges(
    traces: str,
    moved_rows: str,
    where: Where,
    params: Params,
    ranges: Sequence[tuple[datetime, datetime]],
) -> str:
    """Versions on the key's days of ``ranges`` (a superset: the end's day is included),
    or on a day ``moved_rows`` holds for a trace that may match: every version of every
    candidate (a trace whose versions sit on several days has them all recorded)."""
    days = " OR ".join(
        f"(toDate(`timestamp`) >= toDate({params.time(low)}) "
        f"AND toDate(`timestamp`) <= toDate({params.time(high)}))"
        for low, high in ranges
    )
    candidates = (
        f"SELECT id FROM {traces} WHERE project_id = {{project_id:String}} "
        f"AND {' AND '.join(where.candidates)}"
    )
    moved = recorded_days_sql("traces", moved_rows, params, f"({candidates})")
    return f"({days} OR toDate(`timestamp`) IN ({moved}))"
