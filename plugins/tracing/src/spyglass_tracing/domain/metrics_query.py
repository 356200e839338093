"""The metrics query (Langfuse's ``GET /metrics?query=<JSON>``): its wire shape and rules.

``parse_metrics_query`` turns the JSON text into a ``MetricsViewQuery`` that names only
what ``metrics_views`` declares: an unknown view, dimension, measure, aggregation, filter
column, filter type or operator, orderBy field, a time window the chosen granularity cuts
into too many buckets, or a bound out of range is an ``InvalidInput`` (400) whose message
names the offending field. Stores receive names they look up in the declarations, never
text they format into SQL.

Output keys (Langfuse's): each dimension under its name, the time bucket under
``time_dimension``, each metric under ``<aggregation>_<measure>`` (``count_count``,
``p95_latency``, ``sum_totalCost``).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.input_limits import decode_json
from spyglass_tracing.domain.filter_columns import FilterColumn
from spyglass_tracing.domain.metrics_time import (
    MAX_TIME_BUCKETS,
    Granularity,
    auto_granularity,
    bucket_count,
)
from spyglass_tracing.domain.metrics_views import (
    Aggregation,
    DimensionKind,
    ViewSpec,
    filter_target,
    view_spec,
)
from spyglass_tracing.domain.queries import FilterCondition, parse_filter
from spyglass_tracing.domain.time import utc

__all__ = (
    "DEFAULT_BINS",
    "MAX_DIMENSIONS",
    "MAX_FILTERS",
    "MAX_METRICS",
    "MAX_ROW_LIMIT",
    "TIME_DIMENSION",
    "V2_DEFAULT_ROW_LIMIT",
    "MetricSpec",
    "MetricsApi",
    "MetricsQueryInput",
    "MetricsViewQuery",
    "OrderTerm",
    "parse_metrics_query",
    "validate_metrics_query",
)

TIME_DIMENSION = "time_dimension"
"""The output key of the time bucket."""

MAX_ROW_LIMIT = 1000
"""``config.row_limit`` bound (Langfuse's), and the rows of a query without one."""
V2_DEFAULT_ROW_LIMIT = 100
"""``/v2/metrics`` answers this many rows unless ``config.row_limit`` says otherwise."""
DEFAULT_BINS = 10
"""Histogram bins unless ``config.bins`` (1-100) says otherwise."""
MAX_BINS = 100
MAX_DIMENSIONS = 5
MAX_METRICS = 20
MAX_FILTERS = 50


class MetricsApi(enum.Enum):
    """Which route asks: ``/metrics`` (and the internal API) or ``/v2/metrics``.

    v2 answers 100 rows by default and refuses high-cardinality dimensions unless the
    query is a bounded top-N, as Langfuse's v2 does; v1 answers up to ``MAX_ROW_LIMIT``.
    """

    V1 = "v1"
    V2 = "v2"


# --- wire shape ---------------------------------------------------------------------------


class DimensionInput(msgspec.Struct, kw_only=True):
    """``{"field": "name"}``."""

    field: str


class MetricInput(msgspec.Struct, kw_only=True):
    """``{"measure": "latency", "aggregation": "p95"}``."""

    measure: str
    aggregation: str


class FilterInput(msgspec.Struct, kw_only=True):
    """A FilterState condition: ``key`` names the metadata key of object filters."""

    column: str
    operator: str
    type: str
    value: Any = None
    key: str | None = None


class TimeDimensionInput(msgspec.Struct, kw_only=True):
    """``{"granularity": "minute|hour|day|week|month|auto"}``."""

    granularity: str


class OrderInput(msgspec.Struct, kw_only=True):
    """``{"field": "count_count", "direction": "desc"}``."""

    field: str
    direction: str = "asc"


class ConfigInput(msgspec.Struct, kw_only=True):
    """``{"bins": 10, "row_limit": 100}`` (snake case, as Langfuse has it)."""

    bins: int | None = None
    row_limit: int | None = None


class MetricsQueryInput(msgspec.Struct, kw_only=True, rename="camel"):
    """The query JSON as sent (Langfuse's shape); ``validate_metrics_query`` checks it."""

    view: str
    metrics: list[MetricInput]
    from_timestamp: datetime
    to_timestamp: datetime
    dimensions: list[DimensionInput] = []
    filters: list[FilterInput] = []
    time_dimension: TimeDimensionInput | None = None
    order_by: list[OrderInput] | None = None
    config: ConfigInput | None = None


# --- validated query ----------------------------------------------------------------------


class MetricSpec(msgspec.Struct, frozen=True, kw_only=True):
    """One metric of a query: a measure of the view and how to aggregate it."""

    measure: str
    aggregation: Aggregation

    @property
    def key(self) -> str:
        """Its output key, ``<aggregation>_<measure>``."""
        return f"{self.aggregation.value}_{self.measure}"


class OrderTerm(msgspec.Struct, frozen=True, kw_only=True):
    """Sort on an output key; NULLs last in both directions."""

    key: str
    descending: bool = False


class MetricsViewQuery(msgspec.Struct, frozen=True, kw_only=True):
    """A validated metrics query, what a store runs.

    ``order_by`` is complete: the caller's terms (or Langfuse's default: the time bucket,
    else the first metric descending, else the first dimension) followed by the time
    bucket and every dimension ascending, so that every store returns the same rows in
    the same order. ``fill_gaps``: time buckets without rows are added (with zeros) after
    the store answered, as Langfuse's ``WITH FILL`` when no orderBy was given. Filter
    columns are canonical (see ``metrics_views.filter_target``).
    """

    view: str
    metrics: tuple[MetricSpec, ...]
    from_timestamp: datetime
    to_timestamp: datetime
    dimensions: tuple[str, ...] = ()
    filters: tuple[FilterCondition, ...] = ()
    granularity: Granularity | None = None
    order_by: tuple[OrderTerm, ...] = ()
    row_limit: int = MAX_ROW_LIMIT
    bins: int = DEFAULT_BINS
    fill_gaps: bool = False

    @property
    def spec(self) -> ViewSpec:
        """The view's declaration. Raises: InvalidInput for an unknown view."""
        return view_spec(self.view)


def parse_metrics_query(raw: str | bytes, api: MetricsApi = MetricsApi.V1) -> MetricsViewQuery:
    """The ``query`` parameter, decoded and validated.

    Raises: InvalidInput (malformed or too deeply nested JSON, or any rule of
    ``validate_metrics_query``).
    """
    if not raw:
        raise InvalidInput("Invalid request data", details="query is required")
    query = decode_json(raw, MetricsQueryInput)
    return validate_metrics_query(query, api)


def validate_metrics_query(
    query: MetricsQueryInput, api: MetricsApi = MetricsApi.V1
) -> MetricsViewQuery:
    """Check ``query`` against the view's declarations and the bounds.

    Raises: InvalidInput naming the first field that breaks a rule.
    """
    view = view_spec(query.view)
    dimensions = _dimensions(view, query.dimensions)
    metrics = _metrics(view, query.metrics)
    filters = _filters(view, query.filters)
    start, end = utc(query.from_timestamp), utc(query.to_timestamp)
    if start >= end:
        raise InvalidInput(
            "Invalid request data", details="fromTimestamp must be before toTimestamp"
        )
    granularity = _granularity(query.time_dimension, start, end)
    config = query.config or ConfigInput()
    if api is MetricsApi.V2:
        _check_cardinality(view, query, metrics)
    order = _order(query.order_by, dimensions, metrics, granularity)
    return MetricsViewQuery(
        view=view.name,
        metrics=metrics,
        from_timestamp=start,
        to_timestamp=end,
        dimensions=dimensions,
        filters=filters,
        granularity=granularity,
        order_by=order,
        row_limit=_bounded(
            config.row_limit,
            "config.row_limit",
            MAX_ROW_LIMIT,
            V2_DEFAULT_ROW_LIMIT if api is MetricsApi.V2 else MAX_ROW_LIMIT,
        ),
        bins=_bounded(config.bins, "config.bins", MAX_BINS, DEFAULT_BINS),
        fill_gaps=granularity is not None and not query.order_by,
    )


def _dimensions(view: ViewSpec, fields: Sequence[DimensionInput]) -> tuple[str, ...]:
    if len(fields) > MAX_DIMENSIONS:
        raise InvalidInput(
            "Invalid request data", details=f"at most {MAX_DIMENSIONS} dimensions are allowed"
        )
    names: list[str] = []
    for item in fields:
        view.dimension(item.field)
        if item.field in names:
            raise InvalidInput(f"Duplicate dimension {item.field}")
        names.append(item.field)
    if sum(view.dimensions[name].kind is DimensionKind.ARRAY for name in names) > 1:
        raise InvalidInput("Only one array dimension (tags) can be grouped by at a time")
    return tuple(names)


def _metrics(view: ViewSpec, items: Sequence[MetricInput]) -> tuple[MetricSpec, ...]:
    if not items:
        raise InvalidInput("Invalid request data", details="at least one metric is required")
    if len(items) > MAX_METRICS:
        raise InvalidInput(
            "Invalid request data", details=f"at most {MAX_METRICS} metrics are allowed"
        )
    metrics: list[MetricSpec] = []
    for item in items:
        measure = view.measure(item.measure)
        try:
            aggregation = Aggregation(item.aggregation)
        except ValueError:
            allowed = ", ".join(member.value for member in Aggregation)
            raise InvalidInput(
                "Invalid request data",
                details=f"Invalid aggregation {item.aggregation} of metric {item.measure}. "
                f"Must be one of {allowed}",
            ) from None
        if not measure.allows(aggregation):
            raise InvalidInput(
                f'Aggregation "{aggregation.value}" is not valid for measure "{item.measure}" '
                f"(type: {measure.kind.value}). Valid aggregations: count, uniq"
            )
        metric = MetricSpec(measure=item.measure, aggregation=aggregation)
        if any(other.key == metric.key for other in metrics):
            raise InvalidInput(f"Duplicate metric {metric.key}")
        metrics.append(metric)
    return tuple(metrics)


def _filters(view: ViewSpec, items: Sequence[FilterInput]) -> tuple[FilterCondition, ...]:
    """Each condition checked and coerced by ``parse_filter`` (its messages name the
    caller's column), then moved to its canonical column."""
    if len(items) > MAX_FILTERS:
        raise InvalidInput(
            "Invalid request data", details=f"at most {MAX_FILTERS} filters are allowed"
        )
    if not items:
        return ()
    targets = {item.column: filter_target(view, item.column) for item in items}
    columns = {name: FilterColumn(target.types, target.column) for name, target in targets.items()}
    parsed = parse_filter(msgspec.json.encode(list(items)).decode(), columns)
    return tuple(
        msgspec.structs.replace(condition, column=targets[condition.column].column)
        for condition in parsed
    )


def _granularity(
    time: TimeDimensionInput | None, start: datetime, end: datetime
) -> Granularity | None:
    if time is None:
        return None
    if time.granularity == "auto":
        granularity = auto_granularity(start, end)
    else:
        try:
            granularity = Granularity(time.granularity)
        except ValueError:
            allowed = ", ".join([*(member.value for member in Granularity), "auto"])
            raise InvalidInput(
                "Invalid request data",
                details=f"Invalid timeDimension.granularity {time.granularity}. "
                f"Must be one of {allowed}",
            ) from None
    buckets = bucket_count(start, end, granularity)
    if buckets > MAX_TIME_BUCKETS:
        raise InvalidInput(
            f"Time dimension with granularity '{granularity.value}' gives {buckets} buckets "
            f"between fromTimestamp and toTimestamp; at most {MAX_TIME_BUCKETS} are allowed. "
            "Choose a coarser granularity or a shorter time range"
        )
    return granularity


def _check_cardinality(
    view: ViewSpec, query: MetricsQueryInput, metrics: Sequence[MetricSpec]
) -> None:
    """Langfuse v2: high-cardinality dimensions only in a bounded, ordered top-N."""
    high = [item.field for item in query.dimensions if view.dimensions[item.field].high_cardinality]
    if not high:
        return
    names = ", ".join(high)
    if query.time_dimension is not None:
        raise InvalidInput(
            f"High cardinality dimension(s) '{names}' cannot be used with timeDimension. "
            "Time series queries with high cardinality dimensions produce unbounded result sets."
        )
    descending = [item.field for item in query.order_by or () if item.direction == "desc"]
    row_limit = query.config.row_limit if query.config else None
    keys = {metric.key for metric in metrics} | {metric.measure for metric in metrics}
    if row_limit is None or not descending or not all(field in keys for field in descending):
        raise InvalidInput(
            f"High cardinality dimension(s) '{names}' require both 'config.row_limit' and "
            "'orderBy' with direction 'desc' on a measure field."
        )


def _order(
    items: Sequence[OrderInput] | None,
    dimensions: tuple[str, ...],
    metrics: tuple[MetricSpec, ...],
    granularity: Granularity | None,
) -> tuple[OrderTerm, ...]:
    sortable = {metric.key for metric in metrics if metric.aggregation is not Aggregation.HISTOGRAM}
    allowed = set(dimensions) | sortable | ({TIME_DIMENSION} if granularity else set())
    terms: list[OrderTerm] = []
    for item in items or ():
        if item.field not in allowed:
            raise InvalidInput(
                f"Invalid orderBy field: {item.field}. "
                "Must be one of the dimension or metric fields."
            )
        if item.direction not in ("asc", "desc"):
            raise InvalidInput(
                "Invalid request data",
                details=f"Invalid orderBy direction {item.direction}. Must be asc or desc",
            )
        terms.append(OrderTerm(key=item.field, descending=item.direction == "desc"))
    if not terms:
        first_metric = next((m.key for m in metrics if m.key in sortable), None)
        if granularity is not None:
            terms.append(OrderTerm(key=TIME_DIMENSION))
        elif first_metric is not None:
            terms.append(OrderTerm(key=first_metric, descending=True))
    # Tie-breakers: the group keys, so that the order (and a row_limit cut) is total.
    tie_breakers = ([TIME_DIMENSION] if granularity else []) + list(dimensions)
    for key in tie_breakers:
        if all(term.key != key for term in terms):
            terms.append(OrderTerm(key=key))
    return tuple(terms)


def _bounded(value: int | None, name: str, maximum: int, default: int) -> int:
    if value is None:
        return default
    if not 1 <= value <= maximum:
        raise InvalidInput(
            "Invalid request data", details=f"{name} must be between 1 and {maximum}"
        )
    return value
