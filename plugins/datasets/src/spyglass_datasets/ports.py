"""The datasets plugin's repository ports; their adapters live in ``spyglass_datasets.storage``.

They follow the repository contract of ``spyglass_core.ports.repositories`` and are
reached inside a unit of work with ``uow.repository(DatasetRepository)`` and
``uow.repository(DatasetItemRepository)`` (and ``DatasetRunRepository``). Every
method is scoped to one project.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from spyglass_datasets.domain.datasets import (
    Dataset,
    DatasetItem,
    DatasetRun,
    DatasetRunItem,
    ItemCursor,
    ItemFilter,
)
from spyglass_datasets.domain.experiments import (
    ExperimentCursor,
    ExperimentItemQuery,
    ExperimentQuery,
    ExperimentSummary,
    RunItemInRun,
)

__all__ = ("DatasetItemRepository", "DatasetRepository", "DatasetRunRepository")


class DatasetRepository(Protocol):
    """Datasets, unique by (project, name)."""

    async def add(self, dataset: Dataset) -> None:
        """Store a new dataset.

        Raises: Conflict when the project has a dataset with this id or name.
        """

    async def update(self, dataset: Dataset) -> None:
        """Replace the stored dataset with this id (its name may not change here)."""

    async def get(self, project_id: str, dataset_id: str) -> Dataset | None:
        """The dataset with this id, or None."""

    async def get_by_name(self, project_id: str, name: str) -> Dataset | None:
        """The dataset with this name, or None."""

    async def names(self, project_id: str, dataset_ids: Sequence[str]) -> Mapping[str, str]:
        """The name of each of these datasets that exists, by id."""

    async def page(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[Dataset], int]:
        """A page of the project's datasets, newest first (ties by id), and their total."""


class DatasetItemRepository(Protocol):
    """Dataset items and every version they had.

    Items are ordered by ``(created_at, id)``; ``find`` pages by keyset (``after``), so a
    page deep into a large dataset costs what the first one does.
    """

    async def save(self, item: DatasetItem) -> None:
        """Make ``item`` the current version of its id.

        The current version (if any) gets ``valid_to = item.updated_at``; ``item`` is
        stored with ``valid_to`` None. ``item.version`` must be one more than the current
        version's (1 for a new id).

        Raises: Conflict when that version exists already (a concurrent write).
        """

    async def save_many(self, items: Sequence[DatasetItem]) -> None:
        """``save`` each item, in fewer statements; the items' ids must all differ.

        Raises: Conflict as ``save`` does; then none of them is stored.
        """

    async def current(self, project_id: str, item_id: str) -> DatasetItem | None:
        """The current version of the item, or None when it does not exist (or was deleted)."""

    async def current_many(
        self, project_id: str, item_ids: Sequence[str]
    ) -> Mapping[str, DatasetItem]:
        """The current version of each of these items that has one, by id."""

    async def latest_version(self, project_id: str, item_id: str) -> int | None:
        """The highest version number the id ever had (deleted or not), or None."""

    async def latest_versions(self, project_id: str, item_ids: Sequence[str]) -> Mapping[str, int]:
        """``latest_version`` of each of these ids that ever had one, by id."""

    async def delete(self, project_id: str, item_id: str, at: datetime) -> bool:
        """End the current version at ``at`` without a new one; False when there was none."""

    async def history(self, project_id: str, item_id: str) -> Sequence[DatasetItem]:
        """Every version of the item, oldest first."""

    async def find(
        self,
        project_id: str,
        where: ItemFilter,
        *,
        after: ItemCursor | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Sequence[DatasetItem]:
        """Items matching ``where``, ordered by ``(created_at, id)``, after ``after``.

        ``offset`` is for Langfuse's numbered pages; ``after`` is the scalable way.
        """

    async def count(self, project_id: str, where: ItemFilter) -> int:
        """How many items match ``where``."""


class DatasetRunRepository(Protocol):
    """Runs of a dataset (unique by name within it) and their run items.

    Deleting a run deletes its run items; deleting an item keeps the run items naming it.
    """

    async def add(self, run: DatasetRun) -> None:
        """Store a new run.

        Raises: Conflict when the dataset has a run with this id or name.
        """

    async def update(self, run: DatasetRun) -> None:
        """Replace the description, metadata and ``updated_at`` of the run with this id."""

    async def get(self, project_id: str, dataset_id: str, name: str) -> DatasetRun | None:
        """The dataset's run with this name, or None."""

    async def get_many(self, project_id: str, run_ids: Sequence[str]) -> Sequence[DatasetRun]:
        """Each of these runs that exists, in any order."""

    async def item_counts(self, project_id: str, run_ids: Sequence[str]) -> Mapping[str, int]:
        """How many run items each of these runs has, by id (every id gets an entry)."""

    async def page(
        self, project_id: str, dataset_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[DatasetRun], int]:
        """A page of the dataset's runs, newest first (ties by id), and their total."""

    async def names(self, project_id: str, dataset_id: str) -> Sequence[str]:
        """The names of every run of the dataset, newest first."""

    async def delete(self, project_id: str, run_id: str) -> bool:
        """Delete the run and its run items; False when there was no such run."""

    async def add_item(self, item: DatasetRunItem) -> None:
        """Store a run item (its run must exist).

        Raises: Conflict when the project has a run item with this id.
        """

    async def items(
        self, project_id: str, run_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[DatasetRunItem], int]:
        """A page of the run's items, oldest first (ties by id), and their total."""

    async def get_by_id(self, project_id: str, run_id: str) -> DatasetRun | None:
        """The run with this id, or None."""

    async def existing_item_ids(self, project_id: str, ids: Sequence[str]) -> set[str]:
        """Which of these run item ids are stored."""

    async def experiments(
        self, project_id: str, query: ExperimentQuery, *, after: ExperimentCursor | None, limit: int
    ) -> Sequence[ExperimentSummary]:
        """Runs with run items started in the window, by latest activity, newest first.

        Ties go by run id ascending; ``after`` continues from a summary's
        ``(last_at, run.id)``.
        """

    async def experiment_items(
        self,
        project_id: str,
        query: ExperimentItemQuery,
        *,
        after: ExperimentCursor | None,
        limit: int,
    ) -> Sequence[RunItemInRun]:
        """Run items started in the window with their runs, newest first (ties by id).

        ``after`` continues from an item's ``(created_at, id)``.
        """

    async def items_of(
        self, project_id: str, run_ids: Sequence[str], dataset_item_ids: Sequence[str]
    ) -> Sequence[DatasetRunItem]:
        """The run items of these runs that name one of these dataset items, oldest first
        (ties by id)."""
