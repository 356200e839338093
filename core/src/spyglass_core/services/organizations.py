"""Organization administration: members, their roles, and invitations by link."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import msgspec

from spyglass_core.domain.accounts import (
    Invitation,
    Membership,
    Role,
    hash_token,
    new_token,
    validate_email,
)
from spyglass_core.domain.errors import Conflict, NotFound, PermissionDenied
from spyglass_core.domain.projects import User
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = ("INVITATION_TTL", "OrganizationAdmin")

INVITATION_TTL = timedelta(days=7)


class OrganizationAdmin:
    """Use cases of an organization's admins. The caller has checked their role already."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, *, ttl: timedelta = INVITATION_TTL
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ttl = ttl

    async def invite(
        self, organization_id: str, role: Role, *, inviter_role: Role, email: str | None = None
    ) -> tuple[Invitation, str]:
        """A single-use invitation; the token is returned here and stored only hashed.

        Raises:
            PermissionDenied: the role asked for is above the inviter's own.
            InvalidInput: a malformed email.
            NotFound: no such organization.
        """
        if not inviter_role.allows(role):
            raise PermissionDenied("You cannot invite with a role above your own")
        token = new_token()
        now = self._clock.now()
        invitation = Invitation(
            token_hash=hash_token(token),
            organization_id=organization_id,
            role=role,
            created_at=now,
            expires_at=now + self._ttl,
            email=validate_email(email) if email else None,
        )
        async with self._uow_factory() as uow:
            if await uow.organizations.get(organization_id) is None:
                raise NotFound(f"Organization '{organization_id}' not found")
            await uow.invitations.add(invitation)
            await uow.commit()
        return invitation, token

    async def invitations(self, organization_id: str) -> Sequence[Invitation]:
        """The organization's invitations that are still open (expired ones left out)."""
        now = self._clock.now()
        async with self._uow_factory() as uow:
            return [i for i in await uow.invitations.list(organization_id) if i.expires_at > now]

    async def withdraw(self, organization_id: str, invitation_id: str) -> None:
        """Delete an open invitation; its link stops working.

        Raises:
            NotFound: the organization has no invitation with this id.
        """
        async with self._uow_factory() as uow:
            invitation = await uow.invitations.get(invitation_id)
            if invitation is None or invitation.organization_id != organization_id:
                raise NotFound(f"Invitation '{invitation_id}' not found")
            await uow.invitations.delete(invitation_id)
            await uow.commit()

    async def members(self, organization_id: str) -> Sequence[tuple[Membership, User]]:
        """Every member with their user record."""
        async with self._uow_factory() as uow:
            members = []
            for membership in await uow.memberships.list_for_organization(organization_id):
                user = await uow.users.get(membership.user_id)
                if user is not None:
                    members.append((membership, user))
            return members

    async def change_role(
        self, organization_id: str, user_id: str, role: Role, *, actor_role: Role
    ) -> tuple[Membership, User]:
        """Give a member another role; the changed membership and its user.

        Nobody grants a role above their own or changes someone whose role is above
        theirs (so only an OWNER touches an OWNER), and the last OWNER stays one.

        Raises:
            NotFound: the user is not a member.
            PermissionDenied: the actor's role is too weak for this change.
            Conflict: it would leave the organization without an OWNER.
        """
        async with self._uow_factory() as uow:
            current = await self._member(uow, organization_id, user_id)
            if not actor_role.allows(role) or not actor_role.allows(current.role):
                raise PermissionDenied("You cannot change a role above your own")
            if current.role is Role.OWNER and role is not Role.OWNER:
                await self._keep_an_owner(uow, organization_id)
            await uow.memberships.set_role(organization_id, user_id, role)
            user = await uow.users.get(user_id)
            await uow.commit()
        if user is None:  # memberships cascade with their user, so this cannot happen
            raise NotFound(f"User '{user_id}' not found")
        return msgspec.structs.replace(current, role=role), user

    async def remove_member(self, organization_id: str, user_id: str, *, actor_role: Role) -> None:
        """End a membership; the user loses access at their next request.

        Raises:
            NotFound: the user is not a member.
            PermissionDenied: the member's role is above the actor's.
            Conflict: they are the last OWNER.
        """
        async with self._uow_factory() as uow:
            current = await self._member(uow, organization_id, user_id)
            if not actor_role.allows(current.role):
                raise PermissionDenied("You cannot remove a member whose role is above your own")
            if current.role is Role.OWNER:
                await self._keep_an_owner(uow, organization_id)
            await uow.memberships.remove(organization_id, user_id)
            await uow.commit()

    @staticmethod
    async def _member(uow: UnitOfWork, organization_id: str, user_id: str) -> Membership:
        membership = await uow.memberships.get(organization_id, user_id)
        if membership is None:
            raise NotFound(f"User '{user_id}' is not a member of this organization")
        return membership

    @staticmethod
    async def _keep_an_owner(uow: UnitOfWork, organization_id: str) -> None:
        members = await uow.memberships.list_for_organization(organization_id)
        if sum(m.role is Role.OWNER for m in members) <= 1:
            raise Conflict("An organization needs at least one OWNER")
