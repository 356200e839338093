"""The rows a metrics query answers: their order, gap filling, value types and wire form.

A store returns ``MetricsRow`` dicts keyed as the wire has them (dimension names,
``time_dimension``, ``<aggregation>_<measure>``), sorted by the query's ``order_by`` and
cut at its ``row_limit``, with the bucket as a UTC datetime. ``filled_rows`` adds the empty
buckets and settles the value types; ``wire_rows`` also writes the buckets as Langfuse does.

The aggregation rules both stores follow are written here once, where they are not plain
SQL: percentiles interpolate linearly between the sorted values (ClickHouse's
``quantile``, exact up to its 8192-value reservoir) and histograms have ``bins``
equal-width bins from the smallest to the largest value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from spyglass_tracing.domain.metrics_query import TIME_DIMENSION, MetricsViewQuery, OrderTerm
from spyglass_tracing.domain.metrics_time import bucket_label, buckets
from spyglass_tracing.domain.metrics_views import Aggregation, MeasureKind

__all__ = (
    "MetricsRow",
    "filled_rows",
    "histogram",
    "order_rows",
    "percentile",
    "wire_rows",
)

MetricsRow = dict[str, Any]
"""One group: dimension values, the bucket, and one value per metric."""

_COUNTING = frozenset({Aggregation.COUNT, Aggregation.UNIQ})
_ADDITIVE = _COUNTING | {Aggregation.SUM}
_EXACT_FOR_INTEGERS = _ADDITIVE | {Aggregation.MIN, Aggregation.MAX}


def percentile(values: Iterable[float], level: float) -> float | None:
    """The ``level`` quantile of ``values``, linearly interpolated (None when empty)."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * level
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def histogram(values: Sequence[float], bins: int) -> list[list[float]]:
    """``[lower, upper, count]`` of ``bins`` equal-width bins over ``values``.

    The largest value falls in the last bin; a single distinct value gives one bin.
    The ClickHouse store computes the same bins in SQL (``storage/clickhouse``).
    """
    if not values:
        return []
    low, high = min(values), max(values)
    if low == high:
        return [[float(low), float(high), float(len(values))]]
    width = (high - low) / bins
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, math.floor((value - low) / width))] += 1
    return [
        [low + index * width, high if index == bins - 1 else low + (index + 1) * width, float(n)]
        for index, n in enumerate(counts)
    ]


def order_rows(rows: list[MetricsRow], order: Sequence[OrderTerm]) -> list[MetricsRow]:
    """``rows`` sorted by ``order``, NULLs last in both directions (as the SQL sorts)."""
    ordered = list(rows)
    for term in reversed(order):  # stable sorts, least significant key first
        present = [row for row in ordered if row.get(term.key) is not None]
        missing = [row for row in ordered if row.get(term.key) is None]
        present.sort(key=lambda row: row[term.key], reverse=term.descending)
        ordered = present + missing
    return ordered


def _typed(value: Any, aggregation: Aggregation, kind: MeasureKind) -> Any:
    """Counts and integer sums, minima and maxima as ints, everything else as floats."""
    if value is None or aggregation is Aggregation.HISTOGRAM:
        return value
    if aggregation in _COUNTING or (
        kind is MeasureKind.INTEGER and aggregation in _EXACT_FOR_INTEGERS
    ):
        return int(value)
    return float(value)


def _empty(aggregation: Aggregation) -> Any:
    """A metric's value over no entity: 0 for counts and sums, [] for a histogram."""
    if aggregation is Aggregation.HISTOGRAM:
        return []
    return 0 if aggregation in _ADDITIVE else None


def filled_rows(query: MetricsViewQuery, rows: Sequence[MetricsRow]) -> list[MetricsRow]:
    """``rows`` with typed values and, when ``query.fill_gaps``, one empty row per bucket
    of the window that has none (NULL dimensions, zero counts and sums), re-cut at
    ``row_limit``. Buckets stay datetimes."""
    spec = query.spec
    kinds: Mapping[str, MeasureKind] = {
        metric.key: spec.measures[metric.measure].kind for metric in query.metrics
    }
    typed = [
        {
            **row,
            **{
                metric.key: _typed(row.get(metric.key), metric.aggregation, kinds[metric.key])
                for metric in query.metrics
            },
        }
        for row in rows
    ]
    if not query.fill_gaps or query.granularity is None:
        return typed
    seen = {row[TIME_DIMENSION] for row in typed}
    for start in buckets(query.from_timestamp, query.to_timestamp, query.granularity):
        if start not in seen:
            typed.append(
                {
                    **dict.fromkeys(query.dimensions),
                    TIME_DIMENSION: start,
                    **{metric.key: _empty(metric.aggregation) for metric in query.metrics},
                }
            )
    return order_rows(typed, query.order_by)[: query.row_limit]


def wire_rows(query: MetricsViewQuery, rows: Sequence[MetricsRow]) -> list[MetricsRow]:
    """``filled_rows`` with each bucket written as Langfuse writes it."""
    filled = filled_rows(query, rows)
    granularity = query.granularity
    if granularity is None:
        return filled
    for row in filled:
        moment: datetime = row[TIME_DIMENSION]
        row[TIME_DIMENSION] = bucket_label(moment, granularity)
    return filled
