"""Traces by user: a user's traces side by side, for ``GET /traces?userId=``.

``traces`` is sorted by time, so one user's traces are spread over every day of the
project and a page of them read a granule for nearly each (at 10 M observations about
170 ms). ``traces_by_user`` (migration ``0011``) holds every trace version that names a
user again, sorted by ``(project_id, user_id, id)``: a materialized view copies each
version as ``traces`` takes it. A user's page deduplicates just that user's rows.

That is exact because of the tombstones this module writes. A trace may leave a user:
a later version names another user (the SDKs set ``userId`` on any update). Then the
user's rows of it would still hold a live version, the one before. So before a write
inserts a trace version, every user the trace's stored versions name other than the new
version's gets a tombstone of the trace (``is_deleted = 1``) at the new version's
``event_ts``. By induction over the writes, the newest row of a trace under a user is
live exactly when the trace's newest version names that user, and then it is that
version. A crash between the tombstone and the version hides the trace from the user it
leaves until the write is retried (the worker retries until it is applied, and reads
the same stored version again, so it writes the tombstone again); a crash can never
leave a stale live row. Deletes remove a trace's rows here with its versions
(``deletions``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from spyglass_core.domain.tracing import Trace
from spyglass_tracing.domain.time import utc
from spyglass_tracing.storage.clickhouse.queries.select import Params, Where

__all__ = ("TRACES_BY_USER_TABLE", "UserTombstones", "of_user")

TRACES_BY_USER_TABLE = "traces_by_user"
_TOMBSTONE_COLUMNS = ("project_id", "user_id", "id", "timestamp", "event_ts", "is_deleted")


def of_user(traces: str, where: Where, params: Params, user_id: str) -> str:
    """Limit ``where`` to ``user_id``'s rows and return the table to read them from:
    ``traces_by_user`` beside ``traces`` (a qualified name). There the user is the key's,
    the same for every version of a row: a ``direct`` condition."""
    where.direct.append(f"user_id = {params.bind(user_id, 'String')}")
    where.scattered = True  # a user's rows are adjacent: no newest-first walk
    return f"{traces.rpartition('.')[0]}.{TRACES_BY_USER_TABLE}"


class UserTombstones:
    """Writes the tombstones of the traces a write takes away from a user.

    Args:
        rows: runs a query with its parameters and returns the rows (the store's thread).
        insert_rows: inserts rows into a table (plain name) with the columns named.
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

    def record(
        self, written: Sequence[Trace], replaces: Iterable[Any] | None, now: datetime
    ) -> None:
        """Tombstone each of ``written`` under the users its stored versions name and it
        no longer does; call before inserting ``written``.

        ``replaces``: the stored newest versions the rows were merged from (None: not
        known, and the users of the stored versions are read back). ``now``: the
        ``event_ts`` of a version written without one.
        """
        if not written:
            return
        if replaces is None:
            stored = self._stored_users(written)
        else:
            stored = defaultdict(set)
            for row in replaces:
                if isinstance(row, Trace) and row.user_id is not None:
                    stored[row.project_id, row.id].add(row.user_id)
        tombstones = [
            [trace.project_id, user_id, trace.id, utc(trace.timestamp),
             utc(trace.event_ts or now), 1]
            for trace in written
            for user_id in sorted(stored.get((trace.project_id, trace.id), ()))
            if user_id != trace.user_id
        ]  # fmt: skip
        if tombstones:
            self._insert_rows(TRACES_BY_USER_TABLE, tombstones, _TOMBSTONE_COLUMNS)

    def _stored_users(self, written: Sequence[Trace]) -> dict[tuple[str, str], set[str]]:
        """The users every stored version of these traces names (probes the id index)."""
        ids: dict[str, set[str]] = defaultdict(set)
        for trace in written:
            ids[trace.project_id].add(trace.id)
        stored: dict[tuple[str, str], set[str]] = defaultdict(set)
        for project_id, trace_ids in ids.items():
            params = Params(project_id)
            sql = (
                f"SELECT DISTINCT id, user_id FROM {self._table('traces')} "
                "WHERE project_id = {project_id:String} "
                f"AND id IN {params.strings(sorted(trace_ids))} AND user_id IS NOT NULL"
            )
            for trace_id, user_id in self._rows(sql, params.values):
                stored[project_id, trace_id].add(user_id)
        return stored
