"""In-memory unit of work: repositories over dicts, with commit and rollback by copy."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar, cast

import msgspec

from spyglass_adapters.memory.accounts import MemoryInvitations, MemoryMemberships, MemorySessions
from spyglass_adapters.memory.spi import MemoryTables
from spyglass_core.domain.api_keys import ApiKey
from spyglass_core.domain.errors import Conflict
from spyglass_core.domain.projects import Organization, Project, User
from spyglass_core.ports.event_outbox import EventOutboxRepository, OutboxEntry
from spyglass_core.ports.repositories import (
    ApiKeyRepository,
    InstanceSecretRepository,
    OrganizationRepository,
    ProjectRepository,
    UserRepository,
)
from spyglass_core.ports.unit_of_work import RepositoryNotRegistered, UnitOfWork, UnitOfWorkFactory

__all__ = (
    "MemoryDatabase",
    "MemoryRepositoryFactories",
    "MemoryUnitOfWork",
    "MemoryUnitOfWorkFactory",
)

R = TypeVar("R")

MemoryRepositoryFactories = Mapping[type[Any], Callable[[MemoryTables], Any]]
"""Port type -> constructor taking the unit of work's tables (``RepositorySpec.memory``)."""


class MemoryDatabase(MemoryTables):
    """The committed state every memory unit of work starts from: named dicts.

    The kernel's tables are ``organizations``, ``projects``, ``api_keys``, ``users``,
    ``instance_secrets``, ``memberships``, ``user_sessions`` and ``invitations``;
    plugins' memory repositories add theirs (see ``spyglass_adapters.memory.spi``).
    """


_Row = TypeVar("_Row", Organization, Project, ApiKey)


def _ordered(rows: Sequence[_Row]) -> list[_Row]:
    return sorted(rows, key=lambda r: (r.created_at, r.id))


class _Organizations(OrganizationRepository):
    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add(self, organization: Organization) -> None:
        if organization.id in self._db.table("organizations"):
            raise Conflict(f"Organization '{organization.id}' already exists")
        self._db.table("organizations")[organization.id] = organization

    async def get(self, organization_id: str) -> Organization | None:
        return self._db.table("organizations").get(organization_id)

    async def list(self) -> Sequence[Organization]:
        return _ordered(list(self._db.table("organizations").values()))


class _Projects(ProjectRepository):
    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add(self, project: Project) -> None:
        if project.id in self._db.table("projects") or await self.get_by_name(
            project.organization_id, project.name
        ):
            raise Conflict(f"Project '{project.name}' already exists")
        self._db.table("projects")[project.id] = project

    async def get(self, project_id: str) -> Project | None:
        return self._db.table("projects").get(project_id)

    async def get_by_name(self, organization_id: str, name: str) -> Project | None:
        return next(
            (
                p
                for p in self._db.table("projects").values()
                if p.organization_id == organization_id and p.name == name
            ),
            None,
        )

    async def list(self, organization_id: str | None = None) -> Sequence[Project]:
        rows = [
            p
            for p in self._db.table("projects").values()
            if organization_id is None or p.organization_id == organization_id
        ]
        return _ordered(rows)


class _ApiKeys(ApiKeyRepository):
    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add(self, key: ApiKey) -> None:
        for other in self._db.table("api_keys").values():
            if (
                key.id == other.id
                or key.public_key == other.public_key
                or (key.fast_hashed_secret == other.fast_hashed_secret)
            ):
                raise Conflict("API key already exists")
        self._db.table("api_keys")[key.id] = key

    async def get(self, key_id: str) -> ApiKey | None:
        return self._db.table("api_keys").get(key_id)

    async def get_by_fast_hash(self, fast_hashed_secret: str) -> ApiKey | None:
        return next(
            (
                k
                for k in self._db.table("api_keys").values()
                if k.fast_hashed_secret == fast_hashed_secret
            ),
            None,
        )

    async def get_by_public_key(self, public_key: str) -> ApiKey | None:
        return next(
            (k for k in self._db.table("api_keys").values() if k.public_key == public_key), None
        )

    async def list(self, project_id: str) -> Sequence[ApiKey]:
        return _ordered(
            [k for k in self._db.table("api_keys").values() if k.project_id == project_id]
        )

    async def delete(self, key_id: str) -> bool:
        return self._db.table("api_keys").pop(key_id, None) is not None

    async def touch(self, key_id: str, used_at: datetime) -> None:
        if key := self._db.table("api_keys").get(key_id):
            self._db.table("api_keys")[key_id] = msgspec.structs.replace(key, last_used_at=used_at)


class _Users(UserRepository):
    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add(self, user: User) -> None:
        if user.id in self._db.table("users") or await self.get_by_email(user.email):
            raise Conflict(f"User '{user.email}' already exists")
        self._db.table("users")[user.id] = user

    async def get(self, user_id: str) -> User | None:
        return self._db.table("users").get(user_id)

    async def get_by_email(self, email: str) -> User | None:
        wanted = email.casefold()
        return next(
            (u for u in self._db.table("users").values() if u.email.casefold() == wanted), None
        )

    async def count(self) -> int:
        return len(self._db.table("users"))

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        if user := self._db.table("users").get(user_id):
            self._db.table("users")[user_id] = msgspec.structs.replace(
                user, password_hash=password_hash
            )


class _InstanceSecrets(InstanceSecretRepository):
    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def get(self, name: str) -> str | None:
        value: str | None = self._db.table("instance_secrets").get(name)
        return value

    async def add(self, name: str, value: str) -> None:
        if name in self._db.table("instance_secrets"):
            raise Conflict(f"Instance secret '{name}' already exists")
        self._db.table("instance_secrets")[name] = value


class _EventOutbox(EventOutboxRepository):
    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add(self, entries: Sequence[OutboxEntry]) -> None:
        for entry in entries:
            self._db.table("event_outbox")[entry.id] = entry

    async def get(self, entry_id: str) -> OutboxEntry | None:
        found: OutboxEntry | None = self._db.table("event_outbox").get(entry_id)
        return found

    async def due(self, now: datetime, limit: int) -> Sequence[OutboxEntry]:
        due = [e for e in self._db.table("event_outbox").values() if e.available_at <= now]
        return sorted(due, key=lambda e: (e.available_at, e.id))[:limit]

    async def postpone(self, entry_id: str, until: datetime, attempts: int) -> None:
        table = self._db.table("event_outbox")
        if entry := table.get(entry_id):
            table[entry_id] = msgspec.structs.replace(entry, available_at=until, attempts=attempts)

    async def delete(self, entry_id: str) -> None:
        self._db.table("event_outbox").pop(entry_id, None)


class MemoryUnitOfWork(UnitOfWork):
    """Works on a private copy of the database; ``commit`` publishes the copy."""

    def __init__(self, db: MemoryDatabase, repositories: MemoryRepositoryFactories) -> None:
        self._committed_db = db
        self._factories = repositories
        self.committed = False
        self._reset()

    def _reset(self) -> None:
        self._work = self._committed_db.copy()
        self._repositories: dict[type[Any], Any] = {}
        self.organizations = _Organizations(self._work)
        self.projects = _Projects(self._work)
        self.api_keys = _ApiKeys(self._work)
        self.users = _Users(self._work)
        self.instance_secrets = _InstanceSecrets(self._work)
        self.memberships = MemoryMemberships(self._work)
        self.sessions = MemorySessions(self._work)
        self.invitations = MemoryInvitations(self._work)
        self.outbox = _EventOutbox(self._work)

    def repository(self, port: type[R]) -> R:
        if (repository := self._repositories.get(port)) is None:
            factory = self._factories.get(port)
            if factory is None:
                raise RepositoryNotRegistered(
                    f"No memory repository is registered for {port.__qualname__}"
                )
            repository = self._repositories[port] = factory(self._work)
        return cast("R", repository)

    async def __aenter__(self) -> MemoryUnitOfWork:
        self._reset()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.rollback()

    async def commit(self) -> None:
        self._committed_db.publish(self._work)
        self.committed = True

    async def rollback(self) -> None:
        self._reset()


class MemoryUnitOfWorkFactory(UnitOfWorkFactory):
    """Hands out units of work over one shared ``MemoryDatabase``.

    Args:
        db: the committed state (a new, empty one by default).
        repositories: the plugins' memory repositories by port type.
    """

    def __init__(
        self,
        db: MemoryDatabase | None = None,
        repositories: MemoryRepositoryFactories | None = None,
    ) -> None:
        self.db = db or MemoryDatabase()
        self.repositories = dict(repositories or {})

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.db, self.repositories)

    async def ping(self) -> None:
        return None
