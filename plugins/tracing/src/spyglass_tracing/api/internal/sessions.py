"""The sessions pages' reads: sessions with their aggregates, newest last trace first, and
one session replayed turn by turn (its traces, oldest first)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import get
from litestar.params import FromPath, QueryParameter

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_tracing.domain.time import utc_or_none
from spyglass_tracing.domain.ui_detail import SessionSummaryQuery
from spyglass_tracing.services.ui_detail import UiDetailReads
from spyglass_tracing.views.ui_detail import SessionDetail, SessionRowPage

__all__ = ("SESSION_DETAIL_ROUTES",)

MAX_SESSIONS_PER_PAGE = 200
MAX_TURNS_PER_PAGE = 200
_CURSOR = QueryParameter(max_length=512)


@get("/projects/{project_id:str}/sessions", opt=requires(Role.VIEWER))
async def session_list_page(
    principal: FromDishka[Principal],
    reads: FromDishka[UiDetailReads],
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_SESSIONS_PER_PAGE)] = 50,
    cursor: Annotated[str | None, _CURSOR] = None,
    from_timestamp: Annotated[datetime | None, QueryParameter(name="fromTimestamp")] = None,
    to_timestamp: Annotated[datetime | None, QueryParameter(name="toTimestamp")] = None,
    user_id: Annotated[str | None, QueryParameter(name="userId", max_length=1000)] = None,
    search: Annotated[str | None, QueryParameter(max_length=1000)] = None,
) -> SessionRowPage:
    """Sessions with their aggregates, newest last trace first (then id descending).

    ``fromTimestamp`` (inclusive) and ``toTimestamp`` (exclusive) bound the session's last
    trace time; ``userId`` keeps sessions with a trace of that user; ``search`` keeps
    session ids containing it, case-insensitively.
    """
    query = SessionSummaryQuery(
        from_timestamp=utc_or_none(from_timestamp),
        to_timestamp=utc_or_none(to_timestamp),
        user_id=user_id,
        search=search or None,
        limit=limit,
    )
    return await reads.sessions(principal.project_id, query, cursor=cursor)


# ``path``: a session id may hold "/" (the SDKs send free text); it arrives with a leading "/".
@get("/projects/{project_id:str}/sessions/{session_id:path}", opt=requires(Role.VIEWER))
async def session_turns_page(
    session_id: FromPath[str],
    principal: FromDishka[Principal],
    reads: FromDishka[UiDetailReads],
    cursor: Annotated[str | None, _CURSOR] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_TURNS_PER_PAGE)] = 50,
) -> SessionDetail:
    """The session's aggregates and one page of its traces, oldest first, each with its
    input, output, latency, cost and scores; 404 when no trace carries the session id."""
    return await reads.session(
        principal.project_id, session_id.removeprefix("/"), cursor=cursor, limit=limit
    )


SESSION_DETAIL_ROUTES = [session_list_page, session_turns_page]
