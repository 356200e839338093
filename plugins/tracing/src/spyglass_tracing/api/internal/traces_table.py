"""The traces table of the web UI: ``GET /projects/{id}/traces`` (keyset pages of rows
with their aggregates) and ``GET /projects/{id}/traces/filter-options``."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import get
from litestar.params import FromQuery, QueryParameter

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import ObservationLevel
from spyglass_tracing.api.reads import choice, when
from spyglass_tracing.domain.ui_lists import (
    ScoreCondition,
    TraceFilterOptions,
    TraceListQuery,
    TraceRow,
    decode_trace_cursor,
)
from spyglass_tracing.services.ui_reads import UiReads

__all__ = ("TRACES_TABLE_ROUTES", "TraceTablePage")

MAX_TABLE_LIMIT = 200
"""A traces-table page holds at most this many rows."""

TraceOrder = Literal["timestamp", "latency", "totalCost", "name"]


class TraceTablePage(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """One page of the traces table; ``nextCursor`` is null on the last page."""

    items: list[TraceRow]
    next_cursor: str | None


def _invalid(details: str) -> InvalidInput:
    return InvalidInput("Invalid request data", details=details)


def _score_condition(
    name: str | None, minimum: float | None, maximum: float | None, value: str | None
) -> ScoreCondition | None:
    if name is None:
        if minimum is not None or maximum is not None or value is not None:
            raise _invalid("scoreMin, scoreMax and scoreValue need a scoreName")
        return None
    if value is not None and (minimum is not None or maximum is not None):
        raise _invalid("scoreValue (categorical, boolean) excludes scoreMin/scoreMax (numeric)")
    for bound in (minimum, maximum):
        if bound is not None and not math.isfinite(bound):
            raise _invalid("scoreMin and scoreMax must be finite numbers")
    return ScoreCondition(name=name, minimum=minimum, maximum=maximum, string_value=value)


def _levels(raw: list[str] | None) -> list[ObservationLevel]:
    found = (choice(item, ObservationLevel, "level") for item in raw or ())
    return [level for level in found if level is not None]


@get("/projects/{project_id:str}/traces", opt=requires(Role.VIEWER))
async def list_trace_rows(
    principal: FromDishka[Principal],
    reads: FromDishka[UiReads],
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_TABLE_LIMIT)] = 50,
    cursor: FromQuery[str | None] = None,
    order_by: Annotated[TraceOrder, QueryParameter(name="orderBy")] = "timestamp",
    order: FromQuery[Literal["asc", "desc"]] = "desc",
    from_timestamp: Annotated[datetime | None, QueryParameter(name="fromTimestamp")] = None,
    to_timestamp: Annotated[datetime | None, QueryParameter(name="toTimestamp")] = None,
    name: FromQuery[list[str] | None] = None,
    user_id: Annotated[list[str] | None, QueryParameter(name="userId")] = None,
    session_id: Annotated[str | None, QueryParameter(name="sessionId")] = None,
    tags: FromQuery[list[str] | None] = None,
    environment: FromQuery[list[str] | None] = None,
    level: FromQuery[list[str] | None] = None,
    model: FromQuery[list[str] | None] = None,
    search: FromQuery[str | None] = None,
    score_name: Annotated[str | None, QueryParameter(name="scoreName")] = None,
    score_min: Annotated[float | None, QueryParameter(name="scoreMin")] = None,
    score_max: Annotated[float | None, QueryParameter(name="scoreMax")] = None,
    score_value: Annotated[str | None, QueryParameter(name="scoreValue")] = None,
) -> TraceTablePage:
    """Traces of the project with their level, latency, cost, tokens and scores.

    Sorted by ``orderBy`` then id, in ``order`` (NULL values last); keyset-paged:
    pass ``nextCursor`` back as ``cursor`` with the same order (400 otherwise).
    """
    desc = order == "desc"
    query = TraceListQuery(
        limit=limit,
        order_by=order_by,
        order_desc=desc,
        after=decode_trace_cursor(cursor, order_by, desc) if cursor else None,
        from_timestamp=when(from_timestamp),
        to_timestamp=when(to_timestamp),
        names=name or (),
        user_ids=user_id or (),
        session_id=session_id,
        tags=tags or (),
        environments=environment or (),
        levels=_levels(level),
        models=model or (),
        search=search or None,
        score=_score_condition(score_name, score_min, score_max, score_value),
    )
    items, next_cursor = await reads.trace_rows(principal.project_id, query)
    return TraceTablePage(items=items, next_cursor=next_cursor)


@get("/projects/{project_id:str}/traces/filter-options", opt=requires(Role.VIEWER))
async def trace_filter_options(
    principal: FromDishka[Principal],
    reads: FromDishka[UiReads],
    from_timestamp: Annotated[datetime | None, QueryParameter(name="fromTimestamp")] = None,
    to_timestamp: Annotated[datetime | None, QueryParameter(name="toTimestamp")] = None,
) -> TraceFilterOptions:
    """Values for the table's filter dropdowns (at most 100 each, most frequent first)."""
    return await reads.filter_options(
        principal.project_id, when(from_timestamp), when(to_timestamp)
    )


TRACES_TABLE_ROUTES = [list_trace_rows, trace_filter_options]
