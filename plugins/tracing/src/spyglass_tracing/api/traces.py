"""Trace reads and deletes: ``GET/DELETE /traces``, ``GET/DELETE /traces/{traceId}``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import delete, get
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.input_limits import MAX_PAGE
from spyglass_tracing.api.pages import MessageResponse, TracePage
from spyglass_tracing.api.reads import (
    MAX_PAGE_LIMIT,
    field_groups,
    filters,
    offset_page,
    unless_filtered,
    when,
)
from spyglass_tracing.domain.filter_columns import TRACE_FILTERS, TRACE_ORDER_FIELDS
from spyglass_tracing.domain.queries import TraceQuery
from spyglass_tracing.services.deletion import DeletedTraces
from spyglass_tracing.services.reads import TRACE_GROUPS, TracingReads
from spyglass_tracing.views.traces import TraceWithFullDetails

__all__ = ("TRACE_ROUTES",)

_ORDER_COLUMNS = frozenset(TRACE_ORDER_FIELDS)


class DeleteTracesRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``DELETE /traces``: at least one id."""

    trace_ids: Annotated[list[str], msgspec.Meta(min_length=1)]


def _order(raw: str | None) -> tuple[str, bool]:
    if not raw:
        return "timestamp", True
    column, _, direction = raw.partition(".")
    if column not in _ORDER_COLUMNS or direction.lower() not in ("asc", "desc"):
        raise InvalidInput(
            "Invalid request data",
            details=f"orderBy must be <field>.<asc|desc> with field one of: "
            f"{', '.join(sorted(_ORDER_COLUMNS))}",
        )
    return column, direction.lower() == "desc"


def _groups(fields: str | None) -> frozenset[str]:
    return field_groups(fields, TRACE_GROUPS, TRACE_GROUPS, strict=False, always=("core",))


@get("/traces")
async def list_traces(
    principal: FromDishka[Principal],
    reads: FromDishka[TracingReads],
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_LIMIT)] = 50,
    user_id: Annotated[str | None, QueryParameter(name="userId")] = None,
    name: FromQuery[str | None] = None,
    session_id: Annotated[str | None, QueryParameter(name="sessionId")] = None,
    from_timestamp: Annotated[datetime | None, QueryParameter(name="fromTimestamp")] = None,
    to_timestamp: Annotated[datetime | None, QueryParameter(name="toTimestamp")] = None,
    order_by: Annotated[str | None, QueryParameter(name="orderBy")] = None,
    tags: FromQuery[list[str] | None] = None,
    version: FromQuery[str | None] = None,
    release: FromQuery[str | None] = None,
    environment: FromQuery[list[str] | None] = None,
    fields: FromQuery[str | None] = None,
    filter: FromQuery[str | None] = None,
) -> TracePage:
    """Traces, newest first by default, with observation/score ids, latency and cost."""
    conditions = filters(filter, TRACE_FILTERS)
    column, descending = _order(order_by)
    timed = any(c.column == "timestamp" for c in conditions)
    query = TraceQuery(
        user_id=unless_filtered(conditions, "userId", user_id),
        name=unless_filtered(conditions, "name", name),
        session_id=unless_filtered(conditions, "sessionId", session_id),
        from_timestamp=None if timed else when(from_timestamp),
        to_timestamp=None if timed else when(to_timestamp),
        tags=unless_filtered(conditions, "tags", tags or []) or (),
        version=unless_filtered(conditions, "version", version),
        release=unless_filtered(conditions, "release", release),
        environments=unless_filtered(conditions, "environment", environment or []) or (),
        filters=conditions,
        order_by=column,
        order_desc=descending,
        offset=(page - 1) * limit,
        limit=limit,
    )
    items, total = await reads.traces(principal.project_id, query, _groups(fields))
    return TracePage(**offset_page(items, page, limit, total))


@get("/traces/{trace_id:str}")
async def get_trace(
    trace_id: FromPath[str],
    principal: FromDishka[Principal],
    reads: FromDishka[TracingReads],
    fields: FromQuery[str | None] = None,
) -> TraceWithFullDetails:
    """One trace with its observations and scores; 404 when absent."""
    return await reads.trace(principal.project_id, trace_id, _groups(fields))


@delete("/traces/{trace_id:str}", status_code=HTTP_200_OK)
async def delete_trace(
    trace_id: FromPath[str],
    principal: FromDishka[Principal],
    deleted: FromDishka[DeletedTraces],
) -> MessageResponse:
    """Delete a trace, its observations and scores (unknown ids too answer 200).

    Gone from reads at once; its raw events are erased in the background.
    """
    await deleted.delete(principal.project_id, [trace_id])
    return MessageResponse(message="Trace deleted successfully")


@delete("/traces", status_code=HTTP_200_OK)
async def delete_traces(
    data: JSONBody[DeleteTracesRequest],
    principal: FromDishka[Principal],
    deleted: FromDishka[DeletedTraces],
) -> MessageResponse:
    """Delete several traces: ``{"traceIds": [...]}``, at least one."""
    await deleted.delete(principal.project_id, data.trace_ids)
    return MessageResponse(message="Traces deleted successfully")


TRACE_ROUTES = [list_traces, get_trace, delete_trace, delete_traces]
