"""SQL repositories of accounts: memberships, sessions and invitations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from spyglass_adapters.sql.mapping import utc_loaded, utc_value
from spyglass_adapters.sql.schema import invitations, memberships, user_sessions
from spyglass_adapters.sql.spi import SqlRepository
from spyglass_core.domain.accounts import Invitation, Membership, Role, UserSession
from spyglass_core.ports.repositories import (
    InvitationRepository,
    MembershipRepository,
    SessionRepository,
)

__all__ = ("SqlInvitations", "SqlMemberships", "SqlSessions")


def _membership(row: sa.Row[Any]) -> Membership:
    return Membership(
        organization_id=row.organization_id,
        user_id=row.user_id,
        role=Role(row.role),
        created_at=utc_loaded(row.created_at),
    )


class SqlMemberships(SqlRepository, MembershipRepository):
    """Memberships in SQL; (organization, user) is the primary key."""

    async def add(self, membership: Membership) -> None:
        await self._write(
            memberships.insert().values(
                organization_id=membership.organization_id,
                user_id=membership.user_id,
                role=membership.role.value,
                created_at=utc_value(membership.created_at),
            )
        )

    async def get(self, organization_id: str, user_id: str) -> Membership | None:
        row = await self._first(
            sa.select(memberships).where(
                memberships.c.organization_id == organization_id,
                memberships.c.user_id == user_id,
            )
        )
        return _membership(row) if row else None

    async def list_for_user(self, user_id: str) -> Sequence[Membership]:
        statement = (
            sa.select(memberships)
            .where(memberships.c.user_id == user_id)
            .order_by(memberships.c.created_at, memberships.c.organization_id)
        )
        return [_membership(r) for r in await self._all(statement)]

    async def list_for_organization(self, organization_id: str) -> Sequence[Membership]:
        statement = (
            sa.select(memberships)
            .where(memberships.c.organization_id == organization_id)
            .order_by(memberships.c.created_at, memberships.c.user_id)
        )
        return [_membership(r) for r in await self._all(statement)]

    async def set_role(self, organization_id: str, user_id: str, role: Role) -> None:
        await self._write(
            memberships.update()
            .where(
                memberships.c.organization_id == organization_id,
                memberships.c.user_id == user_id,
            )
            .values(role=role.value)
        )

    async def remove(self, organization_id: str, user_id: str) -> bool:
        statement = memberships.delete().where(
            memberships.c.organization_id == organization_id, memberships.c.user_id == user_id
        )
        return await self._write(statement) > 0


def _session(row: sa.Row[Any]) -> UserSession:
    return UserSession(
        token_hash=row.token_hash,
        user_id=row.user_id,
        created_at=utc_loaded(row.created_at),
        last_seen_at=utc_loaded(row.last_seen_at),
        expires_at=utc_loaded(row.expires_at),
    )


class SqlSessions(SqlRepository, SessionRepository):
    """Sessions in SQL, by token hash."""

    async def add(self, session: UserSession) -> None:
        await self._write(
            user_sessions.insert().values(
                token_hash=session.token_hash,
                user_id=session.user_id,
                created_at=utc_value(session.created_at),
                last_seen_at=utc_value(session.last_seen_at),
                expires_at=utc_value(session.expires_at),
            )
        )

    async def get(self, token_hash: str) -> UserSession | None:
        row = await self._first(
            sa.select(user_sessions).where(user_sessions.c.token_hash == token_hash)
        )
        return _session(row) if row else None

    async def touch(self, token_hash: str, seen_at: datetime) -> None:
        await self._write(
            user_sessions.update()
            .where(user_sessions.c.token_hash == token_hash)
            .values(last_seen_at=utc_value(seen_at))
        )

    async def delete(self, token_hash: str) -> bool:
        statement = user_sessions.delete().where(user_sessions.c.token_hash == token_hash)
        return await self._write(statement) > 0

    async def delete_for_user(self, user_id: str) -> int:
        return await self._write(user_sessions.delete().where(user_sessions.c.user_id == user_id))

    async def delete_expired(self, now: datetime, idle_before: datetime) -> int:
        return await self._write(
            user_sessions.delete().where(
                sa.or_(
                    user_sessions.c.expires_at <= utc_value(now),
                    user_sessions.c.last_seen_at <= utc_value(idle_before),
                )
            )
        )


def _invitation(row: sa.Row[Any]) -> Invitation:
    return Invitation(
        token_hash=row.token_hash,
        organization_id=row.organization_id,
        role=Role(row.role),
        email=row.email,
        created_at=utc_loaded(row.created_at),
        expires_at=utc_loaded(row.expires_at),
    )


class SqlInvitations(SqlRepository, InvitationRepository):
    """Invitations in SQL, by token hash."""

    async def add(self, invitation: Invitation) -> None:
        await self._write(
            invitations.insert().values(
                token_hash=invitation.token_hash,
                organization_id=invitation.organization_id,
                role=invitation.role.value,
                email=invitation.email,
                created_at=utc_value(invitation.created_at),
                expires_at=utc_value(invitation.expires_at),
            )
        )

    async def get(self, token_hash: str) -> Invitation | None:
        row = await self._first(
            sa.select(invitations).where(invitations.c.token_hash == token_hash)
        )
        return _invitation(row) if row else None

    async def delete(self, token_hash: str) -> bool:
        statement = invitations.delete().where(invitations.c.token_hash == token_hash)
        return await self._write(statement) > 0

    async def list(self, organization_id: str) -> Sequence[Invitation]:
        statement = (
            sa.select(invitations)
            .where(invitations.c.organization_id == organization_id)
            .order_by(invitations.c.created_at, invitations.c.token_hash)
        )
        return [_invitation(r) for r in await self._all(statement)]
