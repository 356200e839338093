"""``GET /metrics/daily``: per-day trace and observation counts, cost and usage by model."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import get
from litestar.params import FromQuery, QueryParameter

from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.input_limits import MAX_PAGE
from spyglass_tracing.api.pages import DailyMetricsPage
from spyglass_tracing.api.reads import MAX_PAGE_LIMIT, offset_page, when
from spyglass_tracing.domain.queries import MetricsQuery
from spyglass_tracing.services.reads import TracingReads

__all__ = ("METRICS_ROUTES",)


@get("/metrics/daily")
async def daily_metrics(
    principal: FromDishka[Principal],
    reads: FromDishka[TracingReads],
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_LIMIT)] = 50,
    trace_name: Annotated[str | None, QueryParameter(name="traceName")] = None,
    user_id: Annotated[str | None, QueryParameter(name="userId")] = None,
    tags: FromQuery[list[str] | None] = None,
    environment: FromQuery[list[str] | None] = None,
    from_timestamp: Annotated[datetime | None, QueryParameter(name="fromTimestamp")] = None,
    to_timestamp: Annotated[datetime | None, QueryParameter(name="toTimestamp")] = None,
) -> DailyMetricsPage:
    """Days newest first, each with its traces, observations, cost and usage per model."""
    query = MetricsQuery(
        trace_name=trace_name,
        user_id=user_id,
        tags=tags or (),
        environments=environment or (),
        from_timestamp=when(from_timestamp),
        to_timestamp=when(to_timestamp),
        offset=(page - 1) * limit,
        limit=limit,
    )
    result = await reads.daily_metrics(principal.project_id, query)
    return DailyMetricsPage(**offset_page(result.items, page, limit, result.total or 0))


METRICS_ROUTES = [daily_metrics]
