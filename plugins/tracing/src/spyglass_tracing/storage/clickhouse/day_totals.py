"""Totals of filtered trace lists, kept per UTC day and counted again only for changed days.

The total of ``GET /traces`` with conditions (a tag, a name, a metadata value) counts
every matching trace once, deduplicating their versions: 0.3 to 0.6 s at 10 M
observations. ``TotalsCache`` keeps a total while the tables' parts stay the same, but
under ingestion every write changes them, and the whole count ran again for each page.

Here a total is the sum of per-day counts (the UTC day of each trace's newest version),
kept per query in memory. A later count reads the daily rollup's marks
(``daily_rollup``): every write of trace rows marks each day holding a version of those
traces after the rows are stored, a delete marks every day. Only the days marked since
the counts were taken are counted again, through the key and ``moved_rows`` as the
rollup's are; a delete's mark counts every day again. The argument is the rollup's: a
mark earlier than the server time read before the marks belongs to a write the count
sees, a later one leaves its day to count next time. Every condition of ``GET /traces``
is on the trace's own columns, so nothing but a trace write changes a count.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from spyglass_tracing.storage.clickhouse.daily_rollup import EVERY_DAY, DailyRollup, day_ranges
from spyglass_tracing.storage.clickhouse.queries.metrics import within_ranges
from spyglass_tracing.storage.clickhouse.queries.select import Params, Where, select_latest

__all__ = ("DayTotals",)

_ENTRIES = 256
_DAY = "toDate(`timestamp`, 'UTC')"


@dataclass
class _Counts:
    counted_at: datetime
    """The server's time read before the marks the counts are up to date with."""
    days: dict[date, int] = field(default_factory=dict)


class DayTotals:
    """Per-day counts of filtered trace lists, one entry per query; on the store's thread.

    Args:
        rows: runs a query with parameters and returns its rows.
        rollup: the daily rollup, whose marks say which days changed.
        traces: the qualified ``traces`` table.
        moved_rows: the qualified ``moved_rows`` table.
    """

    def __init__(
        self,
        rows: Callable[[str, dict[str, Any]], list[Sequence[Any]]],
        rollup: DailyRollup,
        traces: str,
        moved_rows: str,
    ) -> None:
        self._rows = rows
        self._rollup = rollup
        self._traces = traces
        self._moved_rows = moved_rows
        self._entries: OrderedDict[tuple[str, str], _Counts] = OrderedDict()

    def total(
        self,
        project_id: str,
        key: tuple[str, str],
        conditions: Callable[[Params], Where],
        columns: Sequence[str],
    ) -> int:
        """How many live traces ``conditions`` match; ``key`` names the query (its SQL and
        parameters), ``columns`` are those the conditions name."""
        marks, started = self._rollup.marks(project_id)
        kept = self._entries.get(key)
        changed: list[date] | None = None  # None: every day
        if kept is not None and started is not None:
            every = marks.get(EVERY_DAY)
            if every is None or every < kept.counted_at:
                changed = [day for day, mark in marks.items() if mark >= kept.counted_at]
        if kept is None or changed is None:
            kept = _Counts(counted_at=started or datetime.min.replace(tzinfo=UTC))
            kept.days = self._count(project_id, conditions, columns, None)
        elif changed:
            counted = self._count(project_id, conditions, columns, changed)
            for day in changed:
                kept.days.pop(day, None)
            kept.days.update(counted)
        if started is not None:
            kept.counted_at = started
            self._entries[key] = kept
            self._entries.move_to_end(key)
            while len(self._entries) > _ENTRIES:
                self._entries.popitem(last=False)
        return sum(kept.days.values())

    def _count(
        self,
        project_id: str,
        conditions: Callable[[Params], Where],
        columns: Sequence[str],
        days: Sequence[date] | None,
    ) -> dict[date, int]:
        """The matching traces per day, on ``days`` only when given."""
        params = Params(project_id)
        where = conditions(params)
        if days is not None:
            within_ranges(self._traces, where, params, day_ranges(days), self._moved_rows)
        latest = select_latest(self._traces, columns, where, select=f"{_DAY} AS day")
        sql = f"SELECT day, count() FROM ({latest}) GROUP BY day"
        return {row[0]: int(row[1]) for row in self._rows(sql, params.values)}
