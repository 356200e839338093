"""``/api/internal/organizations/{organization_id}/…`` and accepting an invitation.

An invitation's token is shown once, in the response that creates it; the UI turns it
into a link (``/sign-up?token=…`` for someone new; a signed-in user accepts it with
``POST /api/internal/invitations/accept``). Invitations are listed by ``id``, the hash
of the token, which cannot be turned back into a working link.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Response, delete, get, patch, post
from litestar.params import FromPath, JSONBody

from spyglass.api.sessions import SIGN_UP_PATH
from spyglass_core.domain.access import Access, requires
from spyglass_core.domain.accounts import Invitation, Role
from spyglass_core.domain.errors import PermissionDenied
from spyglass_core.services.accounts import Accounts, SessionContext
from spyglass_core.services.organizations import OrganizationAdmin

__all__ = (
    "ORGANIZATION_ROUTES",
    "AcceptInvitationRequest",
    "ChangeRoleRequest",
    "CreateInvitationRequest",
    "CreatedInvitationResponse",
    "InvitationResponse",
    "MemberResponse",
)


class MemberResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A member of the organization."""

    user_id: str
    email: str
    name: str | None
    role: Role
    created_at: datetime


class InvitationResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """An open invitation (without its token)."""

    id: str
    role: Role
    email: str | None
    created_at: datetime
    expires_at: datetime


class CreatedInvitationResponse(InvitationResponse, frozen=True, kw_only=True, rename="camel"):
    """A new invitation: ``token`` and ``signUpPath`` appear in this response only."""

    token: str
    sign_up_path: str


class CreateInvitationRequest(msgspec.Struct, frozen=True, kw_only=True):
    """The role the invitee gets, and optionally the only email that may accept."""

    role: Role
    email: Annotated[str, msgspec.Meta(max_length=320)] | None = None


class ChangeRoleRequest(msgspec.Struct, frozen=True, kw_only=True):
    """The member's new role."""

    role: Role


class AcceptInvitationRequest(msgspec.Struct, frozen=True, kw_only=True):
    """The token of an invitation link."""

    token: Annotated[str, msgspec.Meta(max_length=200)]


def _invitation(invitation: Invitation) -> InvitationResponse:
    return InvitationResponse(
        id=invitation.token_hash,
        role=invitation.role,
        email=invitation.email,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
    )


@get("/organizations/{organization_id:str}/members", opt=requires(Role.VIEWER))
async def list_members(
    organization_id: FromPath[str], admin: FromDishka[OrganizationAdmin]
) -> list[MemberResponse]:
    """Who belongs to the organization, with which role."""
    return [
        MemberResponse(
            user_id=user.id,
            email=user.email,
            name=user.name,
            role=membership.role,
            created_at=membership.created_at,
        )
        for membership, user in await admin.members(organization_id)
    ]


def _actor_role(session: SessionContext, organization_id: str) -> Role:
    role = session.role_in(organization_id)
    if role is None:  # the guard let only members of this organization through
        raise PermissionDenied("Access denied - your role does not allow this")
    return role


@patch("/organizations/{organization_id:str}/members/{user_id:str}", opt=requires(Role.ADMIN))
async def change_member_role(
    organization_id: FromPath[str],
    user_id: FromPath[str],
    data: JSONBody[ChangeRoleRequest],
    session: FromDishka[SessionContext],
    admin: FromDishka[OrganizationAdmin],
) -> MemberResponse:
    """Change a member's role (never above the caller's own; the last OWNER stays)."""
    membership, user = await admin.change_role(
        organization_id, user_id, data.role, actor_role=_actor_role(session, organization_id)
    )
    return MemberResponse(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=membership.role,
        created_at=membership.created_at,
    )


@delete("/organizations/{organization_id:str}/members/{user_id:str}", opt=requires(Role.ADMIN))
async def remove_member(
    organization_id: FromPath[str],
    user_id: FromPath[str],
    session: FromDishka[SessionContext],
    admin: FromDishka[OrganizationAdmin],
) -> Response[None]:
    """Remove a member; their sessions lose this organization at their next request."""
    await admin.remove_member(
        organization_id, user_id, actor_role=_actor_role(session, organization_id)
    )
    return Response(None, status_code=204)


@get("/organizations/{organization_id:str}/invitations", opt=requires(Role.ADMIN))
async def list_invitations(
    organization_id: FromPath[str], admin: FromDishka[OrganizationAdmin]
) -> list[InvitationResponse]:
    """The open invitations."""
    return [_invitation(i) for i in await admin.invitations(organization_id)]


@post("/organizations/{organization_id:str}/invitations", opt=requires(Role.ADMIN), status_code=201)
async def create_invitation(
    organization_id: FromPath[str],
    data: JSONBody[CreateInvitationRequest],
    session: FromDishka[SessionContext],
    admin: FromDishka[OrganizationAdmin],
) -> CreatedInvitationResponse:
    """A single-use invitation link (7 days); no role above the inviter's own."""
    invitation, token = await admin.invite(
        organization_id,
        data.role,
        inviter_role=_actor_role(session, organization_id),
        email=data.email,
    )
    listed = _invitation(invitation)
    return CreatedInvitationResponse(
        **msgspec.structs.asdict(listed),
        token=token,
        sign_up_path=f"{SIGN_UP_PATH}?token={token}",
    )


@delete(
    "/organizations/{organization_id:str}/invitations/{invitation_id:str}",
    opt=requires(Role.ADMIN),
)
async def withdraw_invitation(
    organization_id: FromPath[str],
    invitation_id: FromPath[str],
    admin: FromDishka[OrganizationAdmin],
) -> Response[None]:
    """Withdraw an invitation; its link stops working."""
    await admin.withdraw(organization_id, invitation_id)
    return Response(None, status_code=204)


@post("/invitations/accept", opt=requires(Access.SIGNED_IN), status_code=200)
async def accept_invitation(
    data: JSONBody[AcceptInvitationRequest],
    session: FromDishka[SessionContext],
    accounts: FromDishka[Accounts],
) -> MemberResponse:
    """Join the invitation's organization as the signed-in user."""
    membership = await accounts.accept_invitation(session.user, data.token)
    return MemberResponse(
        user_id=session.user.id,
        email=session.user.email,
        name=session.user.name,
        role=membership.role,
        created_at=membership.created_at,
    )


ORGANIZATION_ROUTES = [
    list_members,
    change_member_role,
    remove_member,
    list_invitations,
    create_invitation,
    withdraw_invitation,
    accept_invitation,
]
