"""Time buckets of the metrics query: granularities, bucket starts, counts and labels.

Buckets are in UTC and start at the minute, the hour, midnight, Monday midnight or the
first of the month, as ClickHouse's ``toStartOfMinute``, ``toStartOfHour``, ``toDate``,
``toMonday`` and ``toStartOfMonth`` cut them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import datetime, timedelta

from spyglass_tracing.domain.time import utc

__all__ = (
    "MAX_TIME_BUCKETS",
    "Granularity",
    "auto_granularity",
    "bucket_count",
    "bucket_label",
    "bucket_start",
    "buckets",
)

MAX_TIME_BUCKETS = 1000
"""The most time buckets a query's window may span (minute granularity over a day is
1440: too many). Equal to the row bound, so a plain time series always fits."""


class Granularity(enum.Enum):
    """The width of a time bucket (``auto`` is resolved by ``auto_granularity``)."""

    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


_FIXED_WIDTH = {
    Granularity.MINUTE: timedelta(minutes=1),
    Granularity.HOUR: timedelta(hours=1),
    Granularity.DAY: timedelta(days=1),
    Granularity.WEEK: timedelta(weeks=1),
}


def auto_granularity(start: datetime, end: datetime) -> Granularity:
    """Langfuse's ``auto``: about 50 buckets or fewer over ``start``..``end``."""
    hours = (utc(end) - utc(start)) / timedelta(hours=1)
    if hours < 2:
        return Granularity.MINUTE
    if hours < 72:
        return Granularity.HOUR
    if hours < 1440:
        return Granularity.DAY
    if hours < 8760:
        return Granularity.WEEK
    return Granularity.MONTH


def bucket_start(moment: datetime, granularity: Granularity) -> datetime:
    """The start (UTC) of the bucket holding ``moment`` (naive means UTC)."""
    moment = utc(moment)
    if granularity is Granularity.MINUTE:
        return moment.replace(second=0, microsecond=0)
    if granularity is Granularity.HOUR:
        return moment.replace(minute=0, second=0, microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity is Granularity.DAY:
        return day
    if granularity is Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _next(start: datetime, granularity: Granularity) -> datetime:
    if granularity is Granularity.MONTH:
        year, month = divmod(start.year * 12 + start.month, 12)
        return start.replace(year=year, month=month + 1)
    return start + _FIXED_WIDTH[granularity]


def bucket_count(start: datetime, end: datetime, granularity: Granularity) -> int:
    """How many buckets ``start``..``end`` (both inclusive) touches."""
    first, last = bucket_start(start, granularity), bucket_start(end, granularity)
    if granularity is Granularity.MONTH:
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return (last - first) // _FIXED_WIDTH[granularity] + 1


def buckets(start: datetime, end: datetime, granularity: Granularity) -> Iterator[datetime]:
    """Every bucket start from ``start``'s bucket to ``end``'s, in order."""
    current, last = bucket_start(start, granularity), bucket_start(end, granularity)
    while current <= last:
        yield current
        current = _next(current, granularity)


def bucket_label(start: datetime, granularity: Granularity) -> str:
    """The wire form of a bucket, as Langfuse's ClickHouse answers it: a date
    (``2024-03-25``) for day, week and month, a UTC timestamp with milliseconds
    (``2024-03-31T22:00:00.000Z``) for minute and hour."""
    start = utc(start)
    if granularity in (Granularity.MINUTE, Granularity.HOUR):
        return start.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return start.strftime("%Y-%m-%d")
