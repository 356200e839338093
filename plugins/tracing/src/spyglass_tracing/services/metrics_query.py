"""The metrics query use case: validate, run on the analytics store, fill and shape."""

from __future__ import annotations

from spyglass_tracing.domain.metrics_query import MetricsApi, MetricsViewQuery, parse_metrics_query
from spyglass_tracing.domain.metrics_results import MetricsRow, filled_rows, wire_rows
from spyglass_tracing.ports.analytics import AnalyticsStore

__all__ = ("MetricsQueries",)


class MetricsQueries:
    """Runs metrics queries (``GET /metrics``, ``/v2/metrics`` and the internal API's)."""

    def __init__(self, analytics: AnalyticsStore) -> None:
        self._analytics = analytics

    async def run(
        self, project_id: str, raw_query: str, api: MetricsApi = MetricsApi.V1
    ) -> list[MetricsRow]:
        """The rows of the ``query`` JSON, as the wire has them (Langfuse's shape).

        Raises: InvalidInput naming what is wrong with the query.
        """
        return await self.wire(project_id, parse_metrics_query(raw_query, api))

    async def wire(self, project_id: str, query: MetricsViewQuery) -> list[MetricsRow]:
        """The rows of a validated query, buckets written as Langfuse writes them."""
        return wire_rows(query, await self._analytics.query_metrics(project_id, query))

    async def rows(self, project_id: str, query: MetricsViewQuery) -> list[MetricsRow]:
        """The rows of a validated query, buckets as UTC datetimes (gaps filled)."""
        return filled_rows(query, await self._analytics.query_metrics(project_id, query))
