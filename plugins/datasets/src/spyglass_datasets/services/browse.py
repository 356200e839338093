"""What the web UI reads by id: a dataset with its counts, keyset pages of items, an
item's version history, runs with their run-item counts; and deleting a run by id.

Writes of datasets and items go through ``DatasetService`` (same validation, same
versioning) and runs are created by run items (``DatasetRunService``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from spyglass_core.domain.errors import NotFound
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from spyglass_datasets.domain.datasets import (
    Dataset,
    DatasetItem,
    DatasetRun,
    ItemCursor,
    ItemFilter,
)
from spyglass_datasets.ports import DatasetItemRepository, DatasetRepository, DatasetRunRepository

__all__ = ("DatasetBrowser", "DatasetOverview", "ItemHistory", "RunsPage")


class DatasetOverview(msgspec.Struct, frozen=True, kw_only=True):
    """A dataset, how many active items it has and how many runs."""

    dataset: Dataset
    item_count: int
    run_count: int


class ItemHistory(msgspec.Struct, frozen=True, kw_only=True):
    """Every version of an item, oldest first; ``current`` is None once it is deleted."""

    dataset: Dataset
    current: DatasetItem | None
    versions: Sequence[DatasetItem]


class RunsPage(msgspec.Struct, frozen=True, kw_only=True):
    """A numbered page of runs, newest first, their run-item counts (by id) and the total."""

    runs: Sequence[DatasetRun]
    item_counts: Mapping[str, int]
    total: int


class DatasetBrowser:
    """Reads by id for the web UI, scoped to one project per call."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def datasets(
        self, project_id: str, *, offset: int, limit: int
    ) -> tuple[Sequence[Dataset], int]:
        """A page of the project's datasets, newest first, and their total."""
        async with self._uow_factory() as uow:
            return await uow.repository(DatasetRepository).page(
                project_id, offset=offset, limit=limit
            )

    async def overview(self, project_id: str, dataset_id: str) -> DatasetOverview:
        """The dataset with its counts. Raises: NotFound."""
        async with self._uow_factory() as uow:
            dataset = await _dataset(uow, project_id, dataset_id)
            items = await uow.repository(DatasetItemRepository).count(
                project_id, ItemFilter(dataset_id=dataset.id)
            )
            _, runs = await uow.repository(DatasetRunRepository).page(
                project_id, dataset.id, limit=1
            )
        return DatasetOverview(dataset=dataset, item_count=items, run_count=runs)

    async def items(
        self,
        project_id: str,
        dataset_id: str,
        *,
        after: ItemCursor | None,
        limit: int,
        include_archived: bool,
    ) -> tuple[Sequence[DatasetItem], ItemCursor | None]:
        """A keyset page of current items in item order, and the cursor of the next one.

        Raises: NotFound when the dataset does not exist.
        """
        async with self._uow_factory() as uow:
            dataset = await _dataset(uow, project_id, dataset_id)
            found = await uow.repository(DatasetItemRepository).find(
                project_id,
                ItemFilter(dataset_id=dataset.id, include_archived=include_archived),
                after=after,
                limit=limit + 1,
            )
        page = list(found[:limit])
        more = len(found) > limit
        cursor = ItemCursor(created_at=page[-1].created_at, id=page[-1].id) if more else None
        return page, cursor

    async def history(self, project_id: str, item_id: str) -> ItemHistory:
        """Every version of an item (deleted ones too). Raises: NotFound."""
        async with self._uow_factory() as uow:
            items = uow.repository(DatasetItemRepository)
            versions = await items.history(project_id, item_id)
            if not versions:
                raise NotFound("Dataset item not found")
            current = await items.current(project_id, item_id)
            dataset = await _dataset(uow, project_id, versions[-1].dataset_id)
        return ItemHistory(dataset=dataset, current=current, versions=versions)

    async def runs(self, project_id: str, dataset_id: str, *, offset: int, limit: int) -> RunsPage:
        """A page of the dataset's runs, newest first. Raises: NotFound."""
        async with self._uow_factory() as uow:
            dataset = await _dataset(uow, project_id, dataset_id)
            repo = uow.repository(DatasetRunRepository)
            runs, total = await repo.page(project_id, dataset.id, offset=offset, limit=limit)
            counts = await repo.item_counts(project_id, [r.id for r in runs])
        return RunsPage(runs=runs, item_counts=counts, total=total)

    async def delete_run(self, project_id: str, dataset_id: str, run_id: str) -> None:
        """Delete a run of the dataset and its run items. Raises: NotFound."""
        async with self._uow_factory() as uow:
            repo = uow.repository(DatasetRunRepository)
            if not [
                r for r in await repo.get_many(project_id, [run_id]) if r.dataset_id == dataset_id
            ]:
                raise NotFound("Dataset run not found")
            await repo.delete(project_id, run_id)
            await uow.commit()


async def _dataset(uow: UnitOfWork, project_id: str, dataset_id: str) -> Dataset:
    dataset = await uow.repository(DatasetRepository).get(project_id, dataset_id)
    if dataset is None:
        raise NotFound("Dataset not found")
    return dataset
