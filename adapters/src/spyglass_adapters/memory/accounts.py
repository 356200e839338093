"""In-memory memberships, sessions and invitations (unit tests only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from spyglass_adapters.memory.spi import MemoryTables
from spyglass_core.domain.accounts import Invitation, Membership, Role, UserSession
from spyglass_core.domain.errors import Conflict
from spyglass_core.ports.repositories import (
    InvitationRepository,
    MembershipRepository,
    SessionRepository,
)

__all__ = ("MemoryInvitations", "MemoryMemberships", "MemorySessions")


class MemoryMemberships(MembershipRepository):
    """Memberships keyed by (organization id, user id)."""

    def __init__(self, db: MemoryTables) -> None:
        self._rows = db.table("memberships")

    async def add(self, membership: Membership) -> None:
        key = (membership.organization_id, membership.user_id)
        if key in self._rows:
            raise Conflict("The user is already a member of this organization")
        self._rows[key] = membership

    async def get(self, organization_id: str, user_id: str) -> Membership | None:
        return self._rows.get((organization_id, user_id))

    async def list_for_user(self, user_id: str) -> Sequence[Membership]:
        rows = [m for m in self._rows.values() if m.user_id == user_id]
        return sorted(rows, key=lambda m: (m.created_at, m.organization_id))

    async def list_for_organization(self, organization_id: str) -> Sequence[Membership]:
        rows = [m for m in self._rows.values() if m.organization_id == organization_id]
        return sorted(rows, key=lambda m: (m.created_at, m.user_id))

    async def set_role(self, organization_id: str, user_id: str, role: Role) -> None:
        if membership := self._rows.get((organization_id, user_id)):
            self._rows[(organization_id, user_id)] = msgspec.structs.replace(membership, role=role)

    async def remove(self, organization_id: str, user_id: str) -> bool:
        return self._rows.pop((organization_id, user_id), None) is not None


class MemorySessions(SessionRepository):
    """Sessions keyed by token hash."""

    def __init__(self, db: MemoryTables) -> None:
        self._rows = db.table("user_sessions")

    async def add(self, session: UserSession) -> None:
        if session.token_hash in self._rows:
            raise Conflict("Session already exists")
        self._rows[session.token_hash] = session

    async def get(self, token_hash: str) -> UserSession | None:
        return self._rows.get(token_hash)

    async def touch(self, token_hash: str, seen_at: datetime) -> None:
        if session := self._rows.get(token_hash):
            self._rows[token_hash] = msgspec.structs.replace(session, last_seen_at=seen_at)

    async def delete(self, token_hash: str) -> bool:
        return self._rows.pop(token_hash, None) is not None

    async def delete_for_user(self, user_id: str) -> int:
        doomed = [h for h, s in self._rows.items() if s.user_id == user_id]
        for token_hash in doomed:
            del self._rows[token_hash]
        return len(doomed)

    async def delete_expired(self, now: datetime, idle_before: datetime) -> int:
        doomed = [
            h for h, s in self._rows.items() if s.expires_at <= now or s.last_seen_at <= idle_before
        ]
        for token_hash in doomed:
            del self._rows[token_hash]
        return len(doomed)


class MemoryInvitations(InvitationRepository):
    """Invitations keyed by token hash."""

    def __init__(self, db: MemoryTables) -> None:
        self._rows = db.table("invitations")

    async def add(self, invitation: Invitation) -> None:
        if invitation.token_hash in self._rows:
            raise Conflict("Invitation already exists")
        self._rows[invitation.token_hash] = invitation

    async def get(self, token_hash: str) -> Invitation | None:
        return self._rows.get(token_hash)

    async def delete(self, token_hash: str) -> bool:
        return self._rows.pop(token_hash, None) is not None

    async def list(self, organization_id: str) -> Sequence[Invitation]:
        rows = [i for i in self._rows.values() if i.organization_id == organization_id]
        return sorted(rows, key=lambda i: (i.created_at, i.token_hash))
