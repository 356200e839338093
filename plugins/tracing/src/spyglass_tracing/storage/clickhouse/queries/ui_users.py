"""ClickHouse SQL of the users pages and of the traces table's filter options.

Users are the distinct ``user_id`` of live traces: grouped over the deduplicated traces
(every matching trace is read: there is no index on "last seen"), then the cost and
tokens of the page's users only, from their traces' observations.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from spyglass_tracing.domain.ui_lists import MAX_FILTER_OPTIONS, UserQuery, from_millis
from spyglass_tracing.storage.clickhouse.queries.select import (
    Params,
    Where,
    select_latest,
    time_range,
)
from spyglass_tracing.storage.clickhouse.queries.ui_traces import TOTAL_TOKENS, Tables

__all__ = ("filter_options_sql", "user_totals_sql", "users_sql")

_USER_TRACE_COLUMNS = ("id", "project_id", "timestamp", "user_id", "session_id", "event_ts",
                       "is_deleted")  # fmt: skip
_USER_OBSERVATION_COLUMNS = ("id", "project_id", "trace_id", "total_cost", "usage_details",
                             "event_ts", "is_deleted")  # fmt: skip
_OPTION_TRACE_COLUMNS = ("id", "project_id", "timestamp", "name", "user_id", "environment",
                         "tags", "event_ts", "is_deleted")  # fmt: skip
_OPTION_OBSERVATION_COLUMNS = ("id", "project_id", "start_time", "level", "provided_model_name",
                               "event_ts", "is_deleted")  # fmt: skip
_OPTION_SCORE_COLUMNS = ("id", "project_id", "timestamp", "name", "trace_id", "event_ts",
                         "is_deleted")  # fmt: skip


def users_sql(params: Params, traces: str, query: UserQuery, user_id: str | None = None) -> str:
    """(user id, traces, sessions, first seen, last seen) of one page of users (``limit
    + 1`` rows), last seen first, then user id descending; only ``user_id`` when given."""
    where = Where(outer=["user_id IS NOT NULL"])
    if user_id is not None:
        where.narrowing(f"user_id = {params.bind(user_id, 'String')}")
    if query.search:
        needle = params.bind(query.search, "String")
        where.outer.append(f"positionCaseInsensitiveUTF8(user_id, {needle}) > 0")
    source = select_latest(traces, _USER_TRACE_COLUMNS, where)
    sql = (
        "SELECT assumeNotNull(user_id) AS uid, count(), uniqExact(session_id), "
        "min(`timestamp`) AS first_seen, max(`timestamp`) AS last_seen "
        f"FROM ({source}) GROUP BY uid"
    )
    if query.after is not None:
        bound = params.time(from_millis(query.after.last_seen))
        last_id = params.bind(query.after.user_id, "String")
        sql += f" HAVING last_seen < {bound} OR (last_seen = {bound} AND uid < {last_id})"
    limit = params.bind(query.limit + 1, "UInt64")
    return f"{sql} ORDER BY last_seen DESC, uid DESC LIMIT {limit}"


def user_totals_sql(params: Params, tables: Tables, user_ids: Sequence[str]) -> str:
    """(user id, summed cost, summed total tokens) of the observations of these users'
    live traces; users without observations get no row."""
    on_users = Where()
    on_users.narrowing(f"user_id IN {params.strings(user_ids)}")
    user_traces = select_latest(tables.traces, _USER_TRACE_COLUMNS, on_users,
                                select="id, user_id")  # fmt: skip
    # Only a candidate condition: the join below checks the newest version's trace id.
    on_traces = Where()
    on_traces.of_traces(f"(SELECT id FROM ({user_traces}))", check=False)
    observations = select_latest(tables.observations, _USER_OBSERVATION_COLUMNS, on_traces)
    # Summed per trace first: the join then pairs one row per trace, not per observation.
    per_trace = (
        f"SELECT trace_id, sum(total_cost) AS cost, sum({TOTAL_TOKENS}) AS tokens "
        f"FROM ({observations}) GROUP BY trace_id"
    )
    return (
        "SELECT t.user_id, sum(o.cost), sum(o.tokens) "
        f"FROM ({per_trace}) AS o INNER JOIN ({user_traces}) AS t ON o.trace_id = t.id "
        "GROUP BY t.user_id"
    )


def _ranked(source: str, pairs: str, params: Params) -> str:
    """(kind, value) pairs of ``source``'s rows, each value counted, the most frequent
    ``MAX_FILTER_OPTIONS`` of each kind first (then by value)."""
    limit = params.bind(MAX_FILTER_OPTIONS, "UInt64")
    return (
        "SELECT kind, value FROM (SELECT pair.1 AS kind, pair.2 AS value "
        f"FROM (SELECT arrayJoin({pairs}) AS pair FROM ({source}))) "
        "WHERE value IS NOT NULL GROUP BY kind, value "
        f"ORDER BY kind, count() DESC, value LIMIT {limit} BY kind"
    )


def filter_options_sql(
    params: Params, tables: Tables, start: datetime | None, end: datetime | None
) -> tuple[str, str, str]:
    """Three queries of (kind, value) rows: trace columns (``name``, ``userId``,
    ``environment``, ``tag``), observation columns (``model``, ``level``), score names."""
    on_traces, on_observations, on_scores = Where(), Where(), Where()
    time_range(on_traces, params, "`timestamp`", start, end)
    time_range(on_observations, params, "start_time", start, end)
    time_range(on_scores, params, "`timestamp`", start, end)
    on_scores.outer.append("trace_id IS NOT NULL")
    text = "Nullable(String)"
    trace_pairs = (
        f"arrayConcat([('name', name), ('userId', user_id), "
        f"('environment', CAST(environment AS {text}))], "
        f"arrayMap(tag -> ('tag', CAST(tag AS {text})), arrayDistinct(tags)))"
    )
    observation_pairs = f"[('model', provided_model_name), ('level', CAST(level AS {text}))]"
    score_pairs = f"[('scoreName', CAST(name AS {text}))]"
    return (
        _ranked(select_latest(tables.traces, _OPTION_TRACE_COLUMNS, on_traces), trace_pairs,
                params),
        _ranked(select_latest(tables.observations, _OPTION_OBSERVATION_COLUMNS,
                              on_observations), observation_pairs, params),
        _ranked(select_latest(tables.scores, _OPTION_SCORE_COLUMNS, on_scores), score_pairs,
                params),
    )  # fmt: skip
