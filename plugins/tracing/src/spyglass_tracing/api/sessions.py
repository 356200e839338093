"""Session reads: ``GET /sessions`` and ``GET /sessions/{sessionId}``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import get
from litestar.params import FromPath, FromQuery, QueryParameter

from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.input_limits import MAX_PAGE
from spyglass_tracing.api.pages import SessionPage
from spyglass_tracing.api.reads import MAX_PAGE_LIMIT, offset_page, when
from spyglass_tracing.domain.queries import SessionQuery
from spyglass_tracing.services.reads import TracingReads
from spyglass_tracing.views.sessions import SessionWithTraces

__all__ = ("SESSION_ROUTES",)


@get("/sessions")
async def list_sessions(
    principal: FromDishka[Principal],
    reads: FromDishka[TracingReads],
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_LIMIT)] = 50,
    from_timestamp: Annotated[datetime | None, QueryParameter(name="fromTimestamp")] = None,
    to_timestamp: Annotated[datetime | None, QueryParameter(name="toTimestamp")] = None,
    environment: FromQuery[list[str] | None] = None,
) -> SessionPage:
    """Sessions, newest first: the distinct session ids of the project's traces."""
    query = SessionQuery(
        from_timestamp=when(from_timestamp),
        to_timestamp=when(to_timestamp),
        environments=environment or (),
        offset=(page - 1) * limit,
        limit=limit,
    )
    items, total = await reads.sessions(principal.project_id, query)
    return SessionPage(**offset_page(items, page, limit, total))


@get("/sessions/{session_id:str}")
async def get_session(
    session_id: FromPath[str],
    principal: FromDishka[Principal],
    reads: FromDishka[TracingReads],
) -> SessionWithTraces:
    """A session with all its traces, oldest first; 404 when no trace carries the id."""
    return await reads.session(principal.project_id, session_id)


SESSION_ROUTES = [list_sessions, get_session]
