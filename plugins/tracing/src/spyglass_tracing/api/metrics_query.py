"""``GET /metrics`` and ``GET /v2/metrics``: Langfuse's metrics query (``?query=<JSON>``).

The JSON names a view, dimensions, metrics (measure and aggregation), filters, an
optional time dimension, the window and an order; the answer is ``{"data": [row, …]}``
with one row per group keyed as Langfuse keys it (``name``, ``time_dimension``,
``count_count``, ``p95_latency`` …). See ``domain.metrics_query`` for every rule.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import get
from litestar.params import QueryParameter

from spyglass_core.domain.api_keys import Principal
from spyglass_tracing.domain.metrics_query import MetricsApi
from spyglass_tracing.services.metrics_query import MetricsQueries

__all__ = ("METRICS_QUERY_ROUTES", "MetricsResponse", "QueryText")


class MetricsResponse(msgspec.Struct, frozen=True, kw_only=True):
    """One row per group: dimensions, ``time_dimension`` and ``<aggregation>_<measure>``.

    A histogram is a list of ``[lower, upper, count]`` bins.
    """

    data: list[dict[str, Any]]


QueryText = Annotated[
    str,
    QueryParameter(
        name="query",
        description="JSON: {view, dimensions, metrics, filters, timeDimension, "
        "fromTimestamp, toTimestamp, orderBy, config: {bins, row_limit}}",
    ),
]
"""The ``query`` parameter (a handler cannot take Litestar's reserved name ``query``)."""


@get("/metrics")
async def metrics_v1(
    principal: FromDishka[Principal], queries: FromDishka[MetricsQueries], raw_query: QueryText
) -> MetricsResponse:
    """Metrics of the project (v1: up to 1000 rows, every view and dimension)."""
    return MetricsResponse(data=await queries.run(principal.project_id, raw_query, MetricsApi.V1))


@get("/v2/metrics")
async def metrics_v2(
    principal: FromDishka[Principal], queries: FromDishka[MetricsQueries], raw_query: QueryText
) -> MetricsResponse:
    """Metrics of the project (v2: 100 rows unless ``config.row_limit``; high-cardinality
    dimensions only in a top-N with ``row_limit`` and a descending metric order)."""
    return MetricsResponse(data=await queries.run(principal.project_id, raw_query, MetricsApi.V2))


METRICS_QUERY_ROUTES = [metrics_v1, metrics_v2]
