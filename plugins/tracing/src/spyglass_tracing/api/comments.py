"""``/comments``: comments on traces, observations, sessions and prompts (Langfuse's shapes)."""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.input_limits import MAX_PAGE
from spyglass_tracing.api.annotation_schemas import (
    CommentPage,
    CommentResponse,
    CreateCommentRequest,
    comment_response,
)
from spyglass_tracing.api.pages import IdResponse
from spyglass_tracing.api.reads import MAX_PAGE_LIMIT
from spyglass_tracing.services.comments import CommentService, NewComment
from spyglass_tracing.views.wire import page_meta

__all__ = ("COMMENT_ROUTES",)


@get("/comments")
async def list_comments(
    principal: FromDishka[Principal],
    comments: FromDishka[CommentService],
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_LIMIT)] = 50,
    object_type: Annotated[str | None, QueryParameter(name="objectType")] = None,
    object_id: Annotated[str | None, QueryParameter(name="objectId")] = None,
    author_user_id: Annotated[str | None, QueryParameter(name="authorUserId")] = None,
) -> CommentPage:
    """The project's comments, oldest first; ``objectId`` needs ``objectType``."""
    found, total = await comments.list(
        principal.project_id,
        object_type=object_type,
        object_id=object_id,
        author_user_id=author_user_id,
        page=page,
        limit=limit,
    )
    return CommentPage(
        data=[comment_response(c) for c in found], meta=page_meta(page, limit, total)
    )


@post("/comments", status_code=HTTP_200_OK)
async def create_comment(
    data: JSONBody[CreateCommentRequest],
    principal: FromDishka[Principal],
    comments: FromDishka[CommentService],
) -> IdResponse:
    """Comment on an existing object (404 when it does not exist) → ``{id}``."""
    comment = await comments.create(
        principal.project_id,
        principal.organization_id,
        NewComment(
            object_type=data.object_type,
            object_id=data.object_id,
            content=data.content,
            author_user_id=data.author_user_id,
        ),
    )
    return IdResponse(id=comment.id)


@get("/comments/{comment_id:str}")
async def get_comment(
    comment_id: FromPath[str],
    principal: FromDishka[Principal],
    comments: FromDishka[CommentService],
) -> CommentResponse:
    """One comment of the project."""
    return comment_response(await comments.get(principal.project_id, comment_id))


COMMENT_ROUTES = [list_comments, create_comment, get_comment]
