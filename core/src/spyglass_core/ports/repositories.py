"""Repositories of the shared kernel: organizations, projects, API keys, users.

A feature's own repositories are declared by its plugin and reached through
``UnitOfWork.repository(PortType)``.

Contract shared by every repository here:

- Repositories are reached only through a ``UnitOfWork``; what they write becomes
  visible to other units of work on ``commit()`` and is discarded on rollback.
- ``get_*`` returns ``None`` for a missing row; it never raises ``NotFound``.
- ``add`` raises ``Conflict`` when a unique field (id, a project's name within its
  organization, a public key, a secret hash, an email) is taken.
- Lists are ordered by creation time, then id, so pages are stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from spyglass_core.domain.accounts import Invitation, Membership, Role, UserSession
from spyglass_core.domain.api_keys import ApiKey
from spyglass_core.domain.projects import Organization, Project, User

__all__ = (
    "ApiKeyRepository",
    "InstanceSecretRepository",
    "InvitationRepository",
    "MembershipRepository",
    "OrganizationRepository",
    "ProjectRepository",
    "SessionRepository",
    "UserRepository",
)


class OrganizationRepository(Protocol):
    """Organizations by id."""

    async def add(self, organization: Organization) -> None:
        """Store a new organization. Raises: Conflict when the id is taken."""

    async def get(self, organization_id: str) -> Organization | None:
        """The organization with this id, or None."""

    async def list(self) -> Sequence[Organization]:
        """Every organization."""


class ProjectRepository(Protocol):
    """Projects by id; names are unique within an organization."""

    async def add(self, project: Project) -> None:
        """Store a new project. Raises: Conflict when the id or the name is taken."""

    async def get(self, project_id: str) -> Project | None:
        """The project with this id, or None."""

    async def get_by_name(self, organization_id: str, name: str) -> Project | None:
        """The project with this name in this organization, or None."""

    async def list(self, organization_id: str | None = None) -> Sequence[Project]:
        """Every project, or those of one organization."""


class ApiKeyRepository(Protocol):
    """API keys; looked up by the fast hash of their secret on every request."""

    async def add(self, key: ApiKey) -> None:
        """Store a new key. Raises: Conflict when the id, public key or hash is taken."""

    async def get(self, key_id: str) -> ApiKey | None:
        """The key with this id, or None."""

    async def get_by_fast_hash(self, fast_hashed_secret: str) -> ApiKey | None:
        """The key whose secret hashes to this value, or None."""

    async def get_by_public_key(self, public_key: str) -> ApiKey | None:
        """The key with this public key, or None."""

    async def list(self, project_id: str) -> Sequence[ApiKey]:
        """The keys of one project."""

    async def delete(self, key_id: str) -> bool:
        """Remove a key; True if it existed. Removing a missing key is a no-op."""

    async def touch(self, key_id: str, used_at: datetime) -> None:
        """Record that a key was used. A missing key is a no-op."""


class UserRepository(Protocol):
    """People who sign in to the UI; emails are unique."""

    async def add(self, user: User) -> None:
        """Store a new user. Raises: Conflict when the id or email is taken."""

    async def get(self, user_id: str) -> User | None:
        """The user with this id, or None."""

    async def get_by_email(self, email: str) -> User | None:
        """The user with this email (compared case-insensitively), or None."""

    async def count(self) -> int:
        """How many users exist (zero on a first start)."""

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        """Replace a user's password hash. A missing user is a no-op."""


class MembershipRepository(Protocol):
    """Who belongs to which organization, with which role; one row per (organization, user)."""

    async def add(self, membership: Membership) -> None:
        """Store a membership. Raises: Conflict when the user is already a member."""

    async def get(self, organization_id: str, user_id: str) -> Membership | None:
        """The user's membership of the organization, or None."""

    async def list_for_user(self, user_id: str) -> Sequence[Membership]:
        """Every organization the user belongs to."""

    async def list_for_organization(self, organization_id: str) -> Sequence[Membership]:
        """Every member of an organization."""

    async def set_role(self, organization_id: str, user_id: str, role: Role) -> None:
        """Change a member's role. A missing membership is a no-op."""

    async def remove(self, organization_id: str, user_id: str) -> bool:
        """End a membership; True if it existed."""


class SessionRepository(Protocol):
    """Signed-in browsers, by the hash of their token."""

    async def add(self, session: UserSession) -> None:
        """Store a new session. Raises: Conflict when the hash is taken."""

    async def get(self, token_hash: str) -> UserSession | None:
        """The session with this token hash, or None (expired ones included)."""

    async def touch(self, token_hash: str, seen_at: datetime) -> None:
        """Record activity, which pushes back the idle expiry. A missing session is a no-op."""

    async def delete(self, token_hash: str) -> bool:
        """Remove a session (sign-out); True if it existed."""

    async def delete_for_user(self, user_id: str) -> int:
        """Remove every session of a user (password change); how many there were."""

    async def delete_expired(self, now: datetime, idle_before: datetime) -> int:
        """Remove sessions past ``expires_at`` or unused since ``idle_before``; how many."""


class InvitationRepository(Protocol):
    """Single-use sign-up links, by the hash of their token."""

    async def add(self, invitation: Invitation) -> None:
        """Store an invitation. Raises: Conflict when the hash is taken."""

    async def get(self, token_hash: str) -> Invitation | None:
        """The invitation with this token hash, or None (expired ones included)."""

    async def delete(self, token_hash: str) -> bool:
        """Use up or withdraw an invitation; True if it existed.

        Two units of work deleting the same invitation: one gets True, so a link is
        accepted once even under a race.
        """

    async def list(self, organization_id: str) -> Sequence[Invitation]:
        """The open invitations of an organization."""


class InstanceSecretRepository(Protocol):
    """Secrets of the deployment (the API-key salt, signing keys), by name.

    Kept with the data they protect, so every replica reads the same value and losing a
    data directory loses nothing. A secret never changes once stored.
    """

    async def get(self, name: str) -> str | None:
        """The secret called ``name``, or None."""

    async def add(self, name: str, value: str) -> None:
        """Store a new secret. Raises: Conflict when ``name`` exists (another replica won)."""
