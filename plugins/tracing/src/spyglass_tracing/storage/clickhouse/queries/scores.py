"""ClickHouse SQL of the score lists (v1, v2, v3): their conditions."""

from __future__ import annotations

from collections.abc import Sequence

from spyglass_tracing.domain.filter_columns import SCORE_FILTERS
from spyglass_tracing.domain.queries import ScoreQuery
from spyglass_tracing.storage.clickhouse.queries.filters import (
    COMPARISONS,
    bad_operator,
    comparison_sql,
    filters_sql,
)
from spyglass_tracing.storage.clickhouse.queries.select import (
    Params,
    Where,
    keyset,
    live_trace_ids,
    time_range,
)
from spyglass_tracing.storage.clickhouse.traces_by_user import of_user

__all__ = ("score_where",)

_SCORE_ANY_OF = (
    ("name", "names"),
    ("source", "sources"),
    ("data_type", "data_types"),
    ("environment", "environments"),
    ("config_id", "config_ids"),
    ("queue_id", "queue_ids"),
    ("author_user_id", "author_user_ids"),
    ("string_value", "string_values"),
    ("observation_id", "observation_ids"),
)


def score_where(query: ScoreQuery, params: Params, traces: str) -> Where:
    """The conditions of the score lists (v1, v2, v3)."""
    where = Where()
    if query.ids:
        where.direct.append(f"id IN {params.strings(query.ids)}")
    if query.trace_id is not None:
        where.of_traces(f"({params.bind(query.trace_id, 'String')})")
    if query.session_id is not None:
        where.narrowing(f"session_id = {params.bind(query.session_id, 'String')}", scattered=True)
    time_range(where, params, "`timestamp`", query.from_timestamp, query.to_timestamp)
    if query.after is not None:
        keyset(where, params, "`timestamp`", query.after)
    for column, attribute in _SCORE_ANY_OF:
        values: Sequence[str] = getattr(query, attribute)
        if values:
            where.outer.append(f"{column} IN {params.strings(values)}")
    if query.dataset_run_id is not None:
        where.outer.append(f"dataset_run_id = {params.bind(query.dataset_run_id, 'String')}")
    where.outer.extend(_score_value_sql(query, params))
    on_trace, of_traces = Where(), traces
    if query.user_id is not None:
        of_traces = of_user(traces, on_trace, params, query.user_id)
    if query.trace_tags:
        on_trace.outer.append(f"hasAll(tags, {params.strings(query.trace_tags)})")
    if on_trace.outer or on_trace.direct:
        where.of_traces(live_trace_ids(of_traces, on_trace))
    where.outer.extend(filters_sql(query.filters, SCORE_FILTERS, params, traces))
    return where


def _score_value_sql(query: ScoreQuery, params: Params) -> list[str]:
    sql: list[str] = []
    if query.value_operator is not None and query.value_operator not in COMPARISONS:
        raise bad_operator(query.value_operator)
    # The operator and the value only mean something together.
    if query.value_operator is not None and query.value is not None:
        value = params.bind(float(query.value), "Float64")
        sql.append(comparison_sql("value", query.value_operator, value))
    if query.value_min is not None:
        sql.append(f"value >= {params.bind(float(query.value_min), 'Float64')}")
    if query.value_max is not None:
        sql.append(f"value <= {params.bind(float(query.value_max), 'Float64')}")
    return sql
