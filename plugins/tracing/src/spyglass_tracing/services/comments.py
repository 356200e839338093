"""Comments on traces, observations, sessions and prompts.

A comment names an object that must exist in the project (404 otherwise), as in
Langfuse: traces, observations and sessions are looked up in the analytics store.
Prompts belong to another plugin, which this one may not import, so a comment on a
prompt is stored without that check. An author, when given, must be a member of the
project's organization.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from spyglass_core.domain.accounts import Role
from spyglass_core.domain.errors import InvalidInput, NotFound, PermissionDenied
from spyglass_core.domain.ids import new_id
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from spyglass_tracing.domain.annotation import (
    Comment,
    CommentObjectType,
    choice,
    comment_content,
    object_id,
)
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.ports.annotation import CommentRepository

__all__ = ("MAX_OBJECT_COMMENTS", "CommentService", "NewComment")

MAX_OBJECT_COMMENTS = 1000
"""The comments of one object the UI is shown (the oldest ones)."""


class NewComment(msgspec.Struct, frozen=True, kw_only=True):
    """What a caller asks to be stored: the raw object type, object id, content and author."""

    object_type: str
    object_id: str
    content: str
    author_user_id: str | None = None


class CommentService:
    """Create, read, list and delete a project's comments."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, analytics: AnalyticsStore
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._analytics = analytics

    async def create(self, project_id: str, organization_id: str, new: NewComment) -> Comment:
        """Store a comment on an existing object.

        Raises:
            InvalidInput: an unknown object type, a bad id, empty or too long content, or
                an author who is no member of the organization.
            NotFound: the trace, observation or session does not exist.
        """
        kind = choice(CommentObjectType, new.object_type, "objectType")
        target = object_id(new.object_id)
        content = comment_content(new.content)
        await self._check_object(project_id, kind, target)
        now = self._clock.now()
        comment = Comment(
            id=new_id(),
            project_id=project_id,
            object_type=kind,
            object_id=target,
            content=content,
            author_user_id=new.author_user_id,
            created_at=now,
            updated_at=now,
        )
        async with self._uow_factory() as uow:
            if new.author_user_id is not None:
                member = await uow.memberships.get(organization_id, new.author_user_id)
                if member is None:
                    raise InvalidInput(
                        "Invalid request data",
                        details="authorUserId must name a member of the project's organization",
                    )
            await uow.repository(CommentRepository).add(comment)
            await uow.commit()
        return comment

    async def get(self, project_id: str, comment_id: str) -> Comment:
        """One comment. Raises: NotFound."""
        async with self._uow_factory() as uow:
            comment = await uow.repository(CommentRepository).get(project_id, comment_id)
        if comment is None:
            raise NotFound("Comment not found within authorized project")
        return comment

    async def list(
        self,
        project_id: str,
        *,
        object_type: str | None,
        object_id: str | None,
        author_user_id: str | None,
        page: int,
        limit: int,
    ) -> tuple[Sequence[Comment], int]:
        """One offset page of comments, oldest first, and the total.

        Raises: InvalidInput for an unknown object type, or an object id without its type.
        """
        if object_id is not None and object_type is None:
            raise InvalidInput(
                "Invalid request data", details="objectType is required when objectId is provided"
            )
        kind = None if object_type is None else choice(CommentObjectType, object_type, "objectType")
        async with self._uow_factory() as uow:
            return await uow.repository(CommentRepository).list(
                project_id,
                object_type=kind,
                object_id=object_id,
                author_user_id=author_user_id,
                offset=(page - 1) * limit,
                limit=limit,
            )

    async def of_object(
        self, project_id: str, object_type: str, object_id: str
    ) -> tuple[Sequence[Comment], dict[str, str]]:
        """The object's comments, oldest first, and the email of each author (by user id)."""
        kind = choice(CommentObjectType, object_type, "objectType")
        async with self._uow_factory() as uow:
            found, _ = await uow.repository(CommentRepository).list(
                project_id, object_type=kind, object_id=object_id, limit=MAX_OBJECT_COMMENTS
            )
            emails = await _emails(uow, (c.author_user_id for c in found))
        return found, emails

    async def delete(
        self, project_id: str, comment_id: str, user_id: str, role: Role | None
    ) -> None:
        """Delete a comment: only its author or an ADMIN (or OWNER) may.

        Raises: NotFound; PermissionDenied for anyone else.
        """
        async with self._uow_factory() as uow:
            comments = uow.repository(CommentRepository)
            comment = await comments.get(project_id, comment_id)
            if comment is None:
                raise NotFound("Comment not found within authorized project")
            admin = role is not None and role.allows(Role.ADMIN)
            if comment.author_user_id != user_id and not admin:
                raise PermissionDenied("Only the author or an admin may delete this comment")
            await comments.delete(project_id, comment_id)
            await uow.commit()

    async def _check_object(self, project_id: str, kind: CommentObjectType, target: str) -> None:
        found: object | None = True
        if kind is CommentObjectType.TRACE:
            found = await self._analytics.get_trace(project_id, target)
        elif kind is CommentObjectType.OBSERVATION:
            found = await self._analytics.get_observation(project_id, target)
        elif kind is CommentObjectType.SESSION:
            found = await self._analytics.get_session(project_id, target)
        if found is None:
            raise NotFound(f"Reference object, {kind.value}: {target} not found")


async def _emails(uow: UnitOfWork, user_ids: Iterable[str | None]) -> dict[str, str]:
    """The email of each of these users that exists, by id (one lookup per distinct author)."""
    emails: dict[str, str] = {}
    for user_id in dict.fromkeys(u for u in user_ids if u is not None):
        user = await uow.users.get(user_id)
        if user is not None:
            emails[user_id] = user.email
    return emails
