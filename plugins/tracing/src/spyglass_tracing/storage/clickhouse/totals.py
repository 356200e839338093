"""Totals of the offset-paged lists, kept while the tables stay as they were.

An exact total deduplicates every matching row version of the project: at a million
traces that costs a hundred milliseconds or more, far more than the page itself (see
``newest_first``). Paging through a result asks for the same total again and again, so
the store keeps each total with a fingerprint of the tracing tables' data parts. Every
insert, merge, mutation or deletion in ClickHouse replaces parts, so the fingerprint
changes with any write, by any process on the same server, and a total is only reused
while it cannot have changed. ``changed_days`` is in it too: a total counted from the daily
rollup depends on its marks, which a write adds after its rows (and a delete after
deleting); so are the lookup tables some totals are counted from (``traces_by_user``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

__all__ = ("TotalsCache",)

_ENTRIES = 256

_FINGERPRINT_SQL = (
    "SELECT count(), sum(cityHash64(table, name)) FROM system.parts "
    "WHERE database = {database:String} AND active "
    "AND table IN ('traces', 'observations', 'scores', 'changed_days', 'traces_by_user', "
    "'scores_by_trace')"
)


class TotalsCache:
    """Remembers ``count`` results per (SQL, parameters) and the parts they were read from.

    Not thread-safe: the store calls it on its connection's one thread.

    Args:
        query: runs SQL with parameters and returns its rows.
        database: the tracing tables' database.
    """

    def __init__(self, query: Callable[[str, dict[str, Any]], list[Any]], database: str) -> None:
        self._query = query
        self._database = database
        self._entries: OrderedDict[tuple[str, str], tuple[tuple[Any, ...], int]] = OrderedDict()

    def total(
        self, sql: str, parameters: dict[str, Any], count: Callable[[], int] | None = None
    ) -> int:
        """The value of ``sql`` (a ``SELECT count()``), read again only after a write;
        ``count``, when given, computes the same value another way on a miss."""
        fingerprint = tuple(self._query(_FINGERPRINT_SQL, {"database": self._database})[0])
        key = (sql, repr(sorted(parameters.items())))
        kept = self._entries.get(key)
        if kept is not None and kept[0] == fingerprint:
            self._entries.move_to_end(key)
            return kept[1]
        value = count() if count is not None else int(self._query(sql, parameters)[0][0])
        self._entries[key] = (fingerprint, value)
        self._entries.move_to_end(key)
        while len(self._entries) > _ENTRIES:
            self._entries.popitem(last=False)
        return value
