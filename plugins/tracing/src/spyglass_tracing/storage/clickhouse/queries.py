"""SQL for the analytics store's reads: deduplicated selects, filters, pages, aggregates.

Every value reaches ClickHouse as a server-side parameter: ``Params.bind`` hands out
``{pN:Type}`` placeholders and keeps the values, so nothing a caller sends is ever
formatted into SQL. Column names and operators come only from whitelists: the filterable
and sortable columns from ``spyglass_tracing.domain.filter_columns``, whose fields are the
tables' column names.

Deduplication: a row is the newest version (greatest ``event_ts``) of its
(project_id, id), read with ``ORDER BY event_ts DESC LIMIT 1 BY project_id, id``. A
``Where`` has three kinds of condition:

- ``direct``: on ``id``, the deduplication key itself. Every version of a row has the
  same id, so these go straight into the inner query, before ``LIMIT 1 BY``.
- ``candidates``: necessary conditions. Most columns can change between versions (an
  update may rename a trace, move it to another day, an observation to another trace),
  so filtering versions before ``LIMIT 1 BY`` could return a stale version whose newer
  one no longer matches. But if the newest version matches, *some* version does, so
  ``id IN (SELECT id FROM table WHERE <candidates>)`` narrows the deduplication to rows
  that can match, with a cheap scan that reads only the filtered columns (the primary
  key serves project and time ranges, the bloom indexes ids and trace ids).
- ``outer``: conditions checked on the newest version. Every candidate condition is
  also an outer one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from spyglass_core.domain.errors import InvalidInput
from spyglass_tracing.domain.filter_columns import (
    OBSERVATION_FILTERS,
    SCORE_FILTERS,
    TRACE_FILTERS,
    TRACE_ORDER_FIELDS,
    FilterColumn,
)
from spyglass_tracing.domain.queries import (
    FilterCondition,
    MetricsQuery,
    ObservationQuery,
    ScoreQuery,
    SessionQuery,
    TraceQuery,
    checked_condition,
)
from spyglass_tracing.domain.time import utc

__all__ = (
    "TRACE_ORDER_COLUMNS",
    "Params",
    "Where",
    "count_sql",
    "daily_days_sql",
    "daily_total_sql",
    "daily_usage_sql",
    "observation_where",
    "page_sql",
    "score_where",
    "select_latest",
    "session_where",
    "sessions_count_sql",
    "sessions_sql",
    "trace_metrics_sql",
    "trace_order",
    "trace_where",
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Never read in the first pass of a page: the large payloads (ZSTD, often kilobytes).
_HEAVY_COLUMNS = frozenset({"input", "output"})

# --- filter and order columns ---------------------------------------------------------

# Decimal64(12) columns, compared as Float64: Decimal cannot hold the range a float filter
# may carry.
_DECIMAL_FIELDS = frozenset({"total_cost"})


def _column_sql(field: str) -> str:
    """The SQL expression a filter on the domain ``field`` compares: its table column."""
    return f"toFloat64(`{field}`)" if field in _DECIMAL_FIELDS else f"`{field}`"


TRACE_ORDER_COLUMNS: Mapping[str, str] = {
    name: _column_sql(field) for name, field in TRACE_ORDER_FIELDS.items()
}
"""``TraceQuery.order_by`` values and the column each sorts on."""

_COMPARISONS = frozenset({"=", "!=", "<", ">", "<=", ">="})


# --- parameters and the deduplicated select -------------------------------------------


class Params:
    """Server-side parameters of one query: ``bind`` returns a ``{name:Type}`` placeholder.

    ``project_id`` is always bound, as ``{project_id:String}``.
    """

    def __init__(self, project_id: str) -> None:
        self.values: dict[str, Any] = {"project_id": project_id}

    def bind(self, value: Any, ch_type: str) -> str:
        """Keep ``value`` and return the placeholder that reads it as ``ch_type``."""
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"{{{name}:{ch_type}}}"

    def time(self, value: datetime) -> str:
        """A DateTime64(6) expression for ``value`` (naive means UTC), to the microsecond.

        Bound as integer microseconds since the epoch: no time zone can reinterpret it.
        """
        micros = (utc(value) - _EPOCH) // timedelta(microseconds=1)
        return f"fromUnixTimestamp64Micro({self.bind(micros, 'Int64')})"

    def strings(self, values: Iterable[str]) -> str:
        """An Array(String) placeholder."""
        return self.bind(list(values), "Array(String)")


@dataclass
class Where:
    """The conditions of one deduplicated select (see the module docstring)."""

    direct: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)
    outer: list[str] = field(default_factory=list)

    def narrowing(self, condition: str) -> None:
        """A condition worth checking on every version too (selective and cheap)."""
        self.candidates.append(condition)
        self.outer.append(condition)


def select_latest(table: str, columns: Sequence[str], where: Where, *, select: str = "") -> str:
    """``SELECT select`` over the newest live version of each row matching ``where``.

    ``LIMIT 1 BY`` rather than ``FINAL``: the sorting key holds a date derived from the
    timestamp, so versions of one row may sit under different keys that FINAL won't merge.
    ``columns`` are those the inner query keeps; ``select`` defaults to all of them.
    """
    cols = ", ".join(f"`{column}`" for column in columns)
    inner = ["project_id = {project_id:String}", *where.direct]
    if where.candidates:
        inner.append(
            f"id IN (SELECT id FROM {table} WHERE project_id = {{project_id:String}} "
            f"AND {' AND '.join(where.candidates)})"
        )
    outer = ["is_deleted = 0", *where.outer]
    return (
        f"SELECT {select or cols} FROM (SELECT {cols} FROM {table} "
        f"WHERE {' AND '.join(inner)} "
        "ORDER BY event_ts DESC LIMIT 1 BY project_id, id) "
        f"WHERE {' AND '.join(outer)}"
    )


def _narrow(columns: Sequence[str]) -> list[str]:
    return [column for column in columns if column not in _HEAVY_COLUMNS]


def _limit(params: Params, limit: int, offset: int) -> str:
    if limit < 0 or offset < 0:
        raise InvalidInput("Invalid page", details="limit and offset must not be negative")
    return f"LIMIT {params.bind(limit, 'UInt64')} OFFSET {params.bind(offset, 'UInt64')}"


def page_sql(
    table: str,
    columns: Sequence[str],
    where: Where,
    order: str,
    params: Params,
    *,
    limit: int,
    offset: int,
) -> str:
    """One page of full rows, in two passes inside one query.

    The first pass deduplicates without the heavy payload columns, filters, sorts and
    cuts the page, keeping only ids; the second reads full rows for those ids only.
    """
    page_ids = (
        select_latest(table, _narrow(columns), where, select="id")
        + f" ORDER BY {order} {_limit(params, limit, offset)}"
    )
    rows = Where(direct=[f"id IN ({page_ids})"], outer=list(where.outer))
    return select_latest(table, columns, rows) + f" ORDER BY {order}"


def count_sql(table: str, columns: Sequence[str], where: Where) -> str:
    """How many rows ``where`` matches (the same deduplicated subquery, counted)."""
    return f"SELECT count() FROM ({select_latest(table, _narrow(columns), where, select='id')})"


# --- filter conditions ----------------------------------------------------------------


def _string_sql(expr: str, operator: str, value: str) -> str:
    match operator:
        case "=":
            return f"{expr} = {value}"
        case "contains":
            return f"position({expr}, {value}) > 0"
        case "does not contain":
            return f"position({expr}, {value}) = 0"
        case "starts with":
            return f"startsWith({expr}, {value})"
        case "ends with":
            return f"endsWith({expr}, {value})"
    raise _bad_operator(operator)


def _comparison_sql(expr: str, operator: str, value: str) -> str:
    if operator not in _COMPARISONS:
        raise _bad_operator(operator)
    return f"{expr} {operator} {value}"


def _bad_operator(operator: str) -> InvalidInput:
    return InvalidInput("Invalid filter", details=f"unsupported operator '{operator}'")


def _condition_sql(condition: FilterCondition, expr: str, params: Params) -> str:
    """SQL for one condition on ``expr``; ``condition`` is already checked."""
    kind, operator, value = condition.type, condition.operator, condition.value
    if kind == "string":
        return _string_sql(expr, operator, params.bind(value, "String"))
    if kind == "stringOptions":
        negation = "NOT " if operator == "none of" else ""
        return f"{expr} {negation}IN {params.strings(value)}"
    if kind == "arrayOptions":
        values = params.strings(value)
        if operator == "all of":
            return f"hasAll({expr}, {values})"
        return f"{'NOT ' if operator == 'none of' else ''}hasAny({expr}, {values})"
    if kind == "number":
        return _comparison_sql(expr, operator, params.bind(float(value), "Float64"))
    if kind == "datetime":
        return _comparison_sql(expr, operator, params.time(value))
    if kind == "boolean":
        return f"{expr} {'=' if operator == '=' else '!='} {params.bind(bool(value), 'Bool')}"
    if kind == "null":
        return f"{expr} {'IS NULL' if operator == 'is null' else 'IS NOT NULL'}"
    entry = f"{expr}[{params.bind(condition.key, 'String')}]"
    if kind == "stringObject":
        return _string_sql(entry, operator, params.bind(value, "String"))
    # numberObject: metadata values are strings; one that is no number matches nothing.
    number = params.bind(float(value), "Float64")
    return _comparison_sql(f"toFloat64OrNull({entry})", operator, number)


def _filters_sql(
    conditions: Sequence[FilterCondition],
    columns: Mapping[str, FilterColumn],
    params: Params,
    traces: str,
) -> list[str]:
    sql: list[str] = []
    for condition in conditions:
        column = checked_condition(condition, columns)
        expr = _condition_sql(condition, _column_sql(column.field), params)
        sql.append(_trace_ids_in(traces, Where(outer=[expr])) if column.on_trace else expr)
    return sql


# --- the queries of each method ---------------------------------------------------------

# The deduplication keeps every column the conditions may name (the pruner drops the
# others): the key columns and the filterable ones, never the payload columns.
_TRACE_CONDITION_COLUMNS = tuple(
    dict.fromkeys(("id", "project_id", "event_ts", "is_deleted",
                   *(column.field for column in TRACE_FILTERS.values())))
)  # fmt: skip


def _trace_ids_in(traces: str, where: Where) -> str:
    """``trace_id IN`` the live traces matching ``where``."""
    return f"trace_id IN ({select_latest(traces, _TRACE_CONDITION_COLUMNS, where, select='id')})"


def _time_range(
    where: Where,
    params: Params,
    column: str,
    start: datetime | None,
    end: datetime | None,
) -> None:
    if start is not None:
        where.narrowing(f"{column} >= {params.time(start)}")
    if end is not None:
        where.narrowing(f"{column} < {params.time(end)}")


def trace_where(query: TraceQuery, params: Params, traces: str) -> Where:
    """The conditions of ``GET /traces``: simple parameters and filter conditions."""
    where = Where()
    _time_range(where, params, "`timestamp`", query.from_timestamp, query.to_timestamp)
    # User and session are selective: worth narrowing the deduplication with.
    if query.user_id is not None:
        where.narrowing(f"user_id = {params.bind(query.user_id, 'String')}")
    if query.session_id is not None:
        where.narrowing(f"session_id = {params.bind(query.session_id, 'String')}")
    for column, value in (
        ("name", query.name),
        ("version", query.version),
        ("release", query.release),
    ):
        if value is not None:
            where.outer.append(f"{column} = {params.bind(value, 'String')}")
    if query.environments:
        where.outer.append(f"environment IN {params.strings(query.environments)}")
    if query.tags:
        where.outer.append(f"hasAll(tags, {params.strings(query.tags)})")
    where.outer.extend(_filters_sql(query.filters, TRACE_FILTERS, params, traces))
    return where


def trace_order(query: TraceQuery) -> str:
    """ORDER BY for ``GET /traces``: the whitelisted column, then id, one direction."""
    column = TRACE_ORDER_COLUMNS.get(query.order_by)
    if column is None:
        raise InvalidInput("Invalid orderBy", details=f"cannot order traces by '{query.order_by}'")
    direction = "DESC" if query.order_desc else "ASC"
    return f"{column} {direction}, id {direction}"


def _keyset(where: Where, params: Params, column: str, after: tuple[datetime, str]) -> None:
    """Rows strictly after ``after`` in ``column DESC, id DESC`` order.

    Not a narrowing: walking from the newest rows, nearly every row is older than the
    cursor, and a semi-join that keeps almost everything costs more than it saves.
    """
    time, last_id = params.time(after[0]), params.bind(after[1], "String")
    where.outer.append(f"({column} < {time} OR ({column} = {time} AND id < {last_id}))")


def observation_where(query: ObservationQuery, params: Params, traces: str) -> Where:
    """The conditions of ``GET /observations`` and ``/v2/observations``."""
    where = Where()
    if query.trace_id is not None:
        where.narrowing(f"trace_id = {params.bind(query.trace_id, 'String')}")
    _time_range(where, params, "start_time", query.from_start_time, query.to_start_time)
    if query.after is not None:
        _keyset(where, params, "start_time", query.after)
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
    on_trace = Where()
    if query.user_id is not None:
        on_trace.narrowing(f"user_id = {params.bind(query.user_id, 'String')}")
    if query.session_id is not None:
        on_trace.narrowing(f"session_id = {params.bind(query.session_id, 'String')}")
    if on_trace.outer:
        where.narrowing(_trace_ids_in(traces, on_trace))
    where.outer.extend(_filters_sql(query.filters, OBSERVATION_FILTERS, params, traces))
    return where


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
        where.narrowing(f"trace_id = {params.bind(query.trace_id, 'String')}")
    if query.session_id is not None:
        where.narrowing(f"session_id = {params.bind(query.session_id, 'String')}")
    _time_range(where, params, "`timestamp`", query.from_timestamp, query.to_timestamp)
    if query.after is not None:
        _keyset(where, params, "`timestamp`", query.after)
    for column, attribute in _SCORE_ANY_OF:
        values: Sequence[str] = getattr(query, attribute)
        if values:
            where.outer.append(f"{column} IN {params.strings(values)}")
    if query.dataset_run_id is not None:
        where.outer.append(f"dataset_run_id = {params.bind(query.dataset_run_id, 'String')}")
    where.outer.extend(_score_value_sql(query, params))
    on_trace = Where()
    if query.user_id is not None:
        on_trace.narrowing(f"user_id = {params.bind(query.user_id, 'String')}")
    if query.trace_tags:
        on_trace.outer.append(f"hasAll(tags, {params.strings(query.trace_tags)})")
    if on_trace.outer:
        where.narrowing(_trace_ids_in(traces, on_trace))
    where.outer.extend(_filters_sql(query.filters, SCORE_FILTERS, params, traces))
    return where


def _score_value_sql(query: ScoreQuery, params: Params) -> list[str]:
    sql: list[str] = []
    if query.value_operator is not None and query.value_operator not in _COMPARISONS:
        raise _bad_operator(query.value_operator)
    # The operator and the value only mean something together.
    if query.value_operator is not None and query.value is not None:
        value = params.bind(float(query.value), "Float64")
        sql.append(_comparison_sql("value", query.value_operator, value))
    if query.value_min is not None:
        sql.append(f"value >= {params.bind(float(query.value_min), 'Float64')}")
    if query.value_max is not None:
        sql.append(f"value <= {params.bind(float(query.value_max), 'Float64')}")
    return sql


# --- sessions ---------------------------------------------------------------------------

_SESSION_SOURCE_COLUMNS = ("id", "project_id", "timestamp", "session_id", "environment",
                           "event_ts", "is_deleted")  # fmt: skip


def session_where(params: Params, session_id: str | None = None) -> Where:
    """Live traces of one session, or of any session."""
    where = Where()
    if session_id is None:
        where.narrowing("session_id IS NOT NULL")
    else:
        where.narrowing(f"session_id = {params.bind(session_id, 'String')}")
    return where


def _sessions_grouped(traces: str, where: Where, query: SessionQuery | None, params: Params) -> str:
    """One row per session: id, created_at (first trace) and its first trace's environment."""
    source = select_latest(traces, _SESSION_SOURCE_COLUMNS, where)
    having: list[str] = []
    if query is not None:
        if query.from_timestamp is not None:
            having.append(f"session_created_at >= {params.time(query.from_timestamp)}")
        if query.to_timestamp is not None:
            having.append(f"session_created_at < {params.time(query.to_timestamp)}")
        if query.environments:
            having.append(f"session_environment IN {params.strings(query.environments)}")
    sql = (
        "SELECT assumeNotNull(session_id) AS session_key, "
        "min(`timestamp`) AS session_created_at, "
        # (timestamp, id): two first traces at the same millisecond still pick one.
        "argMin(environment, (`timestamp`, id)) AS session_environment "
        f"FROM ({source}) GROUP BY session_key"
    )
    if having:
        sql += f" HAVING {' AND '.join(having)}"
    return sql


def sessions_sql(
    traces: str,
    where: Where,
    params: Params,
    query: SessionQuery | None = None,
) -> str:
    """Sessions, newest first (then id); paged when ``query`` is given."""
    sql = _sessions_grouped(traces, where, query, params)
    sql += " ORDER BY session_created_at DESC, session_key ASC"
    if query is not None:
        sql += f" {_limit(params, query.limit, query.offset)}"
    return sql


def sessions_count_sql(traces: str, where: Where, params: Params, query: SessionQuery) -> str:
    """How many sessions ``query`` matches."""
    return f"SELECT count() FROM ({_sessions_grouped(traces, where, query, params)})"


# --- per-trace aggregates -----------------------------------------------------------------

_OBSERVATION_AGGREGATE_COLUMNS = ("id", "project_id", "trace_id", "start_time", "end_time",
                                  "total_cost", "event_ts", "is_deleted")  # fmt: skip


def trace_metrics_sql(observations: str, params: Params, trace_ids: Sequence[str]) -> str:
    """Per trace: first start, last end (or start), summed cost, ids by (start_time, id)."""
    where = Where()
    where.narrowing(f"trace_id IN {params.strings(trace_ids)}")
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
    _time_range(where, params, "`timestamp`", query.from_timestamp, query.to_timestamp)
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
        f"ORDER BY day DESC {_limit(params, query.limit, query.offset)}"
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
    on_traces = Where()
    on_traces.narrowing(f"trace_id IN (SELECT id FROM ({day_traces}))")
    day_observations = select_latest(observations, _DAILY_OBSERVATION_COLUMNS, on_traces)
    return (
        "SELECT t.day, o.provided_model_name, "
        "sum(o.usage_details['input']), sum(o.usage_details['output']), "
        "sum(o.usage_details['total']), count(), uniqExact(o.trace_id), sum(o.total_cost) "
        f"FROM ({day_observations}) AS o INNER JOIN ({day_traces}) AS t ON o.trace_id = t.id "
        "GROUP BY t.day, o.provided_model_name"
    )
