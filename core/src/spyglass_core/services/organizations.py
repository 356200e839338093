"""Organization administration: members and invitations by link."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from spyglass_core.domain.accounts import (
    Invitation,
    Membership,
    Role,
    hash_token,
    new_token,
    validate_email,
)
from spyglass_core.domain.errors import NotFound, PermissionDenied
from spyglass_core.domain.projects import User
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory

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
