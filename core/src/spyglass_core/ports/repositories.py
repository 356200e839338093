"""Repositories of transactional storage: organizations, projects, API keys, users.

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

from spyglass_core.domain.api_keys import ApiKey
from spyglass_core.domain.ingestion import BatchRecord
from spyglass_core.domain.media import Media
from spyglass_core.domain.models import Model
from spyglass_core.domain.projects import Organization, Project, User
from spyglass_core.domain.prompts import Prompt, PromptReference, PromptSummary
from spyglass_core.domain.scoring import ScoreConfig

__all__ = (
    "ApiKeyRepository",
    "IngestionBatchRepository",
    "MediaRepository",
    "ModelRepository",
    "OrganizationRepository",
    "ProjectRepository",
    "PromptRepository",
    "ScoreConfigRepository",
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


class PromptRepository(Protocol):
    """Prompt versions, their labels, their name's tags and their dependencies.

    Every method is scoped to one project. Labels are unique per (project, name): giving
    a label to one version takes it off every other version, atomically. Prompts come
    back with ``labels`` sorted and ``tags`` (the name's) sorted.
    """

    async def add(self, prompt: Prompt, dependencies: Sequence[PromptReference]) -> None:
        """Store a new version with its labels (moved off other versions) and dependencies.

        Raises: Conflict when the (project, name, version) exists.
        """

    async def latest_version(self, project_id: str, name: str) -> int | None:
        """The highest version of ``name``, or None when it has none."""

    async def get(
        self, project_id: str, name: str, *, version: int | None = None, label: str | None = None
    ) -> Prompt | None:
        """The version with this number, or the version carrying this label, or None."""

    async def list_versions(self, project_id: str, name: str) -> Sequence[Prompt]:
        """Every version of ``name``, ascending."""

    async def add_labels(
        self, project_id: str, name: str, version: int, labels: Sequence[str]
    ) -> None:
        """Put ``labels`` on this version (keeping its others), moving them off other versions."""

    async def set_tags(self, project_id: str, name: str, tags: Sequence[str]) -> None:
        """Replace the tags of ``name`` (shared by all its versions)."""

    async def delete(
        self, project_id: str, name: str, versions: Sequence[int] | None = None
    ) -> int:
        """Delete these versions (all when None) with their labels and dependencies.

        Deleting the last version also drops the name's tags. Returns how many were deleted.
        """

    async def dependencies(self, prompt_id: str) -> Sequence[PromptReference]:
        """What one version embeds."""

    async def dependents(
        self, project_id: str, child_name: str
    ) -> Sequence[tuple[Prompt, PromptReference]]:
        """Every version that embeds ``child_name`` (any version or label), with the reference."""

    async def list_summaries(
        self,
        project_id: str,
        *,
        name: str | None = None,
        label: str | None = None,
        tag: str | None = None,
        updated_from: datetime | None = None,
        updated_to: datetime | None = None,
        offset: int = 0,
        limit: int = 10,
    ) -> tuple[Sequence[PromptSummary], int]:
        """One summary per name (ordered by name) matching every given filter, and the total.

        ``label``/``tag``: some version carries the label / the name has the tag;
        ``updated_from`` (inclusive) / ``updated_to`` (exclusive): some version was updated then.
        """


class ModelRepository(Protocol):
    """Model definitions with their pricing tiers: a project's own and the platform's.

    Platform (managed) models have ``project_id`` None and are visible to every project.
    """

    async def add(self, model: Model) -> None:
        """Store a new model with its tiers.

        Raises: Conflict when the id is taken, or the project already has a model with
        the same (model_name, start_date, unit).
        """

    async def get(self, project_id: str, model_id: str) -> Model | None:
        """A model of this project or a managed one, or None."""

    async def list(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[Model], int]:
        """The project's models, then the managed ones, each by name then id; and the total."""

    async def candidates(self, project_id: str) -> Sequence[Model]:
        """Every model usable for matching in this project (its own and the managed)."""

    async def delete(self, project_id: str, model_id: str) -> bool:
        """Delete one of the project's own models; True if it existed. Managed ones are kept."""

    async def replace_managed(self, models: Sequence[Model]) -> None:
        """Make the managed models exactly ``models`` (by id): insert, update, drop the rest."""


class ScoreConfigRepository(Protocol):
    """Score configs of a project; names are not unique (as in Langfuse)."""

    async def add(self, config: ScoreConfig) -> None:
        """Store a new config. Raises: Conflict when the id is taken."""

    async def get(self, project_id: str, config_id: str) -> ScoreConfig | None:
        """The config with this id in this project, or None."""

    async def list(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[ScoreConfig], int]:
        """The project's configs, newest first, and the total."""

    async def update(self, config: ScoreConfig) -> None:
        """Replace a stored config (same id and project). Raises: NotFound when absent."""


class IngestionBatchRepository(Protocol):
    """Stored batches waiting for the worker, and the event ids already accepted."""

    async def seen_event_ids(self, project_id: str, event_ids: Sequence[str]) -> set[str]:
        """Which of these envelope ids an earlier batch of this project already carried."""

    async def add(self, record: BatchRecord, event_ids: Sequence[str]) -> None:
        """Record a pending batch and remember its event ids (ids seen before are ignored).

        Raises: Conflict when the batch id is taken.
        """

    async def get(self, batch_id: str) -> BatchRecord | None:
        """The record of one batch, or None."""

    async def mark_done(self, batch_id: str, processed_at: datetime) -> None:
        """Record that the worker applied the batch. A missing id is a no-op."""

    async def pending(
        self, *, received_before: datetime | None = None, limit: int = 1000
    ) -> Sequence[BatchRecord]:
        """Batches not yet done, oldest first (only those received before the given time)."""

    async def prune(self, received_before: datetime) -> int:
        """Forget done batches and accepted event ids received before the given time.

        Pending batches are kept whatever their age. Returns how many batch records went.
        """


class MediaRepository(Protocol):
    """Media records of a project, by content-derived id."""

    async def add(self, media: Media) -> None:
        """Store a new record. Raises: Conflict when (project, id) exists."""

    async def get(self, project_id: str, media_id: str) -> Media | None:
        """The record, or None."""

    async def update(self, media: Media) -> None:
        """Replace a stored record (same project and id). Raises: NotFound when absent."""
