"""ClickHouse SQL of the traces table: its conditions, its ordered pages and the
per-page aggregates.

The default order (timestamp, then id) reads the ``traces`` table in its sorting key's
order (``project_id, toDate(timestamp), timestamp, id``): ``prefix_sql`` takes the first
row versions after the cursor, newest first, and stops early, so a page costs the same
wherever it is; ``exact_page_sql`` then deduplicates just those ids, on the days the
prefix saw them on and those ``moved_rows`` holds for them (``moved_rows.py``), and
``page_rows_sql`` reads the page's rows on their days too (or, filtered by users, off
their rows in ``traces_by_user``: ``Tables.of_users``). The other orders
sort on values the key cannot serve (a name, an aggregate of the observations), so they
deduplicate every matching trace (``value_page_sql``).

Conditions on observations and scores (level, model, score) select trace ids, and a
trace's id never changes between versions: they filter before the deduplication.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from spyglass_core.domain.errors import InvalidInput
from spyglass_tracing.domain.ui_lists import (
    MAX_ROW_SCORES,
    PREVIEW_CHARS,
    TraceListCursor,
    TraceListQuery,
    from_millis,
)
from spyglass_tracing.storage.clickhouse.moved_rows import versions_condition
from spyglass_tracing.storage.clickhouse.queries.select import (
    Params,
    Where,
    select_latest,
    time_range,
)

__all__ = (
    "NARROW_TRACE_COLUMNS",
    "TOTAL_TOKENS",
    "Tables",
    "exact_page_sql",
    "full_time_page_sql",
    "keyset_sql",
    "page_aggregates_sql",
    "page_rows_sql",
    "page_scores_sql",
    "prefix_sql",
    "trace_list_where",
    "value_page_sql",
)

NARROW_TRACE_COLUMNS = ("id", "project_id", "timestamp", "name", "user_id", "session_id",
                        "environment", "tags", "event_ts", "is_deleted")  # fmt: skip
"""What the traces table's conditions and orders read: never the payloads."""

_ROW_COLUMNS = (*NARROW_TRACE_COLUMNS, "release", "version", "input", "output")
# A page of the default order: (id, timestamp, the key's day of it).
_KEYED = "id, `timestamp`, toDate(`timestamp`)"
_OBSERVATION_LEVEL_COLUMNS = ("id", "project_id", "trace_id", "level", "provided_model_name",
                              "event_ts", "is_deleted")  # fmt: skip
_OBSERVATION_AGGREGATE_COLUMNS = ("id", "project_id", "trace_id", "start_time", "end_time",
                                  "total_cost", "usage_details", "level", "event_ts",
                                  "is_deleted")  # fmt: skip
_SCORE_COLUMNS = ("id", "project_id", "trace_id", "timestamp", "name", "value", "string_value",
                  "data_type", "event_ts", "is_deleted")  # fmt: skip

_SEVERITY = "multiIf(level = 'ERROR', 3, level = 'WARNING', 2, level = 'DEFAULT', 1, 0)"
"""An observation level as a number (``LEVEL_SEVERITY``): the trace's level is the max."""
_LATENCY_MS = (
    "toUnixTimestamp64Milli(max(coalesce(end_time, start_time))) "
    "- toUnixTimestamp64Milli(min(start_time))"
)
_INPUT_TOKENS = (
    "arraySum(mapValues(mapFilter((k, v) -> k = 'input' OR startsWith(k, 'input_'), "
    "usage_details)))"
)
_OUTPUT_TOKENS = (
    "arraySum(mapValues(mapFilter((k, v) -> k = 'output' OR startsWith(k, 'output_'), "
    "usage_details)))"
)
TOTAL_TOKENS = (
    "if(mapContains(usage_details, 'total'), usage_details['total'], "
    "arraySum(mapValues(usage_details)))"
)
"""One observation's total tokens: its ``total``, else the sum of its counts."""

# The aggregates an order may sort on, over one trace's live observations.
_ORDER_AGGREGATES = {"latency": _LATENCY_MS, "totalCost": "sum(total_cost)"}


class Tables:
    """The qualified names of the three tables (and of ``moved_rows``).

    ``of_users``: ``traces`` is a subquery of the traces of the users a query filters on
    (``traces_by_user.users_traces``), their newest versions only, so the user condition
    is already met and every row is its trace's newest version.
    """

    def __init__(
        self, traces: str, observations: str, scores: str, moved_rows: str, *,
        of_users: bool = False,
    ) -> None:  # fmt: skip
        self.traces = traces
        self.observations = observations
        self.scores = scores
        self.moved_rows = moved_rows
        self.of_users = of_users

    def with_users_traces(self, traces: str) -> Tables:
        """These tables with ``traces`` (a users' subquery) read instead of the traces."""
        return Tables(traces, self.observations, self.scores, self.moved_rows, of_users=True)


def _trace_ids_of(table: str, columns: Sequence[str], where: Where) -> str:
    return f"id IN (SELECT trace_id FROM ({select_latest(table, columns, where)}))"


def trace_list_where(query: TraceListQuery, params: Params, tables: Tables) -> Where:
    """The table's conditions: ``direct`` the trace-id selections by observations and
    scores, ``candidates`` the selective trace columns, ``outer`` every trace column."""
    where = Where()
    time_range(where, params, "`timestamp`", query.from_timestamp, query.to_timestamp)
    if query.user_ids and not tables.of_users:
        where.narrowing(f"user_id IN {params.strings(query.user_ids)}")
    if query.session_id is not None:
        where.narrowing(f"session_id = {params.bind(query.session_id, 'String')}")
    if query.names:
        where.outer.append(f"name IN {params.strings(query.names)}")
    if query.environments:
        where.outer.append(f"environment IN {params.strings(query.environments)}")
    if query.tags:
        where.outer.append(f"hasAll(tags, {params.strings(query.tags)})")
    if query.search:
        needle = params.bind(query.search, "String")
        where.outer.append(
            f"(positionCaseInsensitiveUTF8(name, {needle}) > 0 OR id = {needle} "
            f"OR session_id = {needle} OR user_id = {needle})"
        )
    for column, values in (
        ("level", [level.value for level in query.levels]),
        ("provided_model_name", list(query.models)),
    ):
        if values:
            on_observations = Where()
            on_observations.narrowing(f"{column} IN {params.strings(values)}")
            where.direct.append(
                _trace_ids_of(tables.observations, _OBSERVATION_LEVEL_COLUMNS, on_observations)
            )
    if query.score is not None:
        where.direct.append(_score_condition(query, params, tables.scores))
    if tables.of_users:
        # Its rows are newest versions already: a semi-join on the candidate conditions
        # would read the subquery again for nothing (the outer conditions check them).
        where.candidates.clear()
    return where


def _score_condition(query: TraceListQuery, params: Params, scores: str) -> str:
    condition = query.score
    assert condition is not None
    on_scores = Where()
    on_scores.narrowing(f"name = {params.bind(condition.name, 'String')}")
    on_scores.outer.append("trace_id IS NOT NULL")
    if condition.minimum is not None or condition.maximum is not None:
        on_scores.outer.append("data_type = 'NUMERIC'")
        if condition.minimum is not None:
            on_scores.outer.append(f"value >= {params.bind(condition.minimum, 'Float64')}")
        if condition.maximum is not None:
            on_scores.outer.append(f"value <= {params.bind(condition.maximum, 'Float64')}")
    if condition.string_value is not None:
        on_scores.outer.append("data_type IN ('CATEGORICAL', 'BOOLEAN')")
        on_scores.outer.append(f"string_value = {params.bind(condition.string_value, 'String')}")
    return _trace_ids_of(scores, _SCORE_COLUMNS, on_scores)


def _direction(desc: bool) -> tuple[str, str]:
    return ("DESC", "<") if desc else ("ASC", ">")


def keyset_sql(
    value: str, row_id: str, cursor: TraceListCursor, bound: str | None, desc: bool, params: Params
) -> str:
    """Rows strictly after the cursor in ``value, id`` order (one direction, NULLs last);
    ``bound`` is the SQL of the cursor's value (None when it is NULL)."""
    _, beyond = _direction(desc)
    last_id = params.bind(cursor.id, "String")
    if bound is None:
        return f"({value} IS NULL AND {row_id} {beyond} {last_id})"
    return (
        f"({value} {beyond} {bound} OR ({value} = {bound} AND {row_id} {beyond} {last_id}) "
        f"OR {value} IS NULL)"
    )


def _timestamp_keyset(query: TraceListQuery, params: Params) -> str | None:
    if query.after is None:
        return None
    assert isinstance(query.after.value, int)  # checked when the cursor was decoded
    bound = params.time(from_millis(query.after.value))
    return keyset_sql("`timestamp`", "id", query.after, bound, query.order_desc, params)


def prefix_sql(query: TraceListQuery, where: Where, params: Params, traces: str, n: int) -> str:
    """The first ``n`` row versions ``(id, timestamp)`` that may match, in (timestamp, id)
    order after the cursor: read in the sorting key's order, and stopped after ``n``.

    Every condition is one the newest version must meet, so every matching trace whose
    newest version sorts before the last one returned is among their ids. The caller
    deduplicates them: ``LIMIT 1 BY id`` here would keep ClickHouse from stopping early.
    """
    direction, _ = _direction(query.order_desc)
    conditions = ["project_id = {project_id:String}", "is_deleted = 0", *where.direct,
                  *where.outer]  # fmt: skip
    keyset = _timestamp_keyset(query, params)
    if keyset is not None:
        conditions.append(keyset)
    return (
        f"SELECT id, `timestamp`, toDate(`timestamp`) FROM {traces} "
        f"WHERE {' AND '.join(conditions)} "
        f"ORDER BY toDate(`timestamp`) {direction}, `timestamp` {direction}, id {direction} "
        f"LIMIT {params.bind(n, 'UInt64')}"
    )


def exact_page_sql(
    query: TraceListQuery,
    where: Where,
    params: Params,
    tables: Tables,
    ids: Sequence[str],
    days: Sequence[date],
) -> str:
    """The live traces among ``ids`` that match, as (id, timestamp, day), in the page
    order; ``days`` are those the prefix saw them on."""
    direction, _ = _direction(query.order_desc)
    exact = Where(direct=_versions_on_days(params, tables, ids, days), outer=list(where.outer))
    keyset = _timestamp_keyset(query, params)
    if keyset is not None:
        exact.outer.append(keyset)
    sql = select_latest(tables.traces, NARROW_TRACE_COLUMNS, exact, select=_KEYED)
    return f"{sql} ORDER BY `timestamp` {direction}, id {direction}"


def _versions_on_days(
    params: Params, tables: Tables, ids: Sequence[str], days: Sequence[date]
) -> list[str]:
    """Direct conditions: the versions of the traces ``ids`` on ``days`` and on the days
    ``moved_rows`` holds for them, which is all of them when ``days`` holds one version
    of each (``moved_rows.py``)."""
    bound = params.strings(ids)
    versions = versions_condition("`timestamp`", "traces", tables.moved_rows, params, bound,
                                  days)  # fmt: skip
    return [f"id IN {bound}", versions]


def full_time_page_sql(query: TraceListQuery, where: Where, params: Params, traces: str) -> str:
    """The page in (timestamp, id) order by deduplicating every matching trace: the
    fallback when the prefix scan keeps meeting outdated versions."""
    direction, _ = _direction(query.order_desc)
    full = Where(direct=list(where.direct), candidates=list(where.candidates),
                 outer=list(where.outer))  # fmt: skip
    keyset = _timestamp_keyset(query, params)
    if keyset is not None:
        full.outer.append(keyset)
    sql = select_latest(traces, NARROW_TRACE_COLUMNS, full, select=_KEYED)
    limit = params.bind(query.limit + 1, "UInt64")
    return f"{sql} ORDER BY `timestamp` {direction}, id {direction} LIMIT {limit}"


def _value_bound(query: TraceListQuery, params: Params) -> str | None:
    assert query.after is not None
    value = query.after.value
    if value is None:
        return None
    if query.order_by == "latency":
        return params.bind(value, "Int64")
    if query.order_by == "totalCost":
        return f"toDecimal128({params.bind(value, 'String')}, 12)"
    return params.bind(value, "String")


def value_page_sql(
    query: TraceListQuery, where: Where, params: Params, tables: Tables, observation_scope: bool
) -> str:
    """(id, sort value) of the page in a name or aggregate order, ``limit + 1`` rows.

    ``observation_scope`` narrows the aggregated observations to the matching traces'
    (worth it when the conditions keep few traces).
    """
    direction, _ = _direction(query.order_desc)
    limit = params.bind(query.limit + 1, "UInt64")
    if query.order_by == "name":
        page = Where(direct=list(where.direct), candidates=list(where.candidates),
                     outer=list(where.outer))  # fmt: skip
        if query.after is not None:
            bound = _value_bound(query, params)
            page.outer.append(keyset_sql("name", "id", query.after, bound, query.order_desc,
                                         params))  # fmt: skip
        sql = select_latest(tables.traces, NARROW_TRACE_COLUMNS, page, select="id, name")
        return f"{sql} ORDER BY name {direction} NULLS LAST, id {direction} LIMIT {limit}"
    aggregate = _ORDER_AGGREGATES.get(query.order_by)
    if aggregate is None:
        raise InvalidInput("Invalid orderBy", details=f"cannot order by '{query.order_by}'")
    matching = select_latest(tables.traces, NARROW_TRACE_COLUMNS, where, select="id")
    on_observations = Where()
    if observation_scope:
        on_observations.narrowing(f"trace_id IN ({matching})")
    observations = select_latest(
        tables.observations, _OBSERVATION_AGGREGATE_COLUMNS, on_observations
    )
    sql = (
        "SELECT t.id AS row_id, if(o.n = 0, NULL, o.value) AS sort_value "
        f"FROM ({matching}) AS t LEFT JOIN (SELECT trace_id, count() AS n, "
        f"{aggregate} AS value FROM ({observations}) GROUP BY trace_id) AS o "
        "ON o.trace_id = t.id"
    )
    if query.after is not None:
        bound = _value_bound(query, params)
        sql += " WHERE " + keyset_sql("sort_value", "row_id", query.after, bound,
                                      query.order_desc, params)  # fmt: skip
    return f"{sql} ORDER BY sort_value {direction} NULLS LAST, row_id {direction} LIMIT {limit}"


def page_rows_sql(
    params: Params, tables: Tables, ids: Sequence[str], days: Sequence[date] | None
) -> str:
    """The shown columns of the page's traces, previews cut on the server; ``days``, when
    known, are those of the traces' newest versions (read through the key, not the id
    index)."""
    select = (
        "id, `timestamp`, name, user_id, session_id, tags, environment, release, version, "
        f"substringUTF8(input, 1, {PREVIEW_CHARS}), substringUTF8(output, 1, {PREVIEW_CHARS})"
    )
    if days is None or tables.of_users:  # a users' subquery holds newest versions only
        where = Where(direct=[f"id IN {params.strings(ids)}"])
    else:
        where = Where(direct=_versions_on_days(params, tables, ids, days))
    return select_latest(tables.traces, _ROW_COLUMNS, where, select=select)


def page_aggregates_sql(params: Params, observations: str, ids: Sequence[str]) -> str:
    """Per trace of the page: count, latency (ms), cost, tokens and worst severity."""
    where = Where()
    where.of_traces(params.strings(ids))
    source = select_latest(observations, _OBSERVATION_AGGREGATE_COLUMNS, where)
    return (
        f"SELECT trace_id, count(), {_LATENCY_MS}, sum(total_cost), sum({_INPUT_TOKENS}), "
        f"sum({_OUTPUT_TOKENS}), sum({TOTAL_TOKENS}), max({_SEVERITY}) "
        f"FROM ({source}) GROUP BY trace_id"
    )


def page_scores_sql(params: Params, scores: str, ids: Sequence[str]) -> str:
    """The newest scores of each of the page's traces (at most ``MAX_ROW_SCORES``)."""
    where = Where()
    where.of_traces(params.strings(ids))
    source = select_latest(scores, _SCORE_COLUMNS, where)
    return (
        f"SELECT trace_id, name, value, string_value, data_type FROM ({source}) "
        f"ORDER BY trace_id, `timestamp` DESC, id DESC LIMIT {MAX_ROW_SCORES} BY trace_id"
    )
