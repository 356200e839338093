"""The deduplicated select every read is built on, its parameters, pages and counts.

Every value reaches ClickHouse as a server-side parameter: ``Params.bind`` hands out
``{pN:Type}`` placeholders and keeps the values, so nothing a caller sends is ever
formatted into SQL.

Deduplication: a row is the newest version (greatest ``event_ts``) of its
(project_id, id), read with ``ORDER BY event_ts DESC LIMIT 1 BY project_id, id``. A
``Where`` has three kinds of condition:

- ``direct``: on ``id``, the deduplication key itself, or on another column every
  version of a row shares (a lookup table's key: ``traces_by_user``'s user). These go
  straight into the inner query, before ``LIMIT 1 BY``.
- ``candidates``: necessary conditions. Most columns can change between versions (an
  update may rename a trace, move it to another day, an observation to another trace),
  so filtering versions before ``LIMIT 1 BY`` could return a stale version whose newer
  one no longer matches. But if the newest version matches, *some* version does, so
  ``id IN (SELECT id FROM table WHERE <candidates>)`` narrows the deduplication to rows
  that can match, with a cheap scan that reads only the filtered columns (the primary
  key serves project and time ranges, the bloom indexes ids and trace ids).
- ``outer``: conditions checked on the newest version. Every candidate condition is
  also an outer one.
- ``trace_set``: the rows of a few traces. Every version of an observation or a score
  names the same trace (once set, a row's trace never changes: the store's contract), so
  on those tables it filters versions directly, through the ``idx_trace_id`` bloom index,
  with no candidate pass; on other tables it is a candidate condition.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from spyglass_core.domain.errors import InvalidInput
from spyglass_tracing.domain.filter_columns import TRACE_FILTERS
from spyglass_tracing.domain.time import utc

__all__ = (
    "Params",
    "Where",
    "check_page",
    "count_sql",
    "keyset",
    "limit_sql",
    "live_trace_ids",
    "narrow_columns",
    "page_sql",
    "select_latest",
    "time_range",
    "trace_ids_in",
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Never read in the first pass of a page: the large payloads (ZSTD, often kilobytes).
_HEAVY_COLUMNS = frozenset({"input", "output"})


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
    scattered: bool = False
    """A condition keeps few rows spread over all time (a user's, a session's, a trace's):
    deduplicating just the candidates beats a newest-first walk (``newest_first``)."""

    trace_set: str | None = None
    """The rows of these traces only (an ``Array(String)`` placeholder or a subquery)."""

    def narrowing(self, condition: str, *, scattered: bool = False) -> None:
        """A condition worth checking on every version too (selective and cheap)."""
        self.candidates.append(condition)
        self.outer.append(condition)
        self.scattered = self.scattered or scattered

    def of_traces(self, trace_set: str, *, check: bool = True) -> None:
        """Only rows whose ``trace_id`` is in ``trace_set``: a few traces' rows.

        ``trace_set`` is SQL that ``IN`` accepts: a bound array or a parenthesized
        subquery. ``check=False`` leaves checking the newest version to the caller (a
        join on the trace id does). A second trace condition is an ordinary narrowing one.
        """
        if self.trace_set is not None:
            self.narrowing(f"trace_id IN {trace_set}", scattered=True)
            return
        self.trace_set = trace_set
        if check:
            self.outer.append(f"trace_id IN {trace_set}")
        self.scattered = True


_FIXED_TRACE_TABLES = frozenset({"observations", "scores"})


def _fixed_trace(table: str) -> bool:
    """Whether every version of a row of ``table`` (a qualified name) names one trace."""
    return table.rpartition(".")[2] in _FIXED_TRACE_TABLES


def select_latest(table: str, columns: Sequence[str], where: Where, *, select: str = "") -> str:
    """``SELECT select`` over the newest live version of each row matching ``where``.

    ``LIMIT 1 BY`` rather than ``FINAL``: the sorting key holds a date derived from the
    timestamp, so versions of one row may sit under different keys that FINAL won't merge.
    ``columns`` are those the inner query keeps; ``select`` defaults to all of them.
    """
    cols = ", ".join(f"`{column}`" for column in columns)
    inner = ["project_id = {project_id:String}", *where.direct]
    if where.trace_set is not None and _fixed_trace(table):
        # Every version of these traces' rows, and only those: nothing else to narrow.
        inner.append(f"trace_id IN {where.trace_set}")
    elif where.trace_set is not None:
        candidates = [*where.candidates, f"trace_id IN {where.trace_set}"]
        inner.append(
            f"id IN (SELECT id FROM {table} WHERE project_id = {{project_id:String}} "
            f"AND {' AND '.join(candidates)})"
        )
    elif where.candidates:
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


def narrow_columns(columns: Sequence[str]) -> list[str]:
    """``columns`` without the payloads: what a pass that only filters and sorts reads."""
    return [column for column in columns if column not in _HEAVY_COLUMNS]


def check_page(limit: int, offset: int) -> None:
    """Raises: InvalidInput when ``limit`` or ``offset`` is negative."""
    if limit < 0 or offset < 0:
        raise InvalidInput("Invalid page", details="limit and offset must not be negative")


def limit_sql(params: Params, limit: int, offset: int) -> str:
    """``LIMIT … OFFSET …`` with bound values. Raises: InvalidInput when one is negative."""
    check_page(limit, offset)
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
        select_latest(table, narrow_columns(columns), where, select="id")
        + f" ORDER BY {order} {limit_sql(params, limit, offset)}"
    )
    # The direct conditions again: they hold for every version, and may be the key.
    rows = Where(direct=[*where.direct, f"id IN ({page_ids})"], outer=list(where.outer))
    if _fixed_trace(table):
        # The page's rows through the trace index too, not the id index alone.
        rows.trace_set = where.trace_set
    return select_latest(table, columns, rows) + f" ORDER BY {order}"


def count_sql(table: str, columns: Sequence[str], where: Where) -> str:
    """How many rows ``where`` matches (the same deduplicated subquery, counted)."""
    latest = select_latest(table, narrow_columns(columns), where, select="id")
    return f"SELECT count() FROM ({latest})"


def time_range(
    where: Where,
    params: Params,
    column: str,
    start: datetime | None,
    end: datetime | None,
) -> None:
    """``start <= column < end`` as narrowing conditions (either bound may be None)."""
    if start is not None:
        where.narrowing(f"{column} >= {params.time(start)}")
    if end is not None:
        where.narrowing(f"{column} < {params.time(end)}")


def keyset(where: Where, params: Params, column: str, after: tuple[datetime, str]) -> None:
    """Rows strictly after ``after`` in ``column DESC, id DESC`` order.

    Not a narrowing: walking from the newest rows, nearly every row is older than the
    cursor, and a semi-join that keeps almost everything costs more than it saves.
    """
    time, last_id = params.time(after[0]), params.bind(after[1], "String")
    where.outer.append(f"({column} < {time} OR ({column} = {time} AND id < {last_id}))")


# The deduplication keeps every column the conditions may name (the pruner drops the
# others): the key columns and the filterable ones, never the payload columns.
_TRACE_CONDITION_COLUMNS = tuple(
    dict.fromkeys(("id", "project_id", "event_ts", "is_deleted",
                   *(column.field for column in TRACE_FILTERS.values())))
)  # fmt: skip


def live_trace_ids(traces: str, where: Where) -> str:
    """``(SELECT id …)`` of the live traces matching ``where``: a set for ``IN``."""
    return f"({select_latest(traces, _TRACE_CONDITION_COLUMNS, where, select='id')})"


def trace_ids_in(traces: str, where: Where) -> str:
    """``trace_id IN`` the live traces matching ``where``."""
    return f"trace_id IN {live_trace_ids(traces, where)}"
