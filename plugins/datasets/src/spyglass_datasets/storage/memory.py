"""In-memory datasets and item versions: the SQL adapter's rules over the memory database.

Every stored value is immutable (frozen structs holding private copies of their JSON)
and reads hand out fresh copies, so the unit of work's shallow copies of the dicts are
enough for commit and rollback.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime

import msgspec

from spyglass_adapters.memory.spi import MemoryTables
from spyglass_core.domain.errors import Conflict
from spyglass_datasets.domain.datasets import (
    Dataset,
    DatasetItem,
    ItemCursor,
    ItemFilter,
    ItemStatus,
)
from spyglass_datasets.ports import DatasetItemRepository, DatasetRepository

__all__ = ("MemoryDatasetItems", "MemoryDatasets")

_DATASETS = "datasets"
_VERSIONS = "dataset_item_versions"


class MemoryDatasets(DatasetRepository):
    """Datasets by (project, id)."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add(self, dataset: Dataset) -> None:
        table = self._db.table(_DATASETS)
        if (dataset.project_id, dataset.id) in table or await self.get_by_name(
            dataset.project_id, dataset.name
        ):
            raise Conflict(f"Dataset '{dataset.name}' already exists")
        table[(dataset.project_id, dataset.id)] = copy.deepcopy(dataset)

    async def update(self, dataset: Dataset) -> None:
        table = self._db.table(_DATASETS)
        stored = table.get((dataset.project_id, dataset.id))
        if stored is not None:
            table[(dataset.project_id, dataset.id)] = copy.deepcopy(
                msgspec.structs.replace(dataset, name=stored.name, created_at=stored.created_at)
            )

    async def get(self, project_id: str, dataset_id: str) -> Dataset | None:
        stored = self._db.table(_DATASETS).get((project_id, dataset_id))
        return copy.deepcopy(stored) if stored is not None else None

    async def get_by_name(self, project_id: str, name: str) -> Dataset | None:
        for stored in self._db.table(_DATASETS).values():
            if stored.project_id == project_id and stored.name == name:
                return copy.deepcopy(stored)  # type: ignore[no-any-return]
        return None

    async def names(self, project_id: str, dataset_ids: Sequence[str]) -> Mapping[str, str]:
        table = self._db.table(_DATASETS)
        return {
            dataset_id: table[(project_id, dataset_id)].name
            for dataset_id in dataset_ids
            if (project_id, dataset_id) in table
        }

    async def page(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[Dataset], int]:
        mine = [d for d in self._db.table(_DATASETS).values() if d.project_id == project_id]
        # Newest first, ties by id ascending: sort by id, then (stably) by time descending.
        mine.sort(key=lambda d: d.id)
        mine.sort(key=lambda d: d.created_at, reverse=True)
        return [copy.deepcopy(d) for d in mine[offset : offset + limit]], len(mine)


class MemoryDatasetItems(DatasetItemRepository):
    """Item versions by (project, id, version)."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def save(self, item: DatasetItem) -> None:
        table = self._db.table(_VERSIONS)
        key = (item.project_id, item.id, item.version)
        if key in table:
            raise Conflict(f"Dataset item '{item.id}' version {item.version} already exists")
        if not self._dataset_exists(item.project_id, item.dataset_id):
            raise Conflict(f"Dataset '{item.dataset_id}' does not exist")
        self._close_current(item.project_id, item.id, item.updated_at)
        table[key] = copy.deepcopy(msgspec.structs.replace(item, valid_to=None))

    async def save_many(self, items: Sequence[DatasetItem]) -> None:
        # All or nothing, as one SQL statement would be: check every item before storing any.
        table = self._db.table(_VERSIONS)
        for item in items:
            if (item.project_id, item.id, item.version) in table:
                raise Conflict(f"Dataset item '{item.id}' version {item.version} already exists")
            if not self._dataset_exists(item.project_id, item.dataset_id):
                raise Conflict(f"Dataset '{item.dataset_id}' does not exist")
        for item in items:
            await self.save(item)

    async def current(self, project_id: str, item_id: str) -> DatasetItem | None:
        stored = self._current(project_id, item_id)
        return copy.deepcopy(stored) if stored is not None else None

    async def current_many(
        self, project_id: str, item_ids: Sequence[str]
    ) -> Mapping[str, DatasetItem]:
        wanted = set(item_ids)
        return {
            v.id: copy.deepcopy(v)
            for (p, i, _), v in self._db.table(_VERSIONS).items()
            if p == project_id and i in wanted and v.valid_to is None
        }

    async def latest_version(self, project_id: str, item_id: str) -> int | None:
        versions = [v.version for v in self._versions(project_id, item_id)]
        return max(versions) if versions else None

    async def latest_versions(self, project_id: str, item_ids: Sequence[str]) -> Mapping[str, int]:
        wanted = set(item_ids)
        latest: dict[str, int] = {}
        for p, i, version in self._db.table(_VERSIONS):
            if p == project_id and i in wanted:
                latest[i] = max(version, latest.get(i, 0))
        return latest

    async def delete(self, project_id: str, item_id: str, at: datetime) -> bool:
        return self._close_current(project_id, item_id, at)

    async def history(self, project_id: str, item_id: str) -> Sequence[DatasetItem]:
        return [copy.deepcopy(v) for v in self._versions(project_id, item_id)]

    async def find(
        self,
        project_id: str,
        where: ItemFilter,
        *,
        after: ItemCursor | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Sequence[DatasetItem]:
        matching = self._matching(project_id, where)
        if after is not None:
            position = (after.created_at, after.id)
            matching = [v for v in matching if (v.created_at, v.id) > position]
        return [copy.deepcopy(v) for v in matching[offset : offset + limit]]

    async def count(self, project_id: str, where: ItemFilter) -> int:
        return len(self._matching(project_id, where))

    # --- helpers ----------------------------------------------------------------------

    def _dataset_exists(self, project_id: str, dataset_id: str) -> bool:
        # The SQL foreign key refuses an item of an unknown dataset; so does the fake.
        return (project_id, dataset_id) in self._db.table(_DATASETS)

    def _versions(self, project_id: str, item_id: str) -> list[DatasetItem]:
        return sorted(
            (
                v
                for (p, i, _), v in self._db.table(_VERSIONS).items()
                if p == project_id and i == item_id
            ),
            key=lambda v: v.version,
        )

    def _current(self, project_id: str, item_id: str) -> DatasetItem | None:
        for version in self._versions(project_id, item_id):
            if version.valid_to is None:
                return version
        return None

    def _close_current(self, project_id: str, item_id: str, at: datetime) -> bool:
        current = self._current(project_id, item_id)
        if current is None:
            return False
        self._db.table(_VERSIONS)[(project_id, item_id, current.version)] = msgspec.structs.replace(
            current, valid_to=at
        )
        return True

    def _matching(self, project_id: str, where: ItemFilter) -> list[DatasetItem]:
        def valid(v: DatasetItem) -> bool:
            if where.as_of is None:
                return v.valid_to is None
            return v.updated_at <= where.as_of and (v.valid_to is None or v.valid_to > where.as_of)

        found = [
            v
            for (p, _, _), v in self._db.table(_VERSIONS).items()
            if p == project_id
            and valid(v)
            and (where.dataset_id is None or v.dataset_id == where.dataset_id)
            and (where.source_trace_id is None or v.source_trace_id == where.source_trace_id)
            and (
                where.source_observation_id is None
                or v.source_observation_id == where.source_observation_id
            )
            and (where.include_archived or v.status is ItemStatus.ACTIVE)
        ]
        return sorted(found, key=lambda v: (v.created_at, v.id))
