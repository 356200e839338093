"""The users pages of the web UI: ``GET /projects/{id}/users`` (keyset pages, last seen
first) and ``GET /projects/{id}/users/{userId}``. A user's traces come from the traces
table's ``userId`` filter."""

from __future__ import annotations

from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import get
from litestar.params import FromPath, FromQuery, QueryParameter

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_tracing.domain.ui_lists import UserQuery, UserRow, decode_user_cursor
from spyglass_tracing.services.ui_reads import UiReads

__all__ = ("USER_ROUTES", "UserListPage")

MAX_USERS_LIMIT = 200
"""A users page holds at most this many users."""


class UserListPage(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """One page of users; ``nextCursor`` is null on the last page."""

    items: list[UserRow]
    next_cursor: str | None


@get("/projects/{project_id:str}/users", opt=requires(Role.VIEWER))
async def list_users(
    principal: FromDishka[Principal],
    reads: FromDishka[UiReads],
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_USERS_LIMIT)] = 50,
    cursor: FromQuery[str | None] = None,
    search: FromQuery[str | None] = None,
) -> UserListPage:
    """Users (the distinct user ids of the project's traces), last seen first;
    ``search`` is a case-insensitive substring of the user id."""
    query = UserQuery(
        limit=limit,
        after=decode_user_cursor(cursor) if cursor else None,
        search=search or None,
    )
    items, next_cursor = await reads.users(principal.project_id, query)
    return UserListPage(items=items, next_cursor=next_cursor)


# ``path``: a user id may hold "/" (the SDKs send free text); it arrives with a leading "/".
@get("/projects/{project_id:str}/users/{user_id:path}", opt=requires(Role.VIEWER))
async def get_user(
    user_id: FromPath[str],
    principal: FromDishka[Principal],
    reads: FromDishka[UiReads],
) -> UserRow:
    """One user's summary; 404 when no trace of the project carries this user id."""
    return await reads.user(principal.project_id, user_id.removeprefix("/"))


USER_ROUTES = [list_users, get_user]
