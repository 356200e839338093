"""Unit of work: one transaction over transactional storage.

Contract:

- ``async with uow:`` opens a transaction; the repositories are valid only inside it.
- Nothing is visible to other units of work until ``await uow.commit()``. Leaving the
  block without committing rolls back, so a commit is always explicit.
- An exception inside the block rolls back and propagates unchanged.
- A unit of work is used for one block only; ask the factory for a new one.
- Do not open a unit of work inside another in the same task: on SQLite, units of work
  are serialized (the write lock is taken at the start, so a read-then-write never fails
  half way), and the inner one would wait for the outer one forever.
- Driver errors are translated: an unreachable database raises ``StorageUnavailable``,
  a unique violation ``Conflict``.
- The shared kernel's repositories are attributes; a feature's repositories are asked
  for by their port type, ``uow.repository(NoteRepository)``, and exist when the
  plugin that owns them registered them through ``register_storage``.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, TypeVar

from spyglass_core.ports.event_outbox import EventOutboxRepository
from spyglass_core.ports.repositories import (
    ApiKeyRepository,
    InstanceSecretRepository,
    InvitationRepository,
    MembershipRepository,
    OrganizationRepository,
    ProjectRepository,
    SessionRepository,
    UserRepository,
)

__all__ = ("RepositoryNotRegistered", "UnitOfWork", "UnitOfWorkFactory")

R = TypeVar("R")


class RepositoryNotRegistered(LookupError):
    """No installed plugin registered a repository for the port a service asked for."""


class UnitOfWork(Protocol):
    """A transaction and the repositories that work inside it."""

    organizations: OrganizationRepository
    projects: ProjectRepository
    api_keys: ApiKeyRepository
    users: UserRepository
    instance_secrets: InstanceSecretRepository
    memberships: MembershipRepository
    sessions: SessionRepository
    invitations: InvitationRepository
    outbox: EventOutboxRepository

    def repository(self, port: type[R]) -> R:
        """The repository registered for ``port``, bound to this unit of work's transaction.

        Valid only inside ``async with``. Raises: RepositoryNotRegistered.
        """

    async def __aenter__(self) -> UnitOfWork:
        """Begin the transaction."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed and release the connection."""

    async def commit(self) -> None:
        """Make every write of this unit of work durable and visible."""

    async def rollback(self) -> None:
        """Discard every write since the last commit."""


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work; services hold this, never a unit of work itself."""

    def __call__(self) -> UnitOfWork:
        """A new, not yet entered, unit of work."""

    async def ping(self) -> None:
        """Check that storage answers. Raises: StorageUnavailable."""
