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
versions, never add days, and take the deleted rows' entries with them. The worker, which
hands the store the versions it merged from, reads live rows only: it never writes
tombstones (deletes are lightweight ``DELETE``s), so none is hidden from it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_tracing.domain.time import utc
from spyglass_tracing.storage.clickhouse.queries.select import Params

__all__ = ("MOVED_ROWS_TABLE", "MovedRows", "Row", "recorded_days_sql", "versions_condition")

Row = Trace | Observation | Score

MOVED_ROWS_TABLE = "moved_rows"
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
        f"UNION ALL {recorded_days_sql(kind, moved_rows, params, ids)})"
    )


def recorded_days_sql(kind: str, moved_rows: str, params: Params, ids: str) -> str:
    """``SELECT day`` of the days ``moved_rows`` holds for the ``kind`` rows ``ids`` (SQL
    that ``IN`` accepts: a placeholder or a parenthesized subquery)."""
    return (
        f"SELECT day FROM {moved_rows} WHERE project_id = {{project_id:String}} "
        f"AND kind = {params.bind(kind, 'String')} AND id IN {ids}"
    )


class MovedRows:
    """Records the days of the rows a write moves to another day.

    Which rows may have moved is decided here, from the times (cheaply, in the server's
    time zone); the days recorded are computed by ClickHouse with the key's own
    function, so they are the key's days even for times outside ``Date``'s range
    (where ``toDate`` clamps or wraps, the same way on both sides).

    Args:
        rows: runs a query with its parameters and returns the rows (the store's thread).
        command: runs a statement with its parameters.
        table: qualifies a table name with the store's database.
    """

    def __init__(
        self,
        rows: Callable[[str, dict[str, Any]], list[Sequence[Any]]],
        command: Callable[[str, dict[str, Any]], None],
        table: Callable[[str], str],
    ) -> None:
        self._rows = rows
        self._command = command
        self._table = table
        self._zone: ZoneInfo | None = None  # the server's, once read (None: unknown here)
        self._zone_read = False

    def record(self, written: Sequence[Row], replaces: Iterable[Row] | None) -> None:
        """Record the days of every row in ``written`` whose versions will span several.

        ``replaces`` are the stored newest versions ``written`` were merged from (None:
        not known, and the stored times are read back, probing the id index).
        """
        if replaces is None:
            moved = self._moved_from_stored(written)
        else:
            moved = self._moved_from_replaced(written, replaces)
        entries = sorted({
            (row.project_id, _KINDS[type(row)][0], row.id, millis)
            for row, times in moved
            for time in times
            for millis in _millis(time)
        })  # fmt: skip
        if entries:
            statement = (
                f"INSERT INTO {self._table(MOVED_ROWS_TABLE)} (project_id, kind, id, day) "
                "SELECT e.1, e.2, e.3, toDate(fromUnixTimestamp64Milli(e.4)) "
                "FROM (SELECT arrayJoin({entries:Array(Tuple(String, String, String, Int64))})"
                " AS e)"
            )
            self._command(statement, {"entries": entries})

    def _moved_from_replaced(
        self, written: Sequence[Row], replaces: Iterable[Row]
    ) -> list[tuple[Row, list[datetime]]]:
        # Most rows of a merge are new or keep their time: only a changed time is
        # looked at (the worker's groups hold thousands of rows).
        stored = {(type(row), row.project_id, row.id): _time(row) for row in replaces}
        moved = []
        for row in written:
            before = stored.get((type(row), row.project_id, row.id))
            if before is not None and before != _time(row):
                times = [before, _time(row)]
                if self._may_span_days(times):
                    moved.append((row, times))
        return moved

    def _moved_from_stored(self, written: Sequence[Row]) -> list[tuple[Row, list[datetime]]]:
        stored: dict[tuple[type, str, str], list[datetime]] = defaultdict(list)
        ids: dict[tuple[type, str], set[str]] = defaultdict(set)
        for row in written:
            ids[type(row), row.project_id].add(row.id)
        for (row_type, project_id), row_ids in ids.items():
            kind, time_column = _KINDS[row_type]
            params = Params(project_id)
            sql = (
                f"SELECT DISTINCT id, toUnixTimestamp64Milli({time_column}) "
                f"FROM {self._table(kind)} WHERE project_id = {{project_id:String}} "
                f"AND id IN {params.strings(sorted(row_ids))}"
            )
            for row_id, millis in self._rows(sql, params.values):
                stored[row_type, project_id, row_id].append(_EPOCH + timedelta(milliseconds=millis))
        moved = []
        for row in written:
            times = [*stored.get((type(row), row.project_id, row.id), []), _time(row)]
            if len(times) > 1 and self._may_span_days(times):
                moved.append((row, times))
        return moved

    def _may_span_days(self, times: Sequence[datetime]) -> bool:
        """Whether the key may put ``times`` on different days: their days in the server's
        time zone differ, or one is near or outside ``Date``'s range (ClickHouse decides)."""
        if any(not _SAFE_FROM <= utc(time) < _SAFE_UNTIL for time in times):
            return True
        if not self._zone_read:
            name = str(self._rows("SELECT timezone()", {})[0][0])
            try:
                self._zone = ZoneInfo(name)
            except ZoneInfoNotFoundError:  # no time zone data here: let ClickHouse decide
                self._zone = None
            self._zone_read = True
        if self._zone is None:
            return len(set(times)) > 1
        zone = self._zone
        return len({utc(time).astimezone(zone).date() for time in times}) > 1


# Days inside ``Date``'s range (1970-01-01 to 2149-06-06) in every time zone.
_SAFE_FROM = datetime(1970, 1, 3, tzinfo=UTC)
_SAFE_UNTIL = datetime(2149, 6, 4, tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _millis(time: datetime) -> set[int]:
    """The milliseconds since the epoch the row's ``DateTime64(3)`` may hold for ``time``:
    both neighbours when it has a fraction of one (however the driver rounds it)."""
    micros = (utc(time) - _EPOCH) // timedelta(microseconds=1)
    return {micros // 1000, -(-micros // 1000)}


def _time(row: Row) -> datetime:
    """The time a row's table sorts it by."""
    return row.start_time if isinstance(row, Observation) else row.timestamp
