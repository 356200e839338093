"""Rows whose versions sit on more than one day of their table's sorting key.

The trace, observation and score tables are sorted by ``(project_id, toDate(<time>), …)``.
An update may change a row's time (a trace's timestamp moves back when its root span
arrives after a child), so the versions of one row may sit under different days. The
newest-first lists (``newest_first``) check a page's candidate ids against their newest
versions. Looking those up by id alone probes the ``id`` bloom filter of every granule of
the project (at 10 M observations about 75 ms a page); looking them up on the days the
candidates were seen on goes through the primary key (about 15 ms), but would miss a newer
version on another day. ``moved_rows`` (migration ``0010``) closes that gap: for every row
whose versions span more than one day it holds each of those days, and a page reads the
days it saw plus the days recorded for its ids (``versions_condition``).

It stays complete by induction: a row's first version has one day, and a write that puts
a row on another day than its stored newest version records both days before the version
is inserted (a crash in between leaves an extra day, never a missing one). Deletes remove
versions, never add days; rows of deleted traces may keep their entries (ids and days).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_tracing.domain.time import utc
from spyglass_tracing.storage.clickhouse.queries.select import Params

__all__ = ("MOVED_ROWS_TABLE", "MovedRows", "Row", "versions_condition")

Row = Trace | Observation | Score

MOVED_ROWS_TABLE = "moved_rows"
_COLUMNS = ("project_id", "kind", "id", "day")
# The table each kind of row lives in (the ``kind`` recorded), with its sorting time.
_KINDS: Mapping[type, tuple[str, str]] = {
    Trace: ("traces", "`timestamp`"),
    Observation: ("observations", "start_time"),
    Score: ("scores", "`timestamp`"),
}


def versions_condition(
    time_column: str, kind: str, moved_rows: str, params: Params, ids: str, days: Sequence[date]
) -> str:
    """A condition on a table's rows: on one of ``days`` or on a day ``moved_rows`` holds
    for one of ``ids`` (an ``Array(String)`` placeholder). ClickHouse builds the set
    before it analyses the primary key, so the condition prunes by day."""
    return (
        f"toDate({time_column}) IN (SELECT arrayJoin({params.bind(list(days), 'Array(Date)')}) "
        f"UNION ALL SELECT day FROM {moved_rows} WHERE project_id = {{project_id:String}} "
        f"AND kind = {params.bind(kind, 'String')} AND id IN {ids})"
    )


class MovedRows:
    """Records the days of the rows a write moves to another day.

    Args:
        rows: runs a query with its parameters and returns the rows (the store's thread).
        insert_rows: inserts rows into a table (by its bare name) with these columns.
        table: qualifies a table name with the store's database.
    """

    def __init__(
        self,
        rows: Callable[[str, dict[str, Any]], list[Sequence[Any]]],
        insert_rows: Callable[[str, list[list[Any]], Sequence[str]], None],
        table: Callable[[str], str],
    ) -> None:
        self._rows = rows
        self._insert_rows = insert_rows
        self._table = table
        self._zone: ZoneInfo | None = None

    def record(self, written: Sequence[Row], replaces: Iterable[Row] | None) -> None:
        """Record the days of every row in ``written`` whose versions will span several.

        ``replaces`` are the stored newest versions ``written`` were merged from (None:
        not known, and the stored days are read back, probing the id index).
        """
        if replaces is None:
            moved = self._moved_from_stored_days(written)
        else:
            moved = self._moved_from_replaced(written, replaces)
        entries = {
            (row.project_id, _KINDS[type(row)][0], row.id, day)
            for row, days in moved
            for day in days
        }
        if entries:
            self._insert_rows(MOVED_ROWS_TABLE, [list(entry) for entry in sorted(entries)],
                              _COLUMNS)  # fmt: skip

    def _moved_from_replaced(
        self, written: Sequence[Row], replaces: Iterable[Row]
    ) -> list[tuple[Row, set[date]]]:
        # Most rows of a merge are new or keep their time: only a changed time is
        # converted to days (the worker's groups hold thousands of rows).
        stored = {(type(row), row.project_id, row.id): _time(row) for row in replaces}
        moved = []
        for row in written:
            before = stored.get((type(row), row.project_id, row.id))
            if before is not None and before != _time(row):
                days = {self._day(before), self._day(_time(row))}
                if len(days) > 1:
                    moved.append((row, days))
        return moved

    def _moved_from_stored_days(self, written: Sequence[Row]) -> list[tuple[Row, set[date]]]:
        stored: dict[tuple[type, str, str], set[date]] = defaultdict(set)
        ids: dict[tuple[type, str], set[str]] = defaultdict(set)
        for row in written:
            ids[type(row), row.project_id].add(row.id)
        for (row_type, project_id), row_ids in ids.items():
            kind, time_column = _KINDS[row_type]
            params = Params(project_id)
            sql = (
                f"SELECT DISTINCT id, toDate({time_column}) FROM {self._table(kind)} "
                f"WHERE project_id = {{project_id:String}} "
                f"AND id IN {params.strings(sorted(row_ids))}"
            )
            for row_id, day in self._rows(sql, params.values):
                stored[row_type, project_id, row_id].add(day)
        moved = []
        for row in written:
            days = stored.get((type(row), row.project_id, row.id), set())
            days = days | {self._day(_time(row))}
            if len(days) > 1:
                moved.append((row, days))
        return moved

    def _day(self, time: datetime) -> date:
        """The day of ``time`` in a table's key: ``toDate`` in the server's time zone (a
        ``DateTime64`` column without one uses the server's)."""
        if self._zone is None:
            self._zone = ZoneInfo(str(self._rows("SELECT timezone()", {})[0][0]))
        return utc(time).astimezone(self._zone).date()


def _time(row: Row) -> datetime:
    """The time a row's table sorts it by."""
    return row.start_time if isinstance(row, Observation) else row.timestamp
