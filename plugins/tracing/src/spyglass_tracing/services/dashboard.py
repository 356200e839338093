"""The project dashboard: a handful of metrics queries, answered as one typed struct.

Each part is an ordinary metrics query (``domain.metrics_query``), validated like the
API's, so the dashboard shows exactly what ``GET /metrics`` would answer for it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from spyglass_tracing.domain.dashboard import (
    Dashboard,
    DashboardBucket,
    DashboardTotals,
    ModelCost,
    ScoreAverage,
    TraceNameCount,
    UserCost,
)
from spyglass_tracing.domain.metrics_query import (
    TIME_DIMENSION,
    ConfigInput,
    DimensionInput,
    FilterInput,
    MetricInput,
    MetricsQueryInput,
    MetricsViewQuery,
    OrderInput,
    TimeDimensionInput,
    validate_metrics_query,
)
from spyglass_tracing.domain.metrics_results import MetricsRow
from spyglass_tracing.domain.metrics_time import buckets
from spyglass_tracing.services.metrics_query import MetricsQueries

__all__ = ("TOP_N", "ProjectDashboard")

TOP_N = 20
"""Entries of each top list."""

_NOT_NULL = "is not null"


class _Window:
    """The dashboard's window and granularity; builds its queries."""

    def __init__(self, start: datetime, end: datetime, granularity: str) -> None:
        self.start, self.end, self.granularity = start, end, granularity

    def query(
        self,
        view: str,
        metrics: list[str],
        *,
        dimensions: tuple[str, ...] = (),
        series: bool = False,
        not_null: str | None = None,
        descending: tuple[str, ...] = (),
        ascending: tuple[str, ...] = (),
        limit: int | None = None,
    ) -> MetricsViewQuery:
        """A validated query: metrics as ``aggregation_measure``, ordered by the
        ``descending`` keys (or the ``ascending`` ones)."""
        return validate_metrics_query(
            MetricsQueryInput(
                view=view,
                metrics=[
                    MetricInput(aggregation=key.split("_", 1)[0], measure=key.split("_", 1)[1])
                    for key in metrics
                ],
                from_timestamp=self.start,
                to_timestamp=self.end,
                dimensions=[DimensionInput(field=name) for name in dimensions],
                filters=[FilterInput(column=not_null, type="null", operator=_NOT_NULL)]
                if not_null
                else [],
                time_dimension=TimeDimensionInput(granularity=self.granularity) if series else None,
                order_by=[OrderInput(field=key, direction="desc") for key in descending]
                + [OrderInput(field=key, direction="asc") for key in ascending]
                or None,
                config=ConfigInput(row_limit=limit) if limit else None,
            )
        )


def _cost(value: Any) -> float:
    return float(value or 0)


class ProjectDashboard:
    """Builds a project's ``Dashboard`` from the metrics queries it is made of."""

    def __init__(self, queries: MetricsQueries) -> None:
        self._queries = queries

    async def build(
        self, project_id: str, start: datetime, end: datetime, granularity: str = "auto"
    ) -> Dashboard:
        """The dashboard over ``start``..``end`` in buckets of ``granularity``.

        Raises: InvalidInput for a window that is empty or reversed, an unknown
        granularity, or one cutting the window into too many buckets.
        """
        window = _Window(start, end, granularity)
        observation_sums = ["count_count", "sum_totalCost", "sum_totalTokens"]
        latency = ["count_count", "p50_latency", "p95_latency", "p99_latency"]
        queries = {
            "traces": window.query("traces", ["count_count"]),
            "observations": window.query("observations", observation_sums),
            "trace_series": window.query("traces", latency, series=True),
            "observation_series": window.query("observations", observation_sums, series=True),
            "names": window.query(
                "traces", ["count_count"], dimensions=("name",), descending=("count_count",),
                limit=TOP_N,
            ),
            "models": window.query(
                "observations", observation_sums, dimensions=("providedModelName",),
                not_null="providedModelName", descending=("sum_totalCost", "count_count"),
                limit=TOP_N,
            ),
            "users": window.query(
                "traces", ["count_count", "sum_totalCost"], dimensions=("userId",),
                not_null="userId", descending=("sum_totalCost", "count_count"), limit=TOP_N,
            ),
            # An explicit order: no filler rows without a score name.
            "scores": window.query(
                "scores-numeric", ["avg_value", "count_count"], dimensions=("name",),
                series=True, ascending=(TIME_DIMENSION, "name"),
            ),
        }  # fmt: skip
        results = dict(
            zip(
                queries,
                await asyncio.gather(
                    *(self._queries.rows(project_id, query) for query in queries.values())
                ),
                strict=True,
            )
        )
        series_query = queries["trace_series"]
        assert series_query.granularity is not None  # a series query has a granularity
        return Dashboard(
            from_timestamp=series_query.from_timestamp,
            to_timestamp=series_query.to_timestamp,
            granularity=series_query.granularity.value,
            totals=self._totals(results["traces"], results["observations"]),
            series=self._series(series_query, results),
            top_trace_names=[
                TraceNameCount(name=row["name"], traces=row["count_count"])
                for row in results["names"]
            ],
            cost_by_model=[
                ModelCost(
                    model=row["providedModelName"],
                    observations=row["count_count"],
                    total_cost=_cost(row["sum_totalCost"]),
                    total_tokens=row["sum_totalTokens"] or 0,
                )
                for row in results["models"]
            ],
            users=[
                UserCost(
                    user_id=row["userId"],
                    traces=row["count_count"],
                    total_cost=_cost(row["sum_totalCost"]),
                )
                for row in results["users"]
            ],
            scores=[
                ScoreAverage(
                    start=row[TIME_DIMENSION],
                    name=row["name"],
                    average=row["avg_value"],
                    count=row["count_count"],
                )
                for row in results["scores"]
            ],
        )

    @staticmethod
    def _totals(traces: list[MetricsRow], observations: list[MetricsRow]) -> DashboardTotals:
        [trace_row], [observation_row] = traces, observations
        return DashboardTotals(
            traces=trace_row["count_count"],
            observations=observation_row["count_count"],
            total_cost=_cost(observation_row["sum_totalCost"]),
            total_tokens=observation_row["sum_totalTokens"] or 0,
        )

    @staticmethod
    def _series(
        query: MetricsViewQuery, results: dict[str, list[MetricsRow]]
    ) -> list[DashboardBucket]:
        assert query.granularity is not None
        traces = {row[TIME_DIMENSION]: row for row in results["trace_series"]}
        observations = {row[TIME_DIMENSION]: row for row in results["observation_series"]}
        series = []
        for start in buckets(query.from_timestamp, query.to_timestamp, query.granularity):
            trace_row, observation_row = traces.get(start, {}), observations.get(start, {})
            series.append(
                DashboardBucket(
                    start=start,
                    traces=trace_row.get("count_count") or 0,
                    observations=observation_row.get("count_count") or 0,
                    total_cost=_cost(observation_row.get("sum_totalCost")),
                    total_tokens=observation_row.get("sum_totalTokens") or 0,
                    latency_p50=trace_row.get("p50_latency"),
                    latency_p95=trace_row.get("p95_latency"),
                    latency_p99=trace_row.get("p99_latency"),
                )
            )
        return series
