"""Newest-first pages of the public API without deduplicating the whole project.

A page sorted by time, newest first (``GET /traces``' default order, the observation
and score lists), is cut from a table whose sorting key starts with
``(project_id, toDate(<time>))``. ``prefix_sql`` reads the first ``m`` row versions that
may match in that order, in reverse, so ClickHouse reads the newest granules only
(``Read type: InReverseOrder``) whatever the table's size; where the key goes on with the
time itself (traces, tracing ``0008``) it stops after ``m`` rows instead of sorting the
newest day. The versions are deduplicated here, not with ``LIMIT 1 BY`` in the query,
which would keep ClickHouse from stopping early. ``exact_sql`` then deduplicates just
those ids and checks each one's newest version (returning the full rows, so a page costs
two queries), which is what makes the page exact. It reads their versions on the days
the prefix saw them on and on the days ``moved_rows`` records for them: every day that
holds a version of one of them, through the primary key rather than the id index.

every condition is one the newest version must meet, so a matching row's newest version
is in the stream of candidate versions, and its id appears in the stream no later than
that version does. So every matching row that sorts no later than the last version read
is among the ids, and the rows of ``exact`` up to there are the page's first rows
exactly. When outdated versions take too much of the prefix, it grows; after a few
rounds the caller falls back to deduplicating every candidate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from spyglass_tracing.storage.clickhouse.moved_rows import versions_condition
from spyglass_tracing.storage.clickhouse.queries.select import Params, Where, select_latest

__all__ = ("PrefixScan", "exact_sql", "prefix_sql")

# The first round reads half a page more versions than the page's rows: room for
# outdated versions of a tenth to a third of them. Each version read costs its granule
# in the exact step too (at 10 M observations, a metadata filter's page took 68 ms with
# three times the page, 38 with one and a half); a stream fuller of outdated versions
# takes a second round, eight times larger.
_FIRST_PREFIX_SLACK = 0.5
_MIN_FIRST_PREFIX_SLACK = 10
_PREFIX_GROWTH = 8
_PREFIX_ROUNDS = 3


def prefix_sql(table: str, time_column: str, where: Where, params: Params, n: int) -> str:
    """The first ``n`` candidate versions ``(id, time, day)``, newest time first; the day
    is the key's ``toDate`` of the time."""
    conditions = ["project_id = {project_id:String}", "is_deleted = 0", *where.direct,
                  *where.outer]  # fmt: skip
    return (
        f"SELECT id, {time_column}, toDate({time_column}) FROM {table} "
        f"WHERE {' AND '.join(conditions)} "
        f"ORDER BY toDate({time_column}) DESC, {time_column} DESC, id DESC "
        f"LIMIT {params.bind(n, 'UInt64')}"
    )


def exact_sql(
    table: str,
    columns: Sequence[str],
    time_column: str,
    where: Where,
    params: Params,
    ids: Sequence[str],
    days: Sequence[date],
    moved_rows: str,
) -> str:
    """The live rows among ``ids`` whose newest version matches, in the page order.

    ``days``: those the prefix saw the ids on; with the days ``moved_rows`` (the
    qualified table) holds for them, every day their versions are on.
    """
    bound_ids = params.strings(ids)
    kind = table.rpartition(".")[2]
    versions = versions_condition(time_column, kind, moved_rows, params, bound_ids, days)
    exact = Where(direct=[f"id IN {bound_ids}", versions], outer=list(where.outer))
    return f"{select_latest(table, columns, exact)} ORDER BY {time_column} DESC, id DESC"


class PrefixScan:
    """Runs the prefix scan for one page.

    Args:
        rows: runs a query with its parameters and returns the rows (the store's thread).
        table: the qualified table.
        columns: the columns of the rows returned, ``id`` first, with every column
            ``where`` names and the time column.
        time_column: the time the page is sorted on, the table's key's ``toDate`` of it.
        conditions: builds the page's ``Where`` on fresh parameters (one per query).
        project_id: the project every query is bound to.
        moved_rows: the qualified ``moved_rows`` table (``moved_rows.py``).
        prefix: builds the prefix query from another stream of candidate versions, on
            the page's parameters (a lookup table's, ``trace_metadata``); it must return
            what ``prefix_sql`` does, in its order, and hold the newest version of every
            row whose newest version matches, at that version's own time. None:
            ``prefix_sql`` on ``table``.
    """

    def __init__(
        self,
        rows: Callable[[str, dict[str, Any]], list[Sequence[Any]]],
        table: str,
        columns: Sequence[str],
        time_column: str,
        conditions: Callable[[Params], Where],
        project_id: str,
        moved_rows: str,
        prefix: Callable[[Params, int], str] | None = None,
    ) -> None:
        self._rows = rows
        self._prefix = prefix
        self._moved_rows = moved_rows
        self._table = table
        self._columns = columns
        self._time = time_column
        self._time_index = list(columns).index(time_column.strip("`"))
        self._conditions = conditions
        self._project_id = project_id

    def first(self, wanted: int) -> list[Sequence[Any]] | None:
        """The first ``wanted`` matching rows (fewer when there are no more), or None
        when outdated versions kept filling the prefix (the caller deduplicates all)."""
        if wanted <= 0:
            return []
        n = wanted + max(int(wanted * _FIRST_PREFIX_SLACK), _MIN_FIRST_PREFIX_SLACK)
        for _ in range(_PREFIX_ROUNDS):
            params = Params(self._project_id)
            where = self._conditions(params)
            if self._prefix is None:
                sql = prefix_sql(self._table, self._time, where, params, n)
            else:
                sql = self._prefix(params, n)
            prefix = self._rows(sql, params.values)
            if not prefix:
                return []
            ids = list(dict.fromkeys(str(row[0]) for row in prefix))  # in stream order
            days = sorted({row[2] for row in prefix})
            sql = exact_sql(self._table, self._columns, self._time, where, params, ids, days,
                            self._moved_rows)  # fmt: skip
            exact = self._rows(sql, params.values)
            if len(prefix) < n:  # the whole stream was read: every match is in ``exact``
                return exact[:wanted]
            last = (prefix[-1][1], str(prefix[-1][0]))
            at = self._time_index
            known = [row for row in exact if (row[at], str(row[0])) >= last]
            if len(known) >= wanted:
                return known[:wanted]
            n *= _PREFIX_GROWTH
        return None
