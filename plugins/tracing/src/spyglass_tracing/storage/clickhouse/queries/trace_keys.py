"""Key tables: where each version of an observation or a score sits, found by its trace.

The observations and scores tables are sorted by project, day and id, so "the rows of
these traces" (a trace's detail, the default fields of a trace list, a page's scores)
used to scan every granule of the project's bloom index on ``trace_id``, which grows
with the project: about 1,200 granules at 10 M observations. A key table holds, per
written version, only the trace id and that version's sorting key, sorted by trace
(migration ``0006_trace_keys.sql``). A read by trace then takes the key tuples from
the key table by its own primary key and reads exactly those granules of the main
table, with ``(toDate(start_time), type, id) IN (…)`` on its primary key.

Exact, not approximate: the candidate tuples hold every version of every row that ever
named one of the traces, and deduplication runs on them. That is every version of such
a row because a row's trace never changes once set (the merge rules in
``domain/merge.py``): all its versions with a trace name the same one, and versions
written before the trace was set are older than any that has it. Key rows are written
before the rows they point at, so a crash in between leaves a key row that points at
nothing (harmless) rather than a row the key table misses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ("KEYED_BY_TRACE", "TraceKeys")


@dataclass(frozen=True)
class TraceKeys:
    """How one table's rows are found by trace through its key table.

    The key table copies the columns the main table's sorting key is computed from, not
    the computed day: ``toDate`` follows the server's time zone, so both sides of the
    match are computed by the same server.
    """

    table: str
    """The main table's plain name."""
    key_table: str
    """The key table's plain name."""
    time_column: str
    """The main table's time column, whose day is in its sorting key."""
    second_column: str
    """The sorting key's column between the day and the id."""

    @property
    def columns(self) -> tuple[str, ...]:
        """The key table's columns, in insert order."""
        return ("project_id", "trace_id", self.time_column, self.second_column, "id")

    def candidates(self, database: str, trace_set: str) -> str:
        """The main-table condition: its key is one a version of these traces' rows has."""
        key = f"toDate(`{self.time_column}`), `{self.second_column}`, id"
        return (
            f"({key}) IN (SELECT {key} FROM {database}.{self.key_table} "
            f"WHERE project_id = {{project_id:String}} AND trace_id IN {trace_set})"
        )

    def rows(self, rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> list[list[Any]]:
        """The key rows of main-table ``rows`` (given in ``columns`` order).

        Rows without a trace (scores of a session or a dataset run) get none: nothing
        reads them by trace.
        """
        at = [columns.index(column) for column in self.columns]
        trace = columns.index("trace_id")
        return [[row[i] for i in at] for row in rows if row[trace]]


KEYED_BY_TRACE: dict[str, TraceKeys] = {
    "observations": TraceKeys("observations", "observation_keys", "start_time", "type"),
    "scores": TraceKeys("scores", "score_keys", "timestamp", "name"),
}
"""The tables with a key table, by plain name."""
