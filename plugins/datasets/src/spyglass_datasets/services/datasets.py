"""Dataset and dataset-item use cases, scoped to one project per call.

Writes follow Langfuse's upserts: a dataset is created or updated by name, an item by
the client's id. A ``None`` field on an update keeps the stored value (the SDKs send
nulls for everything they were not given). Every item change is a new version; see
``spyglass_datasets.domain.datasets``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec

from spyglass_core.domain.errors import Conflict, InvalidInput, NotFound
from spyglass_core.domain.ids import new_id
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from spyglass_datasets.domain.datasets import (
    Dataset,
    DatasetItem,
    ItemCursor,
    ItemFilter,
    ItemStatus,
    validate_dataset_name,
    validate_item_id,
)
from spyglass_datasets.domain.schemas import check_schema, first_violations, violations
from spyglass_datasets.ports import DatasetItemRepository, DatasetRepository

__all__ = ("DatasetChanges", "DatasetService", "ItemChanges", "ItemPage", "next_version")

_SCAN_BATCH = 500  # items read per query when every item of a dataset is checked
_TICK = timedelta(microseconds=1)


class DatasetChanges(msgspec.Struct, frozen=True, kw_only=True):
    """What a create-or-update of a dataset asks for; None keeps the stored value."""

    name: str
    description: str | None = None
    metadata: Any = None
    input_schema: Any = None
    expected_output_schema: Any = None


class ItemChanges(msgspec.Struct, frozen=True, kw_only=True):
    """What an upsert of an item asks for; None keeps the stored value."""

    dataset_name: str
    id: str | None = None
    input: Any = None
    expected_output: Any = None
    metadata: Any = None
    source_trace_id: str | None = None
    source_observation_id: str | None = None
    status: ItemStatus | None = None


class ItemPage(msgspec.Struct, frozen=True, kw_only=True):
    """A numbered page of items, the names of their datasets (by id) and the total."""

    items: Sequence[DatasetItem]
    dataset_names: Mapping[str, str]
    total: int


class DatasetService:
    """Datasets and their versioned items."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    # --- datasets -----------------------------------------------------------------------

    async def upsert_dataset(self, project_id: str, changes: DatasetChanges) -> Dataset:
        """Create the dataset, or update the one with this name.

        Raises:
            InvalidInput: a bad name or schema, or a schema that existing items break
                (``details`` lists the violations with the items' ids).
        """
        validate_dataset_name(changes.name)
        check_schema("inputSchema", changes.input_schema)
        check_schema("expectedOutputSchema", changes.expected_output_schema)
        now = self._clock.now()
        async with self._uow_factory() as uow:
            datasets = uow.repository(DatasetRepository)
            stored = await datasets.get_by_name(project_id, changes.name)
            if stored is None:
                dataset = Dataset(
                    id=new_id(),
                    project_id=project_id,
                    name=changes.name,
                    description=changes.description,
                    metadata=changes.metadata,
                    input_schema=changes.input_schema,
                    expected_output_schema=changes.expected_output_schema,
                    created_at=now,
                    updated_at=now,
                )
                await datasets.add(dataset)
            else:
                dataset = _merged(stored, changes, now)
                if _schemas_of(dataset) != _schemas_of(stored):
                    await self._check_existing_items(uow, dataset)
                await datasets.update(dataset)
            await uow.commit()
        return dataset

    async def create_dataset(self, project_id: str, changes: DatasetChanges) -> Dataset:
        """Create a dataset; unlike ``upsert_dataset``, an existing name is refused.

        Raises:
            Conflict: the project has a dataset with this name.
            InvalidInput: a bad name or schema.
        """
        async with self._uow_factory() as uow:
            if await uow.repository(DatasetRepository).get_by_name(project_id, changes.name):
                raise Conflict(f"Dataset '{changes.name}' already exists")
        return await self.upsert_dataset(project_id, changes)

    async def get_dataset(self, project_id: str, name: str) -> Dataset:
        """The dataset with this name.

        Raises:
            NotFound: the project has no such dataset.
        """
        async with self._uow_factory() as uow:
            return await _dataset_named(uow, project_id, name)

    async def list_datasets(
        self, project_id: str, *, page: int, limit: int
    ) -> tuple[Sequence[Dataset], int]:
        """A numbered page (from 1) of the project's datasets, newest first, and the total."""
        async with self._uow_factory() as uow:
            return await uow.repository(DatasetRepository).page(
                project_id, offset=(page - 1) * limit, limit=limit
            )

    async def active_items(self, project_id: str, dataset_id: str) -> list[DatasetItem]:
        """Every current, active item of the dataset, in item order."""
        async with self._uow_factory() as uow:
            return [
                item async for item in _scan(uow, project_id, ItemFilter(dataset_id=dataset_id))
            ]

    # --- items --------------------------------------------------------------------------

    async def upsert_item(self, project_id: str, changes: ItemChanges) -> tuple[DatasetItem, str]:
        """Create the item, or make a new version of the one with this id.

        Returns the stored version and its dataset's name.

        Raises:
            NotFound: the dataset does not exist.
            Conflict: the id belongs to an item of another dataset of the project.
            InvalidInput: a bad id, or a value that breaks the dataset's schemas.
        """
        item_id = changes.id if changes.id is not None else new_id()
        validate_item_id(item_id)
        now = self._clock.now()
        async with self._uow_factory() as uow:
            dataset = await _dataset_named(uow, project_id, changes.dataset_name)
            items = uow.repository(DatasetItemRepository)
            current = await items.current(project_id, item_id)
            if current is not None and current.dataset_id != dataset.id:
                raise Conflict(
                    f"Dataset item '{item_id}' already exists in another dataset of the project"
                )
            item = next_version(
                project_id,
                item_id,
                dataset.id,
                current,
                changes,
                now,
                version=(await items.latest_version(project_id, item_id) or 0) + 1,
            )
            found = _item_violations(dataset, item)
            if found:
                raise InvalidInput(
                    "The dataset item does not match the dataset's schema",
                    details=list(first_violations(found)),
                )
            await items.save(item)
            await uow.commit()
        return item, dataset.name

    async def create_item(self, project_id: str, changes: ItemChanges) -> tuple[DatasetItem, str]:
        """Create an item; unlike ``upsert_item``, an existing id is refused.

        Raises:
            Conflict: the project has an item with this id.
            NotFound, InvalidInput: as ``upsert_item``.
        """
        if changes.id is not None:
            async with self._uow_factory() as uow:
                items = uow.repository(DatasetItemRepository)
                if await items.latest_version(project_id, changes.id) is not None:
                    raise Conflict(f"Dataset item '{changes.id}' already exists")
        return await self.upsert_item(project_id, changes)

    async def get_item(self, project_id: str, item_id: str) -> tuple[DatasetItem, str]:
        """The current version of an item (archived ones too) and its dataset's name.

        Raises:
            NotFound: no such item in the project.
        """
        async with self._uow_factory() as uow:
            item = await uow.repository(DatasetItemRepository).current(project_id, item_id)
            if item is None:
                raise NotFound("Dataset item not found")
            names = await uow.repository(DatasetRepository).names(project_id, [item.dataset_id])
        return item, names.get(item.dataset_id, "")

    async def delete_item(self, project_id: str, item_id: str) -> None:
        """Delete an item; its earlier versions stay readable with ``version=``.

        Raises:
            NotFound: no such item in the project.
        """
        async with self._uow_factory() as uow:
            items = uow.repository(DatasetItemRepository)
            current = await items.current(project_id, item_id)
            if current is None:
                raise NotFound("Dataset item not found")
            await items.delete(project_id, item_id, _after(self._clock.now(), current))
            await uow.commit()

    async def list_items(
        self,
        project_id: str,
        *,
        dataset_name: str | None = None,
        source_trace_id: str | None = None,
        source_observation_id: str | None = None,
        version: datetime | None = None,
        page: int,
        limit: int,
    ) -> ItemPage:
        """A numbered page (from 1) of active items matching every given filter.

        ``version``: the items as they were at that time (needs ``dataset_name``).

        Raises:
            InvalidInput: ``version`` without ``dataset_name``.
            NotFound: ``dataset_name`` names no dataset of the project.
        """
        if version is not None and dataset_name is None:
            raise InvalidInput("version requires datasetName")
        async with self._uow_factory() as uow:
            dataset_id = None
            if dataset_name is not None:
                dataset_id = (await _dataset_named(uow, project_id, dataset_name)).id
            where = ItemFilter(
                dataset_id=dataset_id,
                source_trace_id=source_trace_id,
                source_observation_id=source_observation_id,
                as_of=version,
            )
            repo = uow.repository(DatasetItemRepository)
            items = await repo.find(project_id, where, offset=(page - 1) * limit, limit=limit)
            total = await repo.count(project_id, where)
            names = await uow.repository(DatasetRepository).names(
                project_id, [i.dataset_id for i in items]
            )
        return ItemPage(items=items, dataset_names=names, total=total)

    # --- helpers ------------------------------------------------------------------------

    async def _check_existing_items(self, uow: UnitOfWork, dataset: Dataset) -> None:
        found: list[str] = []
        where = ItemFilter(dataset_id=dataset.id, include_archived=True)
        async for item in _scan(uow, dataset.project_id, where):
            found += [f"item {item.id}: {message}" for message in _item_violations(dataset, item)]
        if found:
            raise InvalidInput(
                "Existing dataset items do not match the new schema",
                details=list(first_violations(found)),
            )


async def _dataset_named(uow: UnitOfWork, project_id: str, name: str) -> Dataset:
    dataset = await uow.repository(DatasetRepository).get_by_name(project_id, name)
    if dataset is None:
        raise NotFound(f"Dataset '{name}' not found")
    return dataset


async def _scan(uow: UnitOfWork, project_id: str, where: ItemFilter) -> AsyncIterator[DatasetItem]:
    """Every matching item, read in keyset batches."""
    repo = uow.repository(DatasetItemRepository)
    cursor: ItemCursor | None = None
    while True:
        batch = await repo.find(project_id, where, after=cursor, limit=_SCAN_BATCH)
        for item in batch:
            yield item
        if len(batch) < _SCAN_BATCH:
            return
        cursor = ItemCursor(created_at=batch[-1].created_at, id=batch[-1].id)


def _merged(stored: Dataset, changes: DatasetChanges, now: datetime) -> Dataset:
    def pick(new: Any, old: Any) -> Any:
        return old if new is None else new

    return msgspec.structs.replace(
        stored,
        description=pick(changes.description, stored.description),
        metadata=pick(changes.metadata, stored.metadata),
        input_schema=pick(changes.input_schema, stored.input_schema),
        expected_output_schema=pick(changes.expected_output_schema, stored.expected_output_schema),
        updated_at=now,
    )


def _schemas_of(dataset: Dataset) -> tuple[Any, Any]:
    return dataset.input_schema, dataset.expected_output_schema


def _after(now: datetime, current: DatasetItem | None) -> datetime:
    """``now``, or just after the current version when the clock has not moved past it.

    Versions of an item must start at increasing times for "as of" reads to be exact.
    """
    if current is not None and now <= current.updated_at:
        return current.updated_at + _TICK
    return now


def next_version(
    project_id: str,
    item_id: str,
    dataset_id: str,
    current: DatasetItem | None,
    changes: ItemChanges,
    now: datetime,
    *,
    version: int,
) -> DatasetItem:
    """The version of ``item_id`` that ``changes`` make (None keeps ``current``'s value)."""

    def pick(name: str) -> Any:
        new = getattr(changes, name)
        return getattr(current, name) if new is None and current is not None else new

    return DatasetItem(
        id=item_id,
        project_id=project_id,
        dataset_id=dataset_id,
        input=pick("input"),
        expected_output=pick("expected_output"),
        metadata=pick("metadata"),
        source_trace_id=pick("source_trace_id"),
        source_observation_id=pick("source_observation_id"),
        status=pick("status") or ItemStatus.ACTIVE,
        created_at=current.created_at if current is not None else now,
        updated_at=_after(now, current),
        version=version,
    )


def _item_violations(dataset: Dataset, item: DatasetItem) -> list[str]:
    found: list[str] = []
    if item.input is not None:
        found += violations("input", dataset.input_schema, item.input)
    if item.expected_output is not None:
        found += violations("expectedOutput", dataset.expected_output_schema, item.expected_output)
    return found
