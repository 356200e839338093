"""Daily metrics from a rollup per (project, UTC day), computed again only for changed days.

Deduplicating every trace of a 30-day window costs seconds at ten million observations,
and nearly all of those days never change again. So ``GET /metrics/daily`` without
filters reads one ``daily_rollup`` row per day (migration ``0007``) and computes from the
traces only the days that changed since their row was computed:

- every write of trace rows marks, after its data is stored, each day that holds a
  version of those traces (the new ones and any a trace moved away from) in
  ``changed_days``, with the server's clock; a delete marks ``EVERY_DAY``;
- a read takes the server's time first, then reads the marks and the rollup rows. A day
  whose newest mark is not earlier than its row's ``computed_ts`` (or that has no row)
  is computed from the traces, and its row is written with that first time.

A write marks after its data is visible, so a mark earlier than a computation's start
means the computation saw the write; a later mark leaves the day changed. The rollup is
a function of the stored rows, never adjusted by deltas: a retried write, or two readers
computing one day together, leave it exact. A crash between a write and its mark is
healed by the retry the write is owed (the ingestion worker reapplies its batch, the
erasure deletes again). Partial days at the window's edges are computed each time and
not kept, and a filtered query (user, name, environment, tags) reads the traces as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from spyglass_tracing.domain.queries import MetricsQuery
from spyglass_tracing.domain.time import utc
from spyglass_tracing.storage.clickhouse.moved_rows import MOVED_ROWS_TABLE
from spyglass_tracing.storage.clickhouse.queries.metrics import daily_sql
from spyglass_tracing.storage.clickhouse.queries.select import Params

__all__ = ("EVERY_DAY", "DailyRollup", "DayUsage", "day_ranges", "fold_daily_rows", "unfiltered")

EVERY_DAY = date(1970, 1, 1)
"""The mark that changes every day of a project (a delete of traces)."""

_ONE_DAY = timedelta(days=1)
_ROLLUP_COLUMNS = ["project_id", "day", "computed_ts", "traces", "models"]

ModelRow = tuple[Any, ...]
"""``(model, traces, observations, input, output, total, cost)`` of one model on one day."""


@dataclass
class DayUsage:
    """What one day adds up to: its live traces and its observations per model."""

    traces: int = 0
    models: list[ModelRow] = field(default_factory=list)


def fold_daily_rows(rows: Iterable[Sequence[Any]]) -> dict[str, DayUsage]:
    """The rows of ``daily_sql`` per day (``YYYY-MM-DD``)."""
    days: dict[str, DayUsage] = defaultdict(DayUsage)
    for day, bare, model, n, n_obs, inputs, outputs, totals, cost, firsts in rows:
        usage = days[day]
        usage.traces += int(n if bare else firsts)
        if not bare:
            usage.models.append(
                (model, int(n), int(n_obs), int(inputs), int(outputs), int(totals), cost)
            )
    return dict(days)


def unfiltered(query: MetricsQuery) -> bool:
    """Whether ``query`` asks for whole projects' days, which the rollup serves."""
    return (
        query.user_id is None
        and query.trace_name is None
        and not query.environments
        and not query.tags
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


class DailyRollup:
    """The rollup tables of one database, used on the client's thread.

    Args:
        rows: runs a query with parameters and returns its rows.
        insert: inserts rows, given by column, into a table (an unqualified name).
        table: qualifies a table name with the tracing database.
    """

    def __init__(
        self,
        rows: Callable[[str, dict[str, Any]], list[Sequence[Any]]],
        insert: Callable[[str, list[list[Any]], Sequence[str]], None],
        table: Callable[[str], str],
    ) -> None:
        self._rows = rows
        self._insert = insert
        self._table = table

    # --- writes ---------------------------------------------------------------------------

    def mark_traces(self, project_id: str, trace_ids: Sequence[str]) -> None:
        """Mark the days holding any version of these traces: call after writing them.

        The old versions' days count too: a trace whose timestamp moved to another day
        leaves the day it was counted in.
        """
        if not trace_ids:
            return
        sql = (
            f"SELECT DISTINCT toDate(`timestamp`, 'UTC') FROM {self._table('traces')} "
            "WHERE project_id = {project_id:String} AND id IN {ids:Array(String)}"
        )
        rows = self._rows(sql, {"project_id": project_id, "ids": list(trace_ids)})
        self._mark([(project_id, row[0]) for row in rows])

    def mark_every_day(self, project_id: str) -> None:
        """Mark every day of the project: call after deleting its traces."""
        self._mark([(project_id, EVERY_DAY)])

    def _mark(self, days: Sequence[tuple[str, date]]) -> None:
        if days:
            self._insert("changed_days", [list(day) for day in days], ["project_id", "day"])

    # --- reads ----------------------------------------------------------------------------

    def days(self, project_id: str, query: MetricsQuery) -> dict[str, DayUsage]:
        """Every day of ``query``'s window (``unfiltered``) with what it adds up to."""
        start = utc(query.from_timestamp) if query.from_timestamp is not None else None
        end = utc(query.to_timestamp) if query.to_timestamp is not None else None
        marks, started = self.marks(project_id)
        # A delete's mark makes every day changed; it is a day of its own too (a client
        # clock at zero puts traces on it).
        every = marks.get(EVERY_DAY)
        whole = [
            day
            for day in marks
            if (start is None or _midnight(day) >= start)
            and (end is None or _midnight(day) + _ONE_DAY <= end)
        ]
        kept = self._kept(project_id, whole)
        changed = []
        for day in whole:
            row = kept.get(day)
            newest_mark = max(marks[day], every) if every is not None else marks[day]
            if row is None or row[0] <= newest_mark:
                changed.append(day)
        ranges = [(_midnight(day), _midnight(day) + _ONE_DAY) for day in changed]
        ranges.extend(_partial_days(start, end))
        computed = self._compute(project_id, query, ranges) if ranges else {}
        self._keep(project_id, changed, computed, started)
        for day in changed:
            kept.pop(day, None)
        result = {str(day): DayUsage(int(row[1]), _model_rows(row[2])) for day, row in kept.items()}
        result.update(computed)  # the changed days and the partial days at the edges
        return result

    def marks(self, project_id: str) -> tuple[dict[date, datetime], datetime | None]:
        """The newest mark of each day, and the server's time before they were read
        (None when the project has no mark yet)."""
        sql = (
            "SELECT day, max(changed_ts), any(now64(6)) "
            f"FROM {self._table('changed_days')} "
            "WHERE project_id = {project_id:String} GROUP BY day"
        )
        rows = self._rows(sql, {"project_id": project_id})
        started = rows[0][2] if rows else None
        return {row[0]: row[1] for row in rows}, started

    def _kept(self, project_id: str, days: Sequence[date]) -> dict[date, Sequence[Any]]:
        """The newest rollup row of each of ``days``: ``(computed_ts, traces, models)``."""
        if not days:
            return {}
        sql = (
            f"SELECT day, computed_ts, traces, models FROM {self._table('daily_rollup')} "
            "WHERE project_id = {project_id:String} AND day IN {days:Array(Date)} "
            "ORDER BY computed_ts DESC LIMIT 1 BY day"
        )
        parameters = {"project_id": project_id, "days": list(days)}
        return {row[0]: row[1:] for row in self._rows(sql, parameters)}

    def _compute(
        self,
        project_id: str,
        query: MetricsQuery,
        ranges: Sequence[tuple[datetime, datetime]],
    ) -> dict[str, DayUsage]:
        params = Params(project_id)
        sql = daily_sql(self._table("traces"), query, params, ranges=_joined(ranges),
                        moved_rows=self._table(MOVED_ROWS_TABLE))  # fmt: skip
        return fold_daily_rows(self._rows(sql, params.values))

    def _keep(
        self,
        project_id: str,
        days: Sequence[date],
        computed: dict[str, DayUsage],
        started: datetime | None,
    ) -> None:
        """Write the rows of days computed whole; a day without traces keeps a zero row."""
        if not days or started is None:
            return
        rows = []
        for day in days:
            usage = computed.get(str(day), DayUsage())
            rows.append([project_id, day, started, usage.traces, usage.models])
        self._insert("daily_rollup", rows, _ROLLUP_COLUMNS)


def _model_rows(models: Sequence[Any]) -> list[ModelRow]:
    """The ``models`` column's tuples (the client reads a named tuple as a dict)."""
    return [tuple(m.values()) if isinstance(m, dict) else tuple(m) for m in models]


def _partial_days(start: datetime | None, end: datetime | None) -> list[tuple[datetime, datetime]]:
    """The parts of days the window cuts at its edges, computed each time."""
    if start is not None and end is not None and start >= end:
        return []
    ranges = []
    first_midnight = None
    if start is not None and start != _midnight(start.date()):
        first_midnight = _midnight(start.date()) + _ONE_DAY
        ranges.append((start, first_midnight if end is None else min(first_midnight, end)))
    if end is not None and end != _midnight(end.date()):
        last_midnight = _midnight(end.date())
        if first_midnight is None or last_midnight >= first_midnight:
            ranges.append((last_midnight if start is None else max(last_midnight, start), end))
    return ranges


def day_ranges(days: Iterable[date]) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` of each UTC day of ``days``, adjacent days joined."""
    return _joined([(_midnight(day), _midnight(day) + _ONE_DAY) for day in days])


def _joined(ranges: Sequence[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """``ranges`` sorted, adjacent ones joined: thirty changed days are one range."""
    joined: list[tuple[datetime, datetime]] = []
    for low, high in sorted(ranges):
        if joined and low <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(high, joined[-1][1]))
        else:
            joined.append((low, high))
    return joined
