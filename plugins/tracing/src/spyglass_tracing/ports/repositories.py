"""The tracing plugin's transactional repositories; adapters in ``spyglass_tracing.storage``.

They follow the repository contract of ``spyglass_core.ports.repositories`` and are
reached inside a unit of work with ``uow.repository(PortType)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from spyglass_tracing.domain.erasure import TraceDeletion, TraceMember
from spyglass_tracing.domain.ingestion import BatchRecord, EntityKind
from spyglass_tracing.domain.media import Media
from spyglass_tracing.domain.models import Model
from spyglass_tracing.domain.scoring import ScoreConfig

__all__ = (
    "IngestionBatchRepository",
    "MediaRepository",
    "ModelRepository",
    "ScoreConfigRepository",
    "TraceDeletionRepository",
)


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

    async def get_many(self, batch_ids: Sequence[str]) -> list[BatchRecord]:
        """The records of these batches, in the order asked; missing ids are left out."""

    async def mark_many_done(self, batch_ids: Sequence[str], processed_at: datetime) -> None:
        """``mark_done`` for several batches in one statement (per chunk of ids)."""

    async def pending(
        self,
        *,
        received_before: datetime | None = None,
        due_at: datetime | None = None,
        limit: int = 1000,
    ) -> Sequence[BatchRecord]:
        """Batches not yet done nor dead, oldest first.

        Only those received before ``received_before``, and, given ``due_at``, only those
        whose backoff (``next_attempt_at``) has passed by then.
        """

    async def record_failure(
        self,
        batch_id: str,
        error: str,
        *,
        next_attempt_at: datetime | None,
        dead_at: datetime | None,
    ) -> BatchRecord | None:
        """Count one failed run: ``attempts`` + 1, the error, the backoff or the death.

        Returns the updated record, or None for an unknown id.
        """

    async def done_before(
        self, received_before: datetime, *, limit: int = 1000
    ) -> Sequence[BatchRecord]:
        """Done batches received before the given time, oldest first (for pruning their files)."""

    async def dead(self, *, offset: int = 0, limit: int = 50) -> tuple[Sequence[BatchRecord], int]:
        """Dead-lettered batches, oldest first, and how many there are."""

    async def count_pending(
        self, *, project_id: str | None = None, received_before: datetime | None = None
    ) -> int:
        """How many batches are neither done nor dead (of one project, received before)."""

    async def revive(self, batch_id: str) -> bool:
        """Make a dead batch pending again with no failures counted; False if it is not dead."""

    async def prune(self, received_before: datetime) -> int:
        """Forget done batches and accepted event ids received before the given time.

        Pending and dead batches are kept whatever their age. Returns how many batch records went.
        """


class MediaRepository(Protocol):
    """Media records of a project, by content-derived id."""

    async def add(self, media: Media) -> None:
        """Store a new record. Raises: Conflict when (project, id) exists."""

    async def get(self, project_id: str, media_id: str) -> Media | None:
        """The record, or None."""

    async def update(self, media: Media) -> None:
        """Replace a stored record (same project and id). Raises: NotFound when absent."""


class TraceDeletionRepository(Protocol):
    """Deleted traces whose raw events are owed an erasure, and their known members.

    A deletion stays recorded after its erasure (until ``prune``): events of the trace
    that turn up later in a file accepted before the deletion are still recognised.
    """

    async def record(
        self,
        project_id: str,
        trace_ids: Sequence[str],
        deleted_at: datetime,
        members: Sequence[TraceMember] = (),
    ) -> None:
        """Record these traces as deleted at ``deleted_at`` and owed an erasure.

        A trace recorded before gets the new time, a new generation and is owed again.
        ``members`` are remembered as with ``add_members``.
        """

    async def add_members(self, project_id: str, members: Sequence[TraceMember]) -> None:
        """Remember observations and scores of deleted traces (a known one is updated)."""

    async def deletions(
        self, project_id: str, trace_ids: Sequence[str] | None = None
    ) -> Sequence[TraceDeletion]:
        """The recorded deletions of these traces (or of every trace) of one project."""

    async def members(
        self, project_id: str, keys: Sequence[tuple[EntityKind, str]] | None = None
    ) -> Sequence[TraceMember]:
        """The remembered members with these (kind, id) keys (or all) of one project."""

    async def outstanding(self, project_id: str, *, limit: int = 1000) -> Sequence[TraceDeletion]:
        """Deletions of one project owed an erasure, oldest first."""

    async def owing_projects(self, deleted_before: datetime, *, limit: int = 1000) -> list[str]:
        """Projects with a deletion owed an erasure that was recorded before the given time."""

    async def reopen(self, project_id: str, trace_ids: Sequence[str]) -> None:
        """Owe these (recorded) deletions another erasure: a new generation, not erased."""

    async def mark_erased(self, deletions: Sequence[TraceDeletion], erased_at: datetime) -> int:
        """Mark these deletions erased, each only if its generation is still the one given.

        Returns how many were marked.
        """

    async def prune(self, deleted_before: datetime) -> int:
        """Forget erased deletions recorded before the given time, with their members.

        Deletions still owed an erasure are kept whatever their age. Returns how many went.
        """
