"""Observation reads: ``GET /observations`` (offset), ``/observations/{id}`` and the
cursor-paged ``GET /v2/observations`` with field groups."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from dishka.integrations.litestar import FromDishka
from litestar import get
from litestar.params import FromPath, FromQuery, QueryParameter

from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.input_limits import MAX_PAGE
from spyglass_core.domain.tracing import ObservationLevel, ObservationType
from spyglass_tracing.api.pages import CursorMeta, ObservationPage, ObservationV2Page
from spyglass_tracing.api.reads import (
    MAX_PAGE_LIMIT,
    choice,
    comma_list,
    field_groups,
    filters,
    offset_page,
    unless_filtered,
    when,
)
from spyglass_tracing.domain.filter_columns import OBSERVATION_FILTERS
from spyglass_tracing.domain.queries import FilterCondition, ObservationQuery
from spyglass_tracing.services.reads import TracingReads
from spyglass_tracing.views.observations import OBSERVATION_V2_GROUPS, ObservationView
from spyglass_tracing.views.wire import decode_cursor

__all__ = ("OBSERVATION_ROUTES",)

V2_MAX_LIMIT = 1000
"""``/v2/observations`` pages hold at most this many observations."""


class _Filters:
    """The simple filter parameters both list versions share (``filter`` wins over each)."""

    def __init__(
        self,
        conditions: list[FilterCondition],
        *,
        name: str | None,
        user_id: str | None,
        type_: str | None,
        trace_id: str | None,
        level: str | None,
        parent_observation_id: str | None,
        environment: list[str] | None,
        from_start_time: datetime | None,
        to_start_time: datetime | None,
        version: str | None,
    ) -> None:
        kind = choice(type_, ObservationType, "type")
        severity = choice(level, ObservationLevel, "level")
        timed = any(c.column == "startTime" for c in conditions)
        self.fields: dict[str, Any] = {
            "name": unless_filtered(conditions, "name", name),
            "user_id": unless_filtered(conditions, "userId", user_id),
            "type": unless_filtered(conditions, "type", kind.value if kind else None),
            "trace_id": unless_filtered(conditions, "traceId", trace_id),
            "level": unless_filtered(conditions, "level", severity.value if severity else None),
            "parent_observation_id": unless_filtered(
                conditions, "parentObservationId", parent_observation_id
            ),
            "environments": unless_filtered(conditions, "environment", environment or []) or (),
            "from_start_time": None if timed else when(from_start_time),
            "to_start_time": None if timed else when(to_start_time),
            "version": unless_filtered(conditions, "version", version),
            "filters": conditions,
        }


@get("/observations")
async def list_observations(
    principal: FromDishka[Principal],
    reads: FromDishka[TracingReads],
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_LIMIT)] = 50,
    name: FromQuery[str | None] = None,
    user_id: Annotated[str | None, QueryParameter(name="userId")] = None,
    type_: Annotated[str | None, QueryParameter(name="type")] = None,
    trace_id: Annotated[str | None, QueryParameter(name="traceId")] = None,
    level: FromQuery[str | None] = None,
    parent_observation_id: Annotated[str | None, QueryParameter(name="parentObservationId")] = None,
    environment: FromQuery[list[str] | None] = None,
    from_start_time: Annotated[datetime | None, QueryParameter(name="fromStartTime")] = None,
    to_start_time: Annotated[datetime | None, QueryParameter(name="toStartTime")] = None,
    version: FromQuery[str | None] = None,
    filter: FromQuery[str | None] = None,
) -> ObservationPage:
    """Observations, newest start time first, with offset pagination."""
    simple = _Filters(
        filters(filter, OBSERVATION_FILTERS),
        name=name,
        user_id=user_id,
        type_=type_,
        trace_id=trace_id,
        level=level,
        parent_observation_id=parent_observation_id,
        environment=environment,
        from_start_time=from_start_time,
        to_start_time=to_start_time,
        version=version,
    )
    query = ObservationQuery(**simple.fields, offset=(page - 1) * limit, limit=limit)
    items, total = await reads.observations(principal.project_id, query)
    return ObservationPage(**offset_page(items, page, limit, total))


@get("/observations/{observation_id:str}")
async def get_observation(
    observation_id: FromPath[str],
    principal: FromDishka[Principal],
    reads: FromDishka[TracingReads],
) -> ObservationView:
    """One observation; 404 when absent."""
    return await reads.observation(principal.project_id, observation_id)


@get("/v2/observations")
async def list_observations_v2(
    principal: FromDishka[Principal],
    reads: FromDishka[TracingReads],
    limit: Annotated[int, QueryParameter(ge=1, le=V2_MAX_LIMIT)] = 50,
    cursor: FromQuery[str | None] = None,
    fields: FromQuery[str | None] = None,
    parse_io_as_json: Annotated[bool | None, QueryParameter(name="parseIoAsJson")] = None,
    expand_metadata: Annotated[str | None, QueryParameter(name="expandMetadata")] = None,
    name: FromQuery[str | None] = None,
    user_id: Annotated[str | None, QueryParameter(name="userId")] = None,
    session_id: Annotated[str | None, QueryParameter(name="sessionId")] = None,
    type_: Annotated[str | None, QueryParameter(name="type")] = None,
    trace_id: Annotated[str | None, QueryParameter(name="traceId")] = None,
    level: FromQuery[str | None] = None,
    parent_observation_id: Annotated[str | None, QueryParameter(name="parentObservationId")] = None,
    is_root_observation: Annotated[bool | None, QueryParameter(name="isRootObservation")] = None,
    environment: FromQuery[list[str] | None] = None,
    from_start_time: Annotated[datetime | None, QueryParameter(name="fromStartTime")] = None,
    to_start_time: Annotated[datetime | None, QueryParameter(name="toStartTime")] = None,
    version: FromQuery[str | None] = None,
    filter: FromQuery[str | None] = None,
) -> ObservationV2Page:
    """Observations newest first, keyset-paged; ``meta.cursor`` is absent on the last page.

    IO comes back as the stored strings: ``parseIoAsJson=true`` is refused (400).
    """
    if parse_io_as_json:
        raise InvalidInput(
            "Invalid request data",
            details="parseIoAsJson is not supported: input and output are returned as strings",
        )
    groups = field_groups(fields, OBSERVATION_V2_GROUPS, ("core", "basic"), always=("core",))
    conditions = filters(filter, OBSERVATION_FILTERS)
    simple = _Filters(
        conditions,
        name=name,
        user_id=user_id,
        type_=type_,
        trace_id=trace_id,
        level=level,
        parent_observation_id=parent_observation_id,
        environment=environment,
        from_start_time=from_start_time,
        to_start_time=to_start_time,
        version=version,
    )
    query = ObservationQuery(
        **simple.fields,
        session_id=unless_filtered(conditions, "sessionId", session_id),
        is_root=is_root_observation,
        limit=limit,
        after=decode_cursor(cursor) if cursor else None,
        with_total=False,
    )
    items, next_cursor = await reads.observations_v2(
        principal.project_id, query, groups, frozenset(comma_list(expand_metadata))
    )
    return ObservationV2Page(data=items, meta=CursorMeta(cursor=next_cursor))


OBSERVATION_ROUTES = [list_observations, get_observation, list_observations_v2]
