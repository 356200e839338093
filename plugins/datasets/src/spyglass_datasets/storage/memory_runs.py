"""Dataset runs and their run items in memory, for unit tests.

Orders match ``storage.runs``: runs newest first and run items oldest first, ties broken
by id compared by code point, as SQLite and PostgreSQL (with ``COLLATE "C"``) do.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime

import msgspec

from spyglass_adapters.memory.spi import MemoryTables
from spyglass_core.domain.errors import Conflict
from spyglass_datasets.domain.datasets import DatasetRun, DatasetRunItem
from spyglass_datasets.domain.experiments import (
    ExperimentCursor,
    ExperimentItemQuery,
    ExperimentQuery,
    ExperimentSummary,
    RunItemInRun,
)
from spyglass_datasets.ports import DatasetRunRepository

__all__ = ("MemoryDatasetRuns",)


class MemoryDatasetRuns(DatasetRunRepository):
    """Runs by (project, id) and run items by (project, id)."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add(self, run: DatasetRun) -> None:
        runs = self._db.table("dataset_runs")
        if (run.project_id, run.id) in runs or await self.get(
            run.project_id, run.dataset_id, run.name
        ):
            raise Conflict(f"Dataset run '{run.name}' already exists")
        runs[(run.project_id, run.id)] = copy.deepcopy(run)

    async def update(self, run: DatasetRun) -> None:
        runs = self._db.table("dataset_runs")
        stored = runs.get((run.project_id, run.id))
        if stored is not None:
            runs[(run.project_id, run.id)] = msgspec.structs.replace(
                stored,
                description=run.description,
                metadata=copy.deepcopy(run.metadata),
                updated_at=run.updated_at,
            )

    async def get(self, project_id: str, dataset_id: str, name: str) -> DatasetRun | None:
        for run in self._db.table("dataset_runs").values():
            if (run.project_id, run.dataset_id, run.name) == (project_id, dataset_id, name):
                return copy.deepcopy(run)  # type: ignore[no-any-return]
        return None

    async def get_many(self, project_id: str, run_ids: Sequence[str]) -> Sequence[DatasetRun]:
        runs = self._db.table("dataset_runs")
        return [
            copy.deepcopy(runs[(project_id, run_id)])
            for run_id in dict.fromkeys(run_ids)
            if (project_id, run_id) in runs
        ]

    async def item_counts(self, project_id: str, run_ids: Sequence[str]) -> Mapping[str, int]:
        counts = dict.fromkeys(run_ids, 0)
        for (p, _), item in self._db.table("dataset_run_items").items():
            if p == project_id and item.dataset_run_id in counts:
                counts[item.dataset_run_id] += 1
        return counts

    async def page(
        self, project_id: str, dataset_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[DatasetRun], int]:
        runs = self._runs_of(project_id, dataset_id)
        return [copy.deepcopy(r) for r in runs[offset : offset + limit]], len(runs)

    async def names(self, project_id: str, dataset_id: str) -> Sequence[str]:
        return [r.name for r in self._runs_of(project_id, dataset_id)]

    async def delete(self, project_id: str, run_id: str) -> bool:
        if self._db.table("dataset_runs").pop((project_id, run_id), None) is None:
            return False
        items = self._db.table("dataset_run_items")
        for key in [
            k for k, v in items.items() if k[0] == project_id and v.dataset_run_id == run_id
        ]:
            del items[key]
        return True

    async def add_item(self, item: DatasetRunItem) -> None:
        items = self._db.table("dataset_run_items")
        if (item.project_id, item.id) in items:
            raise Conflict(f"Dataset run item '{item.id}' already exists")
        if (item.project_id, item.dataset_run_id) not in self._db.table("dataset_runs"):
            raise Conflict(f"Dataset run '{item.dataset_run_id}' does not exist")
        items[(item.project_id, item.id)] = item

    async def items(
        self, project_id: str, run_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[DatasetRunItem], int]:
        found = sorted(
            (
                v
                for (p, _), v in self._db.table("dataset_run_items").items()
                if p == project_id and v.dataset_run_id == run_id
            ),
            key=lambda v: (v.created_at, v.id),
        )
        return found[offset : offset + limit], len(found)

    async def get_by_id(self, project_id: str, run_id: str) -> DatasetRun | None:
        run = self._db.table("dataset_runs").get((project_id, run_id))
        return copy.deepcopy(run)

    async def existing_item_ids(self, project_id: str, ids: Sequence[str]) -> set[str]:
        items = self._db.table("dataset_run_items")
        return {i for i in ids if (project_id, i) in items}

    async def experiments(
        self, project_id: str, query: ExperimentQuery, *, after: ExperimentCursor | None, limit: int
    ) -> Sequence[ExperimentSummary]:
        runs = self._db.table("dataset_runs")
        grouped: dict[str, list[DatasetRunItem]] = {}
        for (p, _), item in self._db.table("dataset_run_items").items():
            if p == project_id and _in_window(item.created_at, query.start, query.end):
                grouped.setdefault(item.dataset_run_id, []).append(item)
        summaries = []
        for run_id, items in grouped.items():
            run = runs[(project_id, run_id)]
            if (
                (query.ids and run.id not in query.ids)
                or (query.names and run.name not in query.names)
                or (query.dataset_ids and run.dataset_id not in query.dataset_ids)
            ):
                continue
            summaries.append(
                ExperimentSummary(
                    run=copy.deepcopy(run),
                    item_count=len(items),
                    first_at=min(i.created_at for i in items),
                    last_at=max(i.ended_at or i.created_at for i in items),
                )
            )
        summaries.sort(key=lambda s: s.run.id)
        summaries.sort(key=lambda s: s.last_at, reverse=True)
        if after is not None:
            summaries = [
                s
                for s in summaries
                if s.last_at < after.at or (s.last_at == after.at and s.run.id > after.id)
            ]
        return summaries[:limit]

    async def experiment_items(
        self,
        project_id: str,
        query: ExperimentItemQuery,
        *,
        after: ExperimentCursor | None,
        limit: int,
    ) -> Sequence[RunItemInRun]:
        runs = self._db.table("dataset_runs")
        found = []
        for (p, _), item in self._db.table("dataset_run_items").items():
            if p != project_id or not _in_window(item.created_at, query.start, query.end):
                continue
            run = runs[(project_id, item.dataset_run_id)]
            if (
                (query.item_ids and item.dataset_item_id not in query.item_ids)
                or (query.experiment_ids and run.id not in query.experiment_ids)
                or (query.experiment_names and run.name not in query.experiment_names)
                or (query.dataset_ids and run.dataset_id not in query.dataset_ids)
            ):
                continue
            if after is not None and not (
                item.created_at < after.at or (item.created_at == after.at and item.id > after.id)
            ):
                continue
            found.append(RunItemInRun(item=item, run=copy.deepcopy(run)))
        found.sort(key=lambda r: r.item.id)
        found.sort(key=lambda r: r.item.created_at, reverse=True)
        return found[:limit]

    async def items_of(
        self, project_id: str, run_ids: Sequence[str], dataset_item_ids: Sequence[str]
    ) -> Sequence[DatasetRunItem]:
        runs, items = set(run_ids), set(dataset_item_ids)
        return sorted(
            (
                v
                for (p, _), v in self._db.table("dataset_run_items").items()
                if p == project_id and v.dataset_run_id in runs and v.dataset_item_id in items
            ),
            key=lambda v: (v.created_at, v.id),
        )

    def _runs_of(self, project_id: str, dataset_id: str) -> list[DatasetRun]:
        runs = [
            r
            for r in self._db.table("dataset_runs").values()
            if r.project_id == project_id and r.dataset_id == dataset_id
        ]
        # Newest first, ties by id ascending: sort by id, then (stably) by time descending.
        runs.sort(key=lambda r: r.id)
        runs.sort(key=lambda r: r.created_at, reverse=True)
        return runs


def _in_window(at: datetime, start: datetime, end: datetime | None) -> bool:
    return at >= start and (end is None or at < end)
