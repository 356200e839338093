"""The trace page's reads: ``GET /projects/{id}/traces/{traceId}`` (the trace, its
aggregates and scores), its observation tree (keyset-paged, without payloads) and one
observation with its payloads."""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import get
from litestar.params import FromPath, QueryParameter

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_tracing.services.ui_detail import UiDetailReads
from spyglass_tracing.views.ui_detail import ObservationDetail, ObservationNodePage, TraceDetail

__all__ = ("TRACE_DETAIL_ROUTES",)

MAX_NODES_PER_PAGE = 5000


@get("/projects/{project_id:str}/traces/{trace_id:str}", opt=requires(Role.VIEWER))
async def trace_detail_page(
    trace_id: FromPath[str],
    principal: FromDishka[Principal],
    reads: FromDishka[UiDetailReads],
) -> TraceDetail:
    """The trace with its payloads, latency, cost, observation count and every score of it
    and its observations; 404 when absent."""
    return await reads.trace(principal.project_id, trace_id)


@get("/projects/{project_id:str}/traces/{trace_id:str}/observations", opt=requires(Role.VIEWER))
async def trace_observation_nodes(
    trace_id: FromPath[str],
    principal: FromDishka[Principal],
    reads: FromDishka[UiDetailReads],
    cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_NODES_PER_PAGE)] = 1000,
) -> ObservationNodePage:
    """The trace's observations without input, output and metadata, by start time then
    id, keyset-paged (``nextCursor``); an unknown trace gives an empty page."""
    return await reads.observation_nodes(principal.project_id, trace_id, cursor=cursor, limit=limit)


@get("/projects/{project_id:str}/observations/{observation_id:str}", opt=requires(Role.VIEWER))
async def observation_detail_page(
    observation_id: FromPath[str],
    principal: FromDishka[Principal],
    reads: FromDishka[UiDetailReads],
) -> ObservationDetail:
    """One observation with its payloads, usage and costs; 404 when absent."""
    return await reads.observation(principal.project_id, observation_id)


TRACE_DETAIL_ROUTES = [trace_detail_page, trace_observation_nodes, observation_detail_page]
