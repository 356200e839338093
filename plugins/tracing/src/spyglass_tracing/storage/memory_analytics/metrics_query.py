"""The metrics query over the in-memory store's live rows, as the ClickHouse SQL runs it.

Each entity of the view is paired with its related rows (``metrics_views`` says which),
filtered, exploded over its tags when grouped by them, bucketed, grouped and aggregated.
NULLs follow SQL: aggregations skip them, a condition on NULL fails, a sum over nothing
but NULLs is NULL. Costs are summed as decimals, as the ``Decimal64`` columns are.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_tracing.domain.filter_columns import checked_column
from spyglass_tracing.domain.metrics_query import TIME_DIMENSION, MetricSpec, MetricsViewQuery
from spyglass_tracing.domain.metrics_results import (
    MetricsRow,
    histogram,
    order_rows,
    percentile,
)
from spyglass_tracing.domain.metrics_time import bucket_start
from spyglass_tracing.domain.metrics_views import (
    PERCENTILES,
    Aggregation,
    DimensionKind,
    DimensionSpec,
    Entity,
    MeasureKind,
    Related,
    ViewSpec,
    filter_target,
)
from spyglass_tracing.domain.queries import FilterCondition
from spyglass_tracing.domain.time import utc
from spyglass_tracing.storage.memory_analytics.filters import condition_holds
from spyglass_tracing.storage.memory_analytics.rows import decimal_sum

__all__ = ("Tables", "query_metrics")

_MS = timedelta(milliseconds=1)


@dataclass
class Tables:
    """The live rows of one project."""

    traces: Sequence[Trace]
    observations: Sequence[Observation]
    scores: Sequence[Score]


@dataclass
class _Context:
    """An entity with its related rows (``children``: a trace's observations)."""

    row: Any
    trace: Trace | None = None
    observation: Observation | None = None
    children: list[Observation] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)


def _in_window(spec: ViewSpec, query: MetricsViewQuery, row: Any) -> bool:
    """Both ends inclusive, as Langfuse's query builder has them."""
    moment: datetime = getattr(row, spec.time_field)
    return utc(query.from_timestamp) <= moment <= utc(query.to_timestamp)


def _entities(spec: ViewSpec, query: MetricsViewQuery, tables: Tables) -> list[_Context]:
    if spec.entity is Entity.TRACE:
        children: dict[str, list[Observation]] = defaultdict(list)
        for obs in tables.observations:
            children[obs.trace_id].append(obs)
        of_trace: dict[str | None, list[Score]] = defaultdict(list)
        for score in tables.scores:
            of_trace[score.trace_id].append(score)
        return [
            _Context(trace, children=children[trace.id], scores=of_trace[trace.id])
            for trace in tables.traces
            if _in_window(spec, query, trace)
        ]
    traces = {trace.id: trace for trace in tables.traces}
    if spec.entity is Entity.OBSERVATION:
        of_observation: dict[str | None, list[Score]] = defaultdict(list)
        for score in tables.scores:
            of_observation[score.observation_id].append(score)
        return [
            _Context(obs, trace=traces.get(obs.trace_id), scores=of_observation[obs.id])
            for obs in tables.observations
            if _in_window(spec, query, obs)
        ]
    observations = {obs.id: obs for obs in tables.observations}
    return [
        _Context(
            score,
            trace=traces.get(score.trace_id or ""),
            observation=observations.get(score.observation_id or ""),
        )
        for score in tables.scores
        if score.data_type.value in spec.data_types and _in_window(spec, query, score)
    ]


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _dimension(context: _Context, spec: DimensionSpec) -> Any:
    """The first non-NULL source of ``spec`` (an array dimension reads ``[]`` for none)."""
    related = {
        Related.ENTITY: context.row,
        Related.TRACE: context.trace,
        Related.OBSERVATION: context.observation,
    }
    for source, name in spec.sources:
        holder = related[source]
        value = None if holder is None else _plain(getattr(holder, name))
        if value is not None:
            if spec.time_format is not None:
                return value.strftime(spec.time_format)
            return value
    return [] if spec.kind is DimensionKind.ARRAY else None


def _filter(spec: ViewSpec, conditions: Sequence[FilterCondition]) -> Callable[[_Context], bool]:
    checks: list[Callable[[_Context], bool]] = []
    for condition in conditions:
        target = filter_target(spec, condition.column)
        checked_column(target.column, condition.type, condition.operator, {target.column: target})
        if condition.type in ("stringObject", "numberObject") and condition.key is None:
            raise InvalidInput("Invalid filter", details=f"'{condition.type}' filters need a 'key'")

        def check(context: _Context, condition: FilterCondition = condition) -> bool:
            target = filter_target(spec, condition.column)
            if target.dimension is not None:
                value = _dimension(context, target.dimension)
            elif target.is_time:
                value = getattr(context.row, spec.time_field)
            else:
                value = context.row.metadata
            return condition_holds(condition, value)

        checks.append(check)
    return lambda context: all(check(context) for check in checks)


# --- measures -----------------------------------------------------------------------------


def _ms(start: datetime | None, end: datetime | None) -> int | None:
    return None if start is None or end is None else (end - start) // _MS


def _usage(details: Mapping[str, int], part: str) -> int:
    return sum(value for key, value in details.items() if part in key.lower())


def _cost(details: Mapping[str, float], part: str) -> float:
    return decimal_sum(value for key, value in details.items() if part in key.lower())


def _per_second(amount: int, milliseconds: int | None) -> float | None:
    return None if milliseconds is None or milliseconds <= 0 else amount * 1000 / milliseconds


def _trace_latency(context: _Context) -> int | None:
    if not context.children:
        return None
    first = min(obs.start_time for obs in context.children)
    last = max(obs.end_time or obs.start_time for obs in context.children)
    return _ms(first, last)


def _trace_cost(context: _Context) -> float | None:
    costs = [obs.total_cost for obs in context.children if obs.total_cost is not None]
    return decimal_sum(costs) if costs else None


_Measure = Callable[[_Context], Any]

_MEASURES: Mapping[Entity, Mapping[str, _Measure]] = {
    Entity.TRACE: {
        "count": lambda c: 1,
        "observationsCount": lambda c: len(c.children),
        "scoresCount": lambda c: len(c.scores),
        "uniqueUserIds": lambda c: c.row.user_id,
        "uniqueSessionIds": lambda c: c.row.session_id,
        "latency": _trace_latency,
        "totalTokens": lambda c: sum(obs.usage_details.get("total", 0) for obs in c.children),
        "totalCost": _trace_cost,
    },
    Entity.OBSERVATION: {
        "count": lambda c: 1,
        "latency": lambda c: _ms(c.row.start_time, c.row.end_time),
        "streamingLatency": lambda c: _ms(c.row.completion_start_time, c.row.end_time),
        "timeToFirstToken": lambda c: _ms(c.row.start_time, c.row.completion_start_time),
        "inputTokens": lambda c: _usage(c.row.usage_details, "input"),
        "outputTokens": lambda c: _usage(c.row.usage_details, "output"),
        "totalTokens": lambda c: c.row.usage_details.get("total", 0),
        "outputTokensPerSecond": lambda c: _per_second(
            _usage(c.row.usage_details, "output"),
            _ms(c.row.completion_start_time, c.row.end_time),
        ),
        "tokensPerSecond": lambda c: _per_second(
            c.row.usage_details.get("total", 0), _ms(c.row.start_time, c.row.end_time)
        ),
        "inputCost": lambda c: _cost(c.row.cost_details, "input"),
        "outputCost": lambda c: _cost(c.row.cost_details, "output"),
        "totalCost": lambda c: c.row.total_cost,
        "countScores": lambda c: len(c.scores),
    },
    Entity.SCORE: {
        "count": lambda c: 1,
        "value": lambda c: c.row.value,
    },
}


def _aggregate(values: list[Any], metric: MetricSpec, kind: MeasureKind, bins: int) -> Any:
    present = [value for value in values if value is not None]
    aggregation = metric.aggregation
    if aggregation is Aggregation.UNIQ or (
        kind is MeasureKind.DISTINCT and aggregation is Aggregation.COUNT
    ):
        return len(set(present))
    if aggregation is Aggregation.COUNT:
        return len(present)
    if aggregation is Aggregation.HISTOGRAM:
        return histogram([float(value) for value in present], bins)
    if not present:
        return None
    if aggregation is Aggregation.SUM:
        return decimal_sum(present) if kind is MeasureKind.DECIMAL else sum(present)
    if aggregation is Aggregation.AVG:
        return sum(float(value) for value in present) / len(present)
    if aggregation is Aggregation.MAX:
        return max(present)
    if aggregation is Aggregation.MIN:
        return min(present)
    return percentile((float(value) for value in present), PERCENTILES[aggregation])


def query_metrics(query: MetricsViewQuery, tables: Tables) -> list[MetricsRow]:
    """The rows of ``query`` over ``tables`` (one project's live rows), ordered and cut.

    Raises: InvalidInput when the query names something its view does not declare.
    """
    spec = query.spec
    dimensions = [(name, spec.dimension(name)) for name in query.dimensions]
    measures = _MEASURES[spec.entity]
    for metric in query.metrics:
        spec.measure(metric.measure)
    output = {*query.dimensions, *(m.key for m in query.metrics)}
    output |= {TIME_DIMENSION} if query.granularity else set()
    unknown = [term.key for term in query.order_by if term.key not in output]
    if unknown:
        raise InvalidInput(f"Invalid orderBy field: {unknown[0]}")
    keep = _filter(spec, query.filters)
    groups: dict[tuple[Any, ...], list[_Context]] = defaultdict(list)
    for context in _entities(spec, query, tables):
        if not keep(context):
            continue
        keys: list[tuple[Any, ...]] = [()]
        for _, dimension in dimensions:
            value = _dimension(context, dimension)
            values = (value or [None]) if dimension.kind is DimensionKind.ARRAY else [value]
            keys = [(*key, each) for key in keys for each in dict.fromkeys(values)]
        bucket: tuple[Any, ...] = ()
        if query.granularity is not None:
            bucket = (bucket_start(getattr(context.row, spec.time_field), query.granularity),)
        for key in keys:
            groups[(*key, *bucket)].append(context)
    if not query.dimensions and query.granularity is None and not groups:
        groups[()] = []  # an aggregate without GROUP BY answers one row, as SQL does
    rows: list[MetricsRow] = []
    for key, members in groups.items():
        row: MetricsRow = dict(zip(query.dimensions, key, strict=False))
        if query.granularity is not None:
            row[TIME_DIMENSION] = key[-1]
        for metric in query.metrics:
            values = [measures[metric.measure](member) for member in members]
            kind = spec.measures[metric.measure].kind
            row[metric.key] = _aggregate(values, metric, kind, query.bins)
        rows.append(row)
    return order_rows(rows, query.order_by)[: query.row_limit]
