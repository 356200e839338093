"""ClickHouse SQL of the metrics query (Langfuse's ``/metrics``), built from the declarations.

Three levels, every value a server-side parameter (``Params``):

1. Entities: the newest live version of each row of the view's table in the window
   (``select_latest``), LEFT JOINed to what the query needs of its related rows (the
   trace, the observation, a trace's observation aggregates, the score counts), each
   related select narrowed to the ids the window can reach. One row per entity with one
   column per dimension (``d<i>``) and measure (``m<i>``) and the bucket (``tb``).
   Filters on the entity's own columns are checked on its newest version, before the
   joins; filters on related rows after them.
2. Groups: ``GROUP BY`` the dimensions (tags exploded with ``arrayJoin``, an entity
   without tags under NULL) and the bucket, one aggregate per metric, sorted (NULLs
   last) and cut at ``row_limit``.
3. Python: histograms from the values ``groupArray`` collected (the same bins as the
   in-memory store, ``domain.metrics_results.histogram``).

Names in the SQL (columns, functions, aliases) come from the tables below, keyed by the
names the query validated against ``metrics_views``; the user's text never reaches it.
``join_use_nulls`` makes a missing related row NULL (an array ``[]``), as in the
in-memory store; every measure is Nullable, so an aggregate over no value is NULL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spyglass_core.domain.errors import InvalidInput
from spyglass_tracing.domain.filter_columns import checked_column
from spyglass_tracing.domain.metrics_query import TIME_DIMENSION, MetricSpec, MetricsViewQuery
from spyglass_tracing.domain.metrics_results import MetricsRow, histogram
from spyglass_tracing.domain.metrics_time import Granularity
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
from spyglass_tracing.domain.time import utc
from spyglass_tracing.storage.clickhouse.mapping import (
    OBSERVATION_COLUMNS,
    SCORE_COLUMNS,
    TRACE_COLUMNS,
)
from spyglass_tracing.storage.clickhouse.queries.filters import condition_sql
from spyglass_tracing.storage.clickhouse.queries.select import Params, Where, select_latest

__all__ = ("MetricsSql", "metrics_rows", "metrics_sql")

_PAYLOADS = frozenset({"input", "output", "comment", "model_parameters", "status_message"})
_COLUMNS: Mapping[Entity, tuple[str, ...]] = {
    Entity.TRACE: tuple(c for c in TRACE_COLUMNS if c not in _PAYLOADS),
    Entity.OBSERVATION: tuple(c for c in OBSERVATION_COLUMNS if c not in _PAYLOADS),
    Entity.SCORE: tuple(c for c in SCORE_COLUMNS if c not in _PAYLOADS),
}
_TABLES = {Entity.TRACE: "traces", Entity.OBSERVATION: "observations", Entity.SCORE: "scores"}
_ALIAS = {Related.ENTITY: "e", Related.TRACE: "tr", Related.OBSERVATION: "ob"}
_TIME_FORMATS = {"%Y-%m": "'%Y-%m'", "%Y-%m-%d": "'%Y-%m-%d'"}
_BUCKETS = {
    Granularity.MINUTE: "toStartOfMinute({}, 'UTC')",
    Granularity.HOUR: "toStartOfHour({}, 'UTC')",
    Granularity.DAY: "toDateTime(toDate({}, 'UTC'), 'UTC')",
    Granularity.WEEK: "toDateTime(toMonday({}, 'UTC'), 'UTC')",
    Granularity.MONTH: "toDateTime(toStartOfMonth({}, 'UTC'), 'UTC')",
}


def _keys_containing(part: str, column: str) -> str:
    """The sum of the map ``column``'s values whose key contains ``part`` (any case)."""
    return (
        f"arraySum(mapValues(mapFilter((k, v) -> position(lowerUTF8(k), '{part}') > 0, {column})))"
    )


def _per_second(amount: str, milliseconds: str) -> str:
    return f"if(coalesce({milliseconds}, 0) > 0, toFloat64({amount}) * 1000 / {milliseconds}, NULL)"


_STREAMING_MS = "dateDiff('millisecond', e.completion_start_time, e.end_time)"
_LATENCY_MS = "dateDiff('millisecond', e.start_time, e.end_time)"

# Per view entity, each measure's expression and the joins it needs ("oa": the trace's
# observation aggregates, "sa": the score counts).
_MEASURES: Mapping[Entity, Mapping[str, tuple[str, frozenset[str]]]] = {
    Entity.TRACE: {
        "count": ("1", frozenset()),
        "observationsCount": ("coalesce(oa.n, 0)", frozenset({"oa"})),
        "scoresCount": ("coalesce(sa.n, 0)", frozenset({"sa"})),
        "uniqueUserIds": ("e.user_id", frozenset()),
        "uniqueSessionIds": ("e.session_id", frozenset()),
        "latency": ("dateDiff('millisecond', oa.first_start, oa.last_end)", frozenset({"oa"})),
        "totalTokens": ("coalesce(oa.total_tokens, 0)", frozenset({"oa"})),
        "totalCost": ("oa.total_cost", frozenset({"oa"})),
    },
    Entity.OBSERVATION: {
        "count": ("1", frozenset()),
        "latency": (_LATENCY_MS, frozenset()),
        "streamingLatency": (_STREAMING_MS, frozenset()),
        "timeToFirstToken": (
            "dateDiff('millisecond', e.start_time, e.completion_start_time)",
            frozenset(),
        ),
        "inputTokens": (_keys_containing("input", "e.usage_details"), frozenset()),
        "outputTokens": (_keys_containing("output", "e.usage_details"), frozenset()),
        "totalTokens": ("e.usage_details['total']", frozenset()),
        "outputTokensPerSecond": (
            _per_second(_keys_containing("output", "e.usage_details"), _STREAMING_MS),
            frozenset(),
        ),
        "tokensPerSecond": (_per_second("e.usage_details['total']", _LATENCY_MS), frozenset()),
        "inputCost": (_keys_containing("input", "e.cost_details"), frozenset()),
        "outputCost": (_keys_containing("output", "e.cost_details"), frozenset()),
        "totalCost": ("e.total_cost", frozenset()),
        "countScores": ("coalesce(sa.n, 0)", frozenset({"sa"})),
    },
    Entity.SCORE: {
        "count": ("1", frozenset()),
        "value": ("e.value", frozenset()),
    },
}


@dataclass
class MetricsSql:
    """The query's SQL and how to read its rows back."""

    sql: str
    dimensions: list[tuple[str, DimensionKind]] = field(default_factory=list)
    metrics: list[MetricSpec] = field(default_factory=list)
    has_bucket: bool = False


def _dimension_sql(spec: DimensionSpec, *, qualified: bool = True) -> str:
    """The expression of a dimension; unqualified, on the entity's own select."""
    sources = [
        f"{_ALIAS[related]}.`{name}`" if qualified else f"`{name}`"
        for related, name in spec.sources
    ]
    if spec.time_format is not None:
        sources = [
            f"formatDateTime({s}, {_TIME_FORMATS[spec.time_format]}, 'UTC')" for s in sources
        ]
    return sources[0] if len(sources) == 1 else f"coalesce({', '.join(sources)})"


class _Builder:
    """One query's SQL, its parameters and the joins its expressions need."""

    def __init__(self, query: MetricsViewQuery, tables: Mapping[str, str], params: Params) -> None:
        self.query = query
        self.spec: ViewSpec = query.spec
        self.tables = tables
        self.params = params
        self.joins: set[str] = set()

    def _window(self, column: str) -> str:
        start, end = (
            self.params.time(self.query.from_timestamp),
            self.params.time(self.query.to_timestamp),
        )
        return f"{column} >= {start} AND {column} <= {end}"

    def _table(self, entity: Entity) -> str:
        return self.tables[_TABLES[entity]]

    def _uses(self, spec: DimensionSpec) -> str:
        for related, _ in spec.sources:
            if related is not Related.ENTITY:
                self.joins.add(_ALIAS[related])
        return _dimension_sql(spec)

    def _base(self, conditions: list[str]) -> str:
        """The entities: ``conditions`` are checked on each row's newest version."""
        where = Where(outer=list(conditions))
        where.narrowing(self._window(f"`{self.spec.time_field}`"))
        if self.spec.data_types:
            where.narrowing(f"data_type IN {self.params.strings(self.spec.data_types)}")
        return select_latest(self._table(self.spec.entity), _COLUMNS[self.spec.entity], where)

    def _window_ids(self, column: str) -> str:
        """``column`` of every version of the base table's rows in the window (a superset
        of what the live entities name: the joins re-check)."""
        table = self._table(self.spec.entity)
        time = self._window(f"`{self.spec.time_field}`")
        return f"SELECT {column} FROM {table} WHERE project_id = {{project_id:String}} AND {time}"

    def _related(self, entity: Entity, key: str) -> str:
        where = Where(direct=[f"id IN ({self._window_ids(key)})"])
        return select_latest(self._table(entity), _COLUMNS[entity], where)

    def _children(self, parent: str) -> str:
        """Per trace of the window: its observations' count, span, tokens and cost."""
        where = Where()
        where.narrowing(f"trace_id IN ({self._window_ids(parent)})")
        source = select_latest(self._table(Entity.OBSERVATION), _COLUMNS[Entity.OBSERVATION], where)
        return (
            "SELECT trace_id, count() AS n, min(start_time) AS first_start, "
            "max(coalesce(end_time, start_time)) AS last_end, "
            "sum(usage_details['total']) AS total_tokens, sum(total_cost) AS total_cost "
            f"FROM ({source}) GROUP BY trace_id"
        )

    def _score_counts(self, key: str) -> str:
        where = Where()
        where.narrowing(f"{key} IN ({self._window_ids('id')})")
        source = select_latest(self._table(Entity.SCORE), _COLUMNS[Entity.SCORE], where)
        return f"SELECT {key} AS subject, count() AS n FROM ({source}) GROUP BY {key}"

    def _join_sql(self) -> str:
        entity = self.spec.entity
        joins: list[str] = []
        if "tr" in self.joins:
            source = self._related(Entity.TRACE, "trace_id")
            joins.append(f"LEFT JOIN ({source}) AS tr ON tr.id = e.trace_id")
        if "ob" in self.joins:
            source = self._related(Entity.OBSERVATION, "observation_id")
            joins.append(f"LEFT JOIN ({source}) AS ob ON ob.id = e.observation_id")
        if "oa" in self.joins:
            joins.append(f"LEFT JOIN ({self._children('id')}) AS oa ON oa.trace_id = e.id")
        if "sa" in self.joins:
            key = "trace_id" if entity is Entity.TRACE else "observation_id"
            joins.append(f"LEFT JOIN ({self._score_counts(key)}) AS sa ON sa.subject = e.id")
        return " ".join(joins)

    def _filters(self) -> tuple[list[str], list[str]]:
        """The SQL of the filters: those on the entity's own columns (checked before the
        joins, on the entity's select) and those on related rows (after the joins)."""
        own: list[str] = []
        related: list[str] = []
        for condition in self.query.filters:
            target = filter_target(self.spec, condition.column)
            checked_column(
                target.column, condition.type, condition.operator, {target.column: target}
            )
            if condition.type in ("stringObject", "numberObject") and condition.key is None:
                raise InvalidInput(
                    "Invalid filter", details=f"'{condition.type}' filters need a 'key'"
                )
            dimension = target.dimension
            if dimension is None:
                column = self.spec.time_field if target.is_time else "metadata"
                own.append(condition_sql(condition, f"`{column}`", self.params))
            elif all(source is Related.ENTITY for source, _ in dimension.sources):
                expr = _dimension_sql(dimension, qualified=False)
                own.append(condition_sql(condition, expr, self.params))
            else:
                related.append(condition_sql(condition, self._uses(dimension), self.params))
        return own, related

    def _entities(self, result: MetricsSql) -> str:
        columns: list[str] = []
        for index, name in enumerate(self.query.dimensions):
            dimension = self.spec.dimension(name)
            expr = self._uses(dimension)
            if dimension.kind is DimensionKind.ARRAY:
                expr = f"arrayDistinct({expr})"
            columns.append(f"{expr} AS d{index}")
            result.dimensions.append((name, dimension.kind))
        measures = _MEASURES[self.spec.entity]
        for index, metric in enumerate(self.query.metrics):
            self.spec.measure(metric.measure)
            expr, joins = measures[metric.measure]
            self.joins |= joins
            columns.append(f"toNullable({expr}) AS m{index}")
            result.metrics.append(metric)
        if self.query.granularity is not None:
            bucket = _BUCKETS[self.query.granularity].format(f"e.`{self.spec.time_field}`")
            columns.append(f"{bucket} AS tb")
            result.has_bucket = True
        own, related = self._filters()
        where = f" WHERE {' AND '.join(related)}" if related else ""
        base = self._base(own)
        return f"SELECT {', '.join(columns)} FROM ({base}) AS e {self._join_sql()}{where}"

    def _aggregate(self, index: int, metric: MetricSpec) -> str:
        column = f"m{index}"
        kind = self.spec.measures[metric.measure].kind
        aggregation = metric.aggregation
        if aggregation is Aggregation.UNIQ or (
            kind is MeasureKind.DISTINCT and aggregation is Aggregation.COUNT
        ):
            return f"uniqExact({column})"
        if aggregation is Aggregation.COUNT:
            return f"count({column})"
        if aggregation is Aggregation.SUM:
            return f"toFloat64(sum({column}))" if kind is MeasureKind.DECIMAL else f"sum({column})"
        number = f"toFloat64({column})"
        if aggregation is Aggregation.HISTOGRAM:
            return f"groupArray({number})"
        if aggregation in (Aggregation.MIN, Aggregation.MAX):
            func = aggregation.value
            return f"{func}({number})" if kind is MeasureKind.DECIMAL else f"{func}({column})"
        if aggregation is Aggregation.AVG:
            return f"avg({number})"
        return f"quantile({PERCENTILES[aggregation]!r})({number})"

    def build(self) -> MetricsSql:
        result = MetricsSql(sql="")
        entities = self._entities(result)
        selected: list[str] = []
        groups: list[str] = []
        aliases: dict[str, str] = {}
        for index, (name, kind) in enumerate(result.dimensions):
            if kind is DimensionKind.ARRAY:
                expr = (
                    f"arrayJoin(if(empty(d{index}), CAST([NULL], 'Array(Nullable(String))'), "
                    f"arrayMap(x -> toNullable(x), d{index})))"
                )
            else:
                expr = f"d{index}"
            selected.append(f"{expr} AS k{index}")
            groups.append(f"k{index}")
            aliases[name] = f"k{index}"
        if result.has_bucket:
            selected.append("tb AS kt")
            groups.append("kt")
            aliases[TIME_DIMENSION] = "kt"
        for index, metric in enumerate(result.metrics):
            selected.append(f"{self._aggregate(index, metric)} AS a{index}")
            aliases[metric.key] = f"a{index}"
        group_by = f" GROUP BY {', '.join(groups)}" if groups else ""
        unknown = [term.key for term in self.query.order_by if term.key not in aliases]
        if unknown:
            raise InvalidInput(f"Invalid orderBy field: {unknown[0]}")
        order = ", ".join(
            f"{aliases[term.key]} {'DESC' if term.descending else 'ASC'} NULLS LAST"
            for term in self.query.order_by
        )
        order_by = f" ORDER BY {order}" if order else ""
        limit = self.params.bind(self.query.row_limit, "UInt64")
        result.sql = (
            f"SELECT {', '.join(selected)} FROM ({entities}){group_by}{order_by} LIMIT {limit} "
            "SETTINGS join_use_nulls = 1"
        )
        return result


def metrics_sql(query: MetricsViewQuery, tables: Mapping[str, str], params: Params) -> MetricsSql:
    """The SQL of ``query`` on ``tables`` (``traces``, ``observations``, ``scores`` by
    their qualified names). Raises: InvalidInput when it names something undeclared."""
    return _Builder(query, tables, params).build()


def metrics_rows(
    query: MetricsViewQuery, built: MetricsSql, rows: Sequence[Sequence[Any]]
) -> list[MetricsRow]:
    """The SQL's rows as ``MetricsRow`` dicts (buckets aware UTC, histograms binned)."""
    found: list[MetricsRow] = []
    for row in rows:
        values = iter(row)
        item: MetricsRow = {name: next(values) for name, _ in built.dimensions}
        if built.has_bucket:
            item[TIME_DIMENSION] = utc(next(values))
        for metric in built.metrics:
            value = next(values)
            if metric.aggregation is Aggregation.HISTOGRAM:
                value = histogram(list(value), query.bins)
            item[metric.key] = value
        found.append(item)
    return found
