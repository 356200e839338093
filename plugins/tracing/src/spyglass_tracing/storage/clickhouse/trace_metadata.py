"""Trace versions by metadata entry: the candidates of a list filtered by one value.

``traces`` is sorted by time, so a newest-first page of the traces whose metadata holds
one value reads the metadata of the newest traces until enough match (at 10 M
observations, with one trace in 500 matching, 37,500 traces' metadata for a page: 9 to
14 ms of a 50 ms read). ``trace_metadata`` (migration ``0013``) holds one row per
metadata entry of every trace version: the key, a hash of the value, and the version's
time, id and deletion flag, sorted by ``(project_id, key, value_hash, toDate(timestamp),
timestamp, id)``. A materialized view fills it as ``traces`` takes rows.

It replaces ``traces`` as the stream of candidate versions a newest-first page is cut
from (``newest_first.PrefixScan``). Every version carrying the entry is there, so the
newest version of every trace that matches is, and that is all the page's exact step
needs: it checks each candidate's newest version in ``traces`` against every condition,
which drops versions whose entry a later version changed and hash collisions alike. So
nothing is ever tombstoned here. Deletes delete a trace's rows here before its versions
(``deletions``), as for the other lookup tables.
"""

from __future__ import annotations

from datetime import datetime

from spyglass_tracing.domain.queries import FilterCondition, TraceQuery
from spyglass_tracing.storage.clickhouse.queries.select import Params

__all__ = ("TRACE_METADATA_TABLE", "MetadataEntry", "metadata_entry")

TRACE_METADATA_TABLE = "trace_metadata"


class MetadataEntry:
    """The one metadata entry (and time range) a ``GET /traces`` query asks for.

    Args:
        table: the qualified ``trace_metadata``.
        key: the metadata key.
        value: the value it must hold.
        start: the earliest ``timestamp`` (inclusive), if any.
        end: the end of the time range (exclusive), if any.
    """

    def __init__(
        self, table: str, key: str, value: str, start: datetime | None, end: datetime | None
    ) -> None:
        self._table = table
        self._key = key
        self._value = value
        self._start = start
        self._end = end

    def prefix_sql(self, params: Params, n: int) -> str:
        """The first ``n`` candidate versions ``(id, timestamp, day)``, newest first: those
        carrying the entry, read in the table's order after its fixed key and value."""
        conditions = [
            "project_id = {project_id:String}",
            f"key = {params.bind(self._key, 'String')}",
            f"value_hash = cityHash64({params.bind(self._value, 'String')})",
            "is_deleted = 0",
        ]
        if self._start is not None:
            conditions.append(f"`timestamp` >= {params.time(self._start)}")
        if self._end is not None:
            conditions.append(f"`timestamp` < {params.time(self._end)}")
        return (
            f"SELECT id, `timestamp`, toDate(`timestamp`) FROM {self._table} "
            f"WHERE {' AND '.join(conditions)} "
            "ORDER BY toDate(`timestamp`) DESC, `timestamp` DESC, id DESC "
            f"LIMIT {params.bind(n, 'UInt64')}"
        )


def metadata_entry(query: TraceQuery, table: str) -> MetadataEntry | None:
    """The entry when ``query``'s only condition is one metadata value (besides a time
    range): then ``trace_metadata`` (``table``) streams the candidates. With any other
    condition its candidates could mostly fail the others, so the page reads ``traces``;
    so does an empty value, which a trace without the key matches too (it reads as '')
    and which no entry of the table stands for."""
    others = (query.user_id, query.session_id, query.name, query.version, query.release)
    if any(value is not None for value in others) or query.environments or query.tags:
        return None
    if len(query.filters) != 1:
        return None
    condition: FilterCondition = query.filters[0]
    if not (
        condition.type == "stringObject"
        and condition.column == "metadata"
        and condition.operator == "="
        and isinstance(condition.key, str)
        and isinstance(condition.value, str)
        and condition.value != ""
    ):
        return None
    return MetadataEntry(
        table, condition.key, condition.value, query.from_timestamp, query.to_timestamp
    )
