"""The views of the metrics query (Langfuse's ``/metrics`` data model), declared once.

A view is a set of entities (traces, observations or scores in a time window) with the
dimensions they can be grouped and filtered by and the measures that can be aggregated
over them. Everything a query may name is in these tables: the validation of
``metrics_query`` refuses any other name, and both analytics stores derive their
grouping and filtering from the same declarations (their measure formulas are written
per store, one per measure name, and the contract suite checks them against each other).

Semantics shared by the stores:

- An entity is a live row whose time column (``timestamp`` of traces and scores,
  ``start_time`` of observations) is within ``[fromTimestamp, toTimestamp]``, both
  inclusive as Langfuse's query builder has them.
- Related rows: a trace's observations and scores are its live ones (any time); an
  observation's trace is its live trace (None when it has none) and its scores the live
  scores naming it; a score's trace and observation are the live ones it names.
- A dimension with several ``sources`` reads the first one that is not NULL.
- Grouping by ``tags`` counts an entity once per tag; an entity without tags is grouped
  under a NULL tag (ClickHouse's ``arrayJoin`` would drop it).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from spyglass_core.domain.errors import InvalidInput

__all__ = (
    "AGGREGATIONS",
    "PERCENTILES",
    "VIEWS",
    "Aggregation",
    "DimensionKind",
    "DimensionSpec",
    "Entity",
    "FilterTarget",
    "MeasureKind",
    "MeasureSpec",
    "Related",
    "ViewSpec",
    "filter_target",
    "view_spec",
)


class Related(enum.Enum):
    """Where a dimension reads its value: the entity itself or a related row."""

    ENTITY = "entity"
    TRACE = "trace"
    OBSERVATION = "observation"


class DimensionKind(enum.Enum):
    """How a dimension is grouped and which filter types it takes."""

    STRING = "string"
    ARRAY = "array"
    NUMBER = "number"


class MeasureKind(enum.Enum):
    """The values of a measure: numbers (any aggregation) or ids (distinct counts only)."""

    INTEGER = "integer"
    DECIMAL = "decimal"
    NUMBER = "number"
    DISTINCT = "distinct"


class Aggregation(enum.Enum):
    """How the values of a measure are combined within a group."""

    SUM = "sum"
    AVG = "avg"
    COUNT = "count"
    MAX = "max"
    MIN = "min"
    P50 = "p50"
    P75 = "p75"
    P90 = "p90"
    P95 = "p95"
    P99 = "p99"
    HISTOGRAM = "histogram"
    UNIQ = "uniq"


AGGREGATIONS = frozenset(aggregation.value for aggregation in Aggregation)
"""The aggregation names a query may use."""

PERCENTILES: Mapping[Aggregation, float] = {
    Aggregation.P50: 0.5,
    Aggregation.P75: 0.75,
    Aggregation.P90: 0.9,
    Aggregation.P95: 0.95,
    Aggregation.P99: 0.99,
}
"""The level of each percentile aggregation (linearly interpolated between values)."""

_DISTINCT_AGGREGATIONS = frozenset({Aggregation.COUNT, Aggregation.UNIQ})


@dataclass(frozen=True)
class DimensionSpec:
    """A dimension: its kind, where it reads its value and whether it is high-cardinality.

    ``sources`` are (related row, domain field) pairs, the first non-NULL one wins.
    ``time_format`` (a ``strftime`` pattern) formats the time field instead, in UTC.
    High-cardinality dimensions (ids) are refused by ``/v2/metrics`` unless the query
    is a bounded top-N (Langfuse's rule).
    """

    kind: DimensionKind
    sources: tuple[tuple[Related, str], ...]
    time_format: str | None = None
    high_cardinality: bool = False


@dataclass(frozen=True)
class MeasureSpec:
    """A measure: what its values are and their unit (the formulas live in the stores)."""

    kind: MeasureKind
    unit: str
    description: str

    def allows(self, aggregation: Aggregation) -> bool:
        """Whether ``aggregation`` means something for this measure."""
        return self.kind is not MeasureKind.DISTINCT or aggregation in _DISTINCT_AGGREGATIONS


class Entity(enum.Enum):
    """The table a view's entities come from."""

    TRACE = "trace"
    OBSERVATION = "observation"
    SCORE = "score"


@dataclass(frozen=True)
class ViewSpec:
    """A view: its entities, time column, dimensions and measures.

    ``time_field`` is the entity's domain field the window, the time buckets and
    ``time_columns`` (the filter columns naming it) read. ``data_types`` keeps only the
    scores of these types (score views).
    """

    name: str
    entity: Entity
    time_field: str
    time_columns: frozenset[str]
    dimensions: Mapping[str, DimensionSpec]
    measures: Mapping[str, MeasureSpec]
    data_types: tuple[str, ...] = ()

    def dimension(self, name: str) -> DimensionSpec:
        """The dimension ``name``. Raises: InvalidInput naming the allowed ones."""
        found = self.dimensions.get(name)
        if found is None:
            raise InvalidInput(
                f"Invalid dimension {name}. Must be one of {', '.join(self.dimensions)}"
            )
        return found

    def measure(self, name: str) -> MeasureSpec:
        """The measure ``name``. Raises: InvalidInput naming the allowed ones."""
        found = self.measures.get(name)
        if found is None:
            raise InvalidInput(f"Invalid metric {name}. Must be one of {', '.join(self.measures)}")
        return found


def _own(
    field: str, kind: DimensionKind = DimensionKind.STRING, *, high: bool = False
) -> DimensionSpec:
    return DimensionSpec(kind, ((Related.ENTITY, field),), high_cardinality=high)


def _trace(
    field: str, kind: DimensionKind = DimensionKind.STRING, *, high: bool = False
) -> DimensionSpec:
    return DimensionSpec(kind, ((Related.TRACE, field),), high_cardinality=high)


def _observation(field: str, kind: DimensionKind = DimensionKind.STRING) -> DimensionSpec:
    return DimensionSpec(kind, ((Related.OBSERVATION, field),))


def _formatted(field: str, pattern: str) -> DimensionSpec:
    return DimensionSpec(DimensionKind.STRING, ((Related.ENTITY, field),), time_format=pattern)


_COUNT = MeasureSpec(MeasureKind.INTEGER, "rows", "Number of entities")

TRACES = ViewSpec(
    name="traces",
    entity=Entity.TRACE,
    time_field="timestamp",
    time_columns=frozenset({"timestamp"}),
    dimensions={
        "id": _own("id", high=True),
        "name": _own("name"),
        "tags": _own("tags", DimensionKind.ARRAY),
        "userId": _own("user_id", high=True),
        "sessionId": _own("session_id", high=True),
        "release": _own("release"),
        "version": _own("version"),
        "environment": _own("environment"),
        "timestampMonth": _formatted("timestamp", "%Y-%m"),
    },
    measures={
        "count": _COUNT,
        "observationsCount": MeasureSpec(
            MeasureKind.INTEGER, "observations", "Observations of the trace"
        ),
        "scoresCount": MeasureSpec(MeasureKind.INTEGER, "scores", "Scores of the trace"),
        "uniqueUserIds": MeasureSpec(MeasureKind.DISTINCT, "users", "Distinct user ids"),
        "uniqueSessionIds": MeasureSpec(MeasureKind.DISTINCT, "sessions", "Distinct session ids"),
        "latency": MeasureSpec(
            MeasureKind.INTEGER,
            "millisecond",
            "First observation start to last observation end (NULL without observations)",
        ),
        "totalTokens": MeasureSpec(
            MeasureKind.INTEGER, "tokens", "Sum of the observations' total usage"
        ),
        "totalCost": MeasureSpec(
            MeasureKind.DECIMAL, "USD", "Sum of the observations' costs (NULL when none has one)"
        ),
    },
)

_TRACE_CONTEXT = {
    "traceName": _trace("name"),
    "tags": _trace("tags", DimensionKind.ARRAY),
    "userId": _trace("user_id", high=True),
    "traceRelease": _trace("release"),
    "traceVersion": _trace("version"),
    "release": _trace("release"),
}

OBSERVATIONS = ViewSpec(
    name="observations",
    entity=Entity.OBSERVATION,
    time_field="start_time",
    time_columns=frozenset({"startTime", "start_time"}),
    dimensions={
        "id": _own("id", high=True),
        "traceId": _own("trace_id", high=True),
        **_TRACE_CONTEXT,
        "sessionId": _trace("session_id", high=True),
        "environment": _own("environment"),
        "parentObservationId": _own("parent_observation_id", high=True),
        "type": _own("type"),
        "name": _own("name"),
        "level": _own("level"),
        "version": _own("version"),
        "providedModelName": _own("provided_model_name"),
        "promptName": _own("prompt_name"),
        "promptVersion": _own("prompt_version", DimensionKind.NUMBER),
        "startTimeMonth": _formatted("start_time", "%Y-%m"),
    },
    measures={
        "count": _COUNT,
        "latency": MeasureSpec(MeasureKind.INTEGER, "millisecond", "Start to end"),
        "streamingLatency": MeasureSpec(
            MeasureKind.INTEGER, "millisecond", "Completion start to end"
        ),
        "timeToFirstToken": MeasureSpec(
            MeasureKind.INTEGER, "millisecond", "Start to completion start"
        ),
        "inputTokens": MeasureSpec(
            MeasureKind.INTEGER, "tokens", "Usage of the keys containing 'input'"
        ),
        "outputTokens": MeasureSpec(
            MeasureKind.INTEGER, "tokens", "Usage of the keys containing 'output'"
        ),
        "totalTokens": MeasureSpec(MeasureKind.INTEGER, "tokens", "Usage under 'total'"),
        "outputTokensPerSecond": MeasureSpec(
            MeasureKind.NUMBER, "tokens/s", "Output tokens per second after completion start"
        ),
        "tokensPerSecond": MeasureSpec(
            MeasureKind.NUMBER, "tokens/s", "Total tokens per second from start to end"
        ),
        "inputCost": MeasureSpec(MeasureKind.DECIMAL, "USD", "Cost of the keys containing 'input'"),
        "outputCost": MeasureSpec(
            MeasureKind.DECIMAL, "USD", "Cost of the keys containing 'output'"
        ),
        "totalCost": MeasureSpec(MeasureKind.DECIMAL, "USD", "Total cost"),
        "countScores": MeasureSpec(MeasureKind.INTEGER, "scores", "Scores of the observation"),
    },
)


def _score_dimensions(value: tuple[str, DimensionSpec]) -> dict[str, DimensionSpec]:
    return {
        **_TRACE_CONTEXT,
        "sessionId": DimensionSpec(
            DimensionKind.STRING,
            ((Related.ENTITY, "session_id"), (Related.TRACE, "session_id")),
            high_cardinality=True,
        ),
        "observationName": _observation("name"),
        "observationModelName": _observation("provided_model_name"),
        "observationPromptName": _observation("prompt_name"),
        "observationPromptVersion": _observation("prompt_version", DimensionKind.NUMBER),
        "id": _own("id", high=True),
        "environment": _own("environment"),
        "name": _own("name"),
        "source": _own("source"),
        "dataType": _own("data_type"),
        "traceId": _own("trace_id", high=True),
        "observationId": _own("observation_id", high=True),
        "configId": _own("config_id"),
        "timestampMonth": _formatted("timestamp", "%Y-%m"),
        "timestampDay": _formatted("timestamp", "%Y-%m-%d"),
        value[0]: value[1],
    }


SCORES_NUMERIC = ViewSpec(
    name="scores-numeric",
    entity=Entity.SCORE,
    time_field="timestamp",
    time_columns=frozenset({"timestamp"}),
    dimensions=_score_dimensions(("value", _own("value", DimensionKind.NUMBER))),
    measures={
        "count": _COUNT,
        "value": MeasureSpec(MeasureKind.NUMBER, "value", "The score's value"),
    },
    data_types=("NUMERIC", "BOOLEAN"),
)

SCORES_CATEGORICAL = ViewSpec(
    name="scores-categorical",
    entity=Entity.SCORE,
    time_field="timestamp",
    time_columns=frozenset({"timestamp"}),
    dimensions=_score_dimensions(("stringValue", _own("string_value"))),
    measures={"count": _COUNT},
    data_types=("CATEGORICAL",),
)

VIEWS: Mapping[str, ViewSpec] = {
    view.name: view for view in (TRACES, OBSERVATIONS, SCORES_NUMERIC, SCORES_CATEGORICAL)
}
"""Every view by its name."""


def view_spec(name: str) -> ViewSpec:
    """The view ``name``. Raises: InvalidInput naming the views there are."""
    found = VIEWS.get(name)
    if found is None:
        raise InvalidInput(f"Invalid view {name}. Must be one of {', '.join(VIEWS)}")
    return found


# --- filters ------------------------------------------------------------------------------

_TEXT_FILTERS = frozenset({"string", "stringOptions", "null"})
_FILTER_TYPES: Mapping[DimensionKind, frozenset[str]] = {
    DimensionKind.STRING: _TEXT_FILTERS,
    DimensionKind.ARRAY: frozenset({"arrayOptions"}),
    DimensionKind.NUMBER: frozenset({"number", "null"}),
}


@dataclass(frozen=True)
class FilterTarget:
    """What a filter column of a view reads: a dimension, the time field or the metadata.

    ``column`` is the canonical name (a dimension name, ``metadata`` or the view's time
    field), ``types`` the filter types it accepts.
    """

    column: str
    types: frozenset[str]
    dimension: DimensionSpec | None = None
    is_time: bool = False
    is_metadata: bool = False


def filter_target(view: ViewSpec, column: str) -> FilterTarget:
    """The target of a filter on ``column`` of ``view``.

    As Langfuse's query builder: a dimension, the view's time column, ``metadata``, or
    (a fallback for UIs sending ``scoreName``, ``traceName`` …) ``name`` for any other
    column ending in ``Name``.

    Raises: InvalidInput naming the columns the view accepts.
    """
    if column in view.dimensions:
        dimension = view.dimensions[column]
        return FilterTarget(column, _FILTER_TYPES[dimension.kind], dimension)
    if column in view.time_columns:
        return FilterTarget(view.time_field, frozenset({"datetime"}), is_time=True)
    if column == "metadata":
        return FilterTarget(
            "metadata", frozenset({"stringObject", "numberObject"}), is_metadata=True
        )
    if column.endswith("Name") and "name" in view.dimensions:
        return filter_target(view, "name")
    allowed = [*view.dimensions, *sorted(view.time_columns), "metadata"]
    raise InvalidInput(f"Invalid filter column {column}. Must be one of {', '.join(allowed)}")
