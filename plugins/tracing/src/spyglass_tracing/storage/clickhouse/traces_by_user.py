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
``event_ts``. A version written older than the stored newest (``upsert_traces`` accepts
any ``event_ts``) gets one under its own user at the newest's ``event_ts`` instead.
By induction over the writes, the newest row of a trace under a user is live exactly
when the trace's newest version names that user, and then it is that version.

A crash between the tombstone and the version hides the trace from the user it leaves
until the write is retried (the worker retries until it is applied, and reads the same
stored version again, so it writes the tombstone again); a batch the worker gives up on
(dead-lettered) leaves it hidden there until the trace is written again. A crash can
never leave a stale live row. Deletes remove a trace's rows here before its versions
(``deletions``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from spyglass_core.domain.tracing import Trace
from spyglass_tracing.domain.time import utc
from spyglass_tracing.storage.clickhouse.queries.select import Params, Where

__all__ = ("TRACES_BY_USER_TABLE", "UserTombstones", "of_user", "users_rows_sql", "users_traces")

TRACES_BY_USER_TABLE = "traces_by_user"
_TOMBSTONE_COLUMNS = ("project_id", "user_id", "id", "timestamp", "event_ts", "is_deleted")


def of_user(traces: str, where: Where, params: Params, user_id: str) -> str:
    """Limit ``where`` to ``user_id``'s rows and return the table to read them from:
    ``traces_by_user`` beside ``traces`` (a qualified name). There the user is the key's,
    the same for every version of a row: a ``direct`` condition."""
    where.direct.append(f"user_id = {params.bind(user_id, 'String')}")
    where.scattered = True  # a user's rows are adjacent: no newest-first walk
    return _by_user(traces)


def users_traces(
    traces: str, params: Params, user_ids: Sequence[str], ids: Sequence[str] | None = None
) -> str:
    """The live traces whose newest version names one of ``user_ids`` (and, when given,
    whose id is one of ``ids``), one row each (that version), as a subquery to read
    instead of ``traces`` (a qualified name).

    Each user's rows are deduplicated apart: a trace that left user A for user B has a
    tombstone under A at the ``event_ts`` of its live row under B, and deduplicating both
    users' rows by id alone could keep either. Then at most one live row per trace is
    left, under the user its newest version names. ``ids`` go inside, before the
    deduplication, read through the key: ClickHouse moves a filter on ids below
    ``LIMIT 1 BY`` itself only since mid-2026, and a remote server may be older.
    """
    conditions = f"user_id IN {params.strings(user_ids)}"
    if ids is not None:
        conditions += f" AND id IN {params.strings(ids)}"
    return (
        f"(SELECT * FROM (SELECT * FROM {_by_user(traces)} "
        f"WHERE project_id = {{project_id:String}} AND {conditions} "
        "ORDER BY event_ts DESC LIMIT 1 BY user_id, id) WHERE is_deleted = 0)"
    )


def users_rows_sql(traces: str, params: Params, user_ids: Sequence[str], most: int) -> str:
    """``SELECT count()`` of the row versions (tombstones too) ``user_ids`` have in
    ``traces_by_user`` beside ``traces``, counted up to ``most + 1``: whether sorting
    their traces whole is cheap, without reading all of a user with millions."""
    return (
        f"SELECT count() FROM (SELECT 1 FROM {_by_user(traces)} "
        f"WHERE project_id = {{project_id:String}} AND user_id IN {params.strings(user_ids)} "
        f"LIMIT {params.bind(most + 1, 'UInt64')})"
    )


def _by_user(traces: str) -> str:
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
        """Write the tombstones ``written`` calls for; call before inserting ``written``.

        A version that becomes its trace's newest hides the trace from every other user
        the trace's versions named. A version written older than the stored newest (an
        ``upsert`` with an earlier ``event_ts``) is hidden itself, under its own user, at
        the newest version's ``event_ts``. Several versions of one trace count in
        ``event_ts`` order.

        ``replaces``: the stored newest versions the rows were merged from (None: not
        known, and the stored versions' users and times are read back). ``now``: the
        ``event_ts`` of a version written without one.
        """
        if not written:
            return
        stored = self._stored(written) if replaces is None else _replaced(replaces)
        tombstones: list[list[Any]] = []
        ordered = sorted(written, key=lambda t: (t.project_id, t.id, utc(t.event_ts or now)))
        for trace in ordered:
            key = (trace.project_id, trace.id)
            state = stored.setdefault(key, _Stored())
            event_ts = utc(trace.event_ts or now)
            if state.newest is None or event_ts > state.newest:
                left = sorted(state.users - {trace.user_id})
                tombstones.extend(_tombstone(trace, user, event_ts) for user in left)
                state.newest, state.newest_user = event_ts, trace.user_id
            elif trace.user_id is not None and trace.user_id != state.newest_user:
                tombstones.append(_tombstone(trace, trace.user_id, state.newest))
            if trace.user_id is not None:
                state.users.add(trace.user_id)
        if tombstones:
            self._insert_rows(TRACES_BY_USER_TABLE, tombstones, _TOMBSTONE_COLUMNS)

    def _stored(self, written: Sequence[Trace]) -> dict[tuple[str, str], _Stored]:
        """What the stored versions of these traces say (probes the id index)."""
        ids: dict[str, set[str]] = defaultdict(set)
        for trace in written:
            ids[trace.project_id].add(trace.id)
        stored: dict[tuple[str, str], _Stored] = {}
        for project_id, trace_ids in ids.items():
            params = Params(project_id)
            sql = (
                f"SELECT id, user_id, max(event_ts) FROM {self._table('traces')} "
                "WHERE project_id = {project_id:String} "
                f"AND id IN {params.strings(sorted(trace_ids))} GROUP BY id, user_id"
            )
            for trace_id, user_id, event_ts in self._rows(sql, params.values):
                state = stored.setdefault((project_id, trace_id), _Stored())
                state.saw(user_id, utc(event_ts))
        return stored


@dataclass
class _Stored:
    """A trace's stored versions as far as the tombstones go."""

    users: set[str] = field(default_factory=set)
    newest: datetime | None = None
    newest_user: str | None = None

    def saw(self, user_id: str | None, event_ts: datetime) -> None:
        if user_id is not None:
            self.users.add(user_id)
        if self.newest is None or event_ts > self.newest:
            self.newest, self.newest_user = event_ts, user_id


def _replaced(replaces: Iterable[Any]) -> dict[tuple[str, str], _Stored]:
    """The worker's stored newest versions: by induction, no other user is live."""
    stored: dict[tuple[str, str], _Stored] = {}
    for row in replaces:
        if isinstance(row, Trace):
            state = stored.setdefault((row.project_id, row.id), _Stored())
            state.saw(row.user_id, utc(row.event_ts) if row.event_ts else _EARLIEST)
    return stored


def _tombstone(trace: Trace, user_id: str, event_ts: datetime) -> list[Any]:
    return [trace.project_id, user_id, trace.id, utc(trace.timestamp), event_ts, 1]


_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
