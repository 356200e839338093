"""Rows as the in-memory store keeps them, and what every read over them shares.

A row is kept as the database would keep it (UTC datetimes cut to the millisecond, a
missing ``event_ts`` set to the write time), newest ``event_ts`` winning. Reads share
time ranges, keysets, newest-first order, offset pages and decimal sums.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_tracing.domain.queries import Page
from spyglass_tracing.domain.time import utc

__all__ = (
    "Key",
    "decimal_sum",
    "in_range",
    "is_after",
    "keep_newest",
    "live",
    "newest_first",
    "page",
)

_Row = TypeVar("_Row", Trace, Observation, Score)
_Item = TypeVar("_Item")

Key = tuple[str, str]
"""A row's key: (project_id, id)."""


def _normalize_datetime(value: datetime) -> datetime:
    value = utc(value)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _stored(row: _Row, now: datetime) -> _Row:
    """A private copy of ``row`` as the database would keep it."""
    changes = {
        field: _normalize_datetime(value)
        for field in row.__struct_fields__
        if isinstance(value := getattr(row, field), datetime)
    }
    if row.event_ts is None:
        changes["event_ts"] = _normalize_datetime(now)
    return msgspec.structs.replace(copy.deepcopy(row), **changes)


def keep_newest(table: dict[Key, _Row], rows: Sequence[_Row]) -> None:
    """Store each of ``rows`` in ``table`` unless a newer version is already there."""
    now = datetime.now(UTC)
    for row in rows:
        new = _stored(row, now)
        key = (new.project_id, new.id)
        old = table.get(key)
        # Equal event_ts: the contract lets any version win; here the later write does.
        if old is None or _event_ts(new) >= _event_ts(old):
            table[key] = new


def _event_ts(row: Trace | Observation | Score) -> datetime:
    assert row.event_ts is not None  # set by _stored
    return row.event_ts


def live(row: _Row | None) -> _Row | None:
    """A copy of ``row``, or None when it is absent or deleted."""
    return None if row is None or row.is_deleted else copy.deepcopy(row)


def in_range(value: datetime, start: datetime | None, end: datetime | None) -> bool:
    """``start <= value < end`` (either bound may be None; naive means UTC)."""
    return (start is None or value >= utc(start)) and (end is None or value < utc(end))


def page(rows: Sequence[_Item], offset: int, limit: int, with_total: bool = True) -> Page[_Item]:
    """Copies of one offset page of ``rows`` (with the total unless not ``with_total``).

    Raises: InvalidInput when ``limit`` or ``offset`` is negative.
    """
    if limit < 0 or offset < 0:
        raise InvalidInput("Invalid page", details="limit and offset must not be negative")
    items = [copy.deepcopy(row) for row in rows[offset : offset + limit]]
    return Page(items=items, total=len(rows) if with_total else None)


def newest_first(rows: Iterable[_Row], when: Callable[[_Row], datetime]) -> list[_Row]:
    """``rows`` by ``when`` then id, both descending."""
    return sorted(rows, key=lambda row: (when(row), row.id), reverse=True)


def is_after(when: datetime, row_id: str, after: tuple[datetime, str] | None) -> bool:
    """Strictly after ``after`` in (time desc, id desc) order."""
    if after is None:
        return True
    last_time, last_id = utc(after[0]), after[1]
    return when < last_time or (when == last_time and row_id < last_id)


def decimal_sum(values: Iterable[float | None]) -> float:
    """The sum ClickHouse's Decimal64 columns give, not the float one."""
    return float(sum((Decimal(repr(value)) for value in values if value is not None), Decimal()))
