"""The web UI's comment routes under ``/projects/{project_id}/comments``.

Anyone who may read the project reads comments; a MEMBER writes them as the signed-in
user; a comment may be deleted by its author, or by an ADMIN or OWNER (403 otherwise).
"""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import delete, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_core.services.accounts import SessionContext
from spyglass_tracing.api.internal.annotation_schemas import (
    CreateCommentBody,
    InternalComment,
    internal_comment,
)
from spyglass_tracing.services.comments import CommentService, NewComment

__all__ = ("COMMENT_INTERNAL_ROUTES",)

_COMMENTS = "/projects/{project_id:str}/comments"


@get(_COMMENTS, opt=requires(Role.VIEWER))
async def list_comments(
    principal: FromDishka[Principal],
    comments: FromDishka[CommentService],
    object_type: Annotated[str, QueryParameter(name="objectType", max_length=32)],
    object_id: Annotated[str, QueryParameter(name="objectId", max_length=800)],
) -> list[InternalComment]:
    """The object's comments, oldest first, with their authors' emails."""
    found, emails = await comments.of_object(principal.project_id, object_type, object_id)
    return [internal_comment(c, emails.get(c.author_user_id or "")) for c in found]


@post(_COMMENTS, opt=requires(Role.MEMBER), status_code=HTTP_201_CREATED)
async def create_comment(
    data: JSONBody[CreateCommentBody],
    principal: FromDishka[Principal],
    session: FromDishka[SessionContext],
    comments: FromDishka[CommentService],
) -> InternalComment:
    """Comment on an existing object of the project as the signed-in user."""
    comment = await comments.create(
        principal.project_id,
        principal.organization_id,
        NewComment(
            object_type=data.object_type,
            object_id=data.object_id,
            content=data.content,
            author_user_id=session.user.id,
        ),
    )
    return internal_comment(comment, session.user.email)


@delete(_COMMENTS + "/{comment_id:str}", opt=requires(Role.MEMBER), status_code=HTTP_204_NO_CONTENT)
async def delete_comment(
    comment_id: FromPath[str],
    principal: FromDishka[Principal],
    session: FromDishka[SessionContext],
    comments: FromDishka[CommentService],
) -> None:
    """Delete a comment: its author, or an ADMIN or OWNER of the organization."""
    await comments.delete(
        principal.project_id,
        comment_id,
        session.user.id,
        session.role_in(principal.organization_id),
    )


COMMENT_INTERNAL_ROUTES = [list_comments, create_comment, delete_comment]
