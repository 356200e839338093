"""The web UI's metrics: ``GET /projects/{id}/metrics`` (the public query, same shape)
and ``GET /projects/{id}/dashboard`` (everything the project dashboard shows, at once)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from dishka.integrations.litestar import FromDishka
from litestar import get
from litestar.params import QueryParameter

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_tracing.api.metrics_query import MetricsResponse, QueryText
from spyglass_tracing.domain.dashboard import Dashboard
from spyglass_tracing.domain.metrics_query import MetricsApi
from spyglass_tracing.services.dashboard import ProjectDashboard
from spyglass_tracing.services.metrics_query import MetricsQueries

__all__ = ("METRICS_INTERNAL_ROUTES",)

GranularityParam = Literal["auto", "minute", "hour", "day", "week", "month"]


@get("/projects/{project_id:str}/metrics", opt=requires(Role.VIEWER))
async def project_metrics(
    principal: FromDishka[Principal], queries: FromDishka[MetricsQueries], raw_query: QueryText
) -> MetricsResponse:
    """The metrics query of ``GET /api/public/metrics`` for the web UI."""
    return MetricsResponse(data=await queries.run(principal.project_id, raw_query, MetricsApi.V1))


@get("/projects/{project_id:str}/dashboard", opt=requires(Role.VIEWER))
async def project_dashboard(
    principal: FromDishka[Principal],
    dashboard: FromDishka[ProjectDashboard],
    from_timestamp: Annotated[datetime, QueryParameter(name="fromTimestamp")],
    to_timestamp: Annotated[datetime, QueryParameter(name="toTimestamp")],
    granularity: Annotated[GranularityParam, QueryParameter()] = "auto",
) -> Dashboard:
    """Totals, a series per time bucket, top trace names, cost by model and by user, and
    score averages over ``fromTimestamp``..``toTimestamp`` (both inclusive)."""
    return await dashboard.build(principal.project_id, from_timestamp, to_timestamp, granularity)


METRICS_INTERNAL_ROUTES = [project_metrics, project_dashboard]
