"""In-memory unit of work: repositories over dicts, with commit and rollback by copy."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import TypeVar

import msgspec

from spyglass_adapters.memory.prompts import MemoryPrompts
from spyglass_adapters.memory.tracing import (
    MemoryIngestionBatches,
    MemoryMedia,
    MemoryModels,
    MemoryScoreConfigs,
)
from spyglass_core.domain.api_keys import ApiKey
from spyglass_core.domain.errors import Conflict
from spyglass_core.domain.ingestion import BatchRecord
from spyglass_core.domain.media import Media
from spyglass_core.domain.models import Model
from spyglass_core.domain.projects import Organization, Project, User
from spyglass_core.domain.prompts import Prompt, PromptReference
from spyglass_core.domain.scoring import ScoreConfig
from spyglass_core.ports.repositories import (
    ApiKeyRepository,
    OrganizationRepository,
    ProjectRepository,
    UserRepository,
)
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = ("MemoryDatabase", "MemoryUnitOfWork", "MemoryUnitOfWorkFactory")


class MemoryDatabase:
    """The committed state every memory unit of work starts from."""

    def __init__(self) -> None:
        self.organizations: dict[str, Organization] = {}
        self.projects: dict[str, Project] = {}
        self.api_keys: dict[str, ApiKey] = {}
        self.users: dict[str, User] = {}
        # Prompt versions by id; labels by (project, name, label) -> prompt id; tags by
        # (project, name); dependencies by parent prompt id. Every value is immutable.
        self.prompts: dict[str, Prompt] = {}
        self.prompt_labels: dict[tuple[str, str, str], str] = {}
        self.prompt_tags: dict[tuple[str, str], tuple[str, ...]] = {}
        self.prompt_dependencies: dict[str, tuple[PromptReference, ...]] = {}
        # Models (with their tiers) by id, score configs and batches by id, accepted event
        # ids by (project, event id) -> received_at, media by (project, id).
        self.models: dict[str, Model] = {}
        self.score_configs: dict[str, ScoreConfig] = {}
        self.ingestion_batches: dict[str, BatchRecord] = {}
        self.ingestion_event_ids: dict[tuple[str, str], datetime] = {}
        self.media: dict[tuple[str, str], Media] = {}


# The dicts a unit of work copies on enter and publishes on commit.
_TABLES = (
    "organizations",
    "projects",
    "api_keys",
    "users",
    "prompts",
    "prompt_labels",
    "prompt_tags",
    "prompt_dependencies",
    "models",
    "score_configs",
    "ingestion_batches",
    "ingestion_event_ids",
    "media",
)


_Row = TypeVar("_Row", Organization, Project, ApiKey)


def _ordered(rows: Sequence[_Row]) -> list[_Row]:
    return sorted(rows, key=lambda r: (r.created_at, r.id))


class _Organizations(OrganizationRepository):
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    async def add(self, organization: Organization) -> None:
        if organization.id in self._db.organizations:
            raise Conflict(f"Organization '{organization.id}' already exists")
        self._db.organizations[organization.id] = organization

    async def get(self, organization_id: str) -> Organization | None:
        return self._db.organizations.get(organization_id)

    async def list(self) -> Sequence[Organization]:
        return _ordered(list(self._db.organizations.values()))


class _Projects(ProjectRepository):
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    async def add(self, project: Project) -> None:
        if project.id in self._db.projects or await self.get_by_name(
            project.organization_id, project.name
        ):
            raise Conflict(f"Project '{project.name}' already exists")
        self._db.projects[project.id] = project

    async def get(self, project_id: str) -> Project | None:
        return self._db.projects.get(project_id)

    async def get_by_name(self, organization_id: str, name: str) -> Project | None:
        return next(
            (
                p
                for p in self._db.projects.values()
                if p.organization_id == organization_id and p.name == name
            ),
            None,
        )

    async def list(self, organization_id: str | None = None) -> Sequence[Project]:
        rows = [
            p
            for p in self._db.projects.values()
            if organization_id is None or p.organization_id == organization_id
        ]
        return _ordered(rows)


class _ApiKeys(ApiKeyRepository):
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    async def add(self, key: ApiKey) -> None:
        for other in self._db.api_keys.values():
            if (
                key.id == other.id
                or key.public_key == other.public_key
                or (key.fast_hashed_secret == other.fast_hashed_secret)
            ):
                raise Conflict("API key already exists")
        self._db.api_keys[key.id] = key

    async def get(self, key_id: str) -> ApiKey | None:
        return self._db.api_keys.get(key_id)

    async def get_by_fast_hash(self, fast_hashed_secret: str) -> ApiKey | None:
        return next(
            (k for k in self._db.api_keys.values() if k.fast_hashed_secret == fast_hashed_secret),
            None,
        )

    async def get_by_public_key(self, public_key: str) -> ApiKey | None:
        return next((k for k in self._db.api_keys.values() if k.public_key == public_key), None)

    async def list(self, project_id: str) -> Sequence[ApiKey]:
        return _ordered([k for k in self._db.api_keys.values() if k.project_id == project_id])

    async def delete(self, key_id: str) -> bool:
        return self._db.api_keys.pop(key_id, None) is not None

    async def touch(self, key_id: str, used_at: datetime) -> None:
        if key := self._db.api_keys.get(key_id):
            self._db.api_keys[key_id] = msgspec.structs.replace(key, last_used_at=used_at)


class _Users(UserRepository):
    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db

    async def add(self, user: User) -> None:
        if user.id in self._db.users or await self.get_by_email(user.email):
            raise Conflict(f"User '{user.email}' already exists")
        self._db.users[user.id] = user

    async def get(self, user_id: str) -> User | None:
        return self._db.users.get(user_id)

    async def get_by_email(self, email: str) -> User | None:
        wanted = email.casefold()
        return next((u for u in self._db.users.values() if u.email.casefold() == wanted), None)


class MemoryUnitOfWork(UnitOfWork):
    """Works on a private copy of the database; ``commit`` publishes the copy."""

    def __init__(self, db: MemoryDatabase) -> None:
        self._committed_db = db
        self.committed = False
        self._reset()

    def _reset(self) -> None:
        self._work = copy.copy(self._committed_db)
        for name in _TABLES:
            setattr(self._work, name, dict(getattr(self._committed_db, name)))
        self.organizations = _Organizations(self._work)
        self.projects = _Projects(self._work)
        self.api_keys = _ApiKeys(self._work)
        self.users = _Users(self._work)
        self.prompts = MemoryPrompts(self._work)
        self.models = MemoryModels(self._work)
        self.score_configs = MemoryScoreConfigs(self._work)
        self.ingestion_batches = MemoryIngestionBatches(self._work)
        self.media = MemoryMedia(self._work)

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
        for name in _TABLES:
            setattr(self._committed_db, name, dict(getattr(self._work, name)))
        self.committed = True

    async def rollback(self) -> None:
        self._reset()


class MemoryUnitOfWorkFactory(UnitOfWorkFactory):
    """Hands out units of work over one shared ``MemoryDatabase``."""

    def __init__(self, db: MemoryDatabase | None = None) -> None:
        self.db = db or MemoryDatabase()

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.db)

    async def ping(self) -> None:
        return None
