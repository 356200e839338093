"""Dataset runs and their run items, in SQL and in memory.

Runs are listed newest first and run items oldest first, ties broken by id compared
byte-wise on every backend, so pages agree between SQLite, PostgreSQL and the fake.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa

from spyglass_adapters.memory.spi import MemoryTables
from spyglass_adapters.sql.spi import SqlRepository, translate_errors, utc_loaded, utc_value
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
from spyglass_datasets.storage.tables import dataset_run_items, dataset_runs

__all__ = ("MemoryDatasetRuns", "SqlDatasetRuns")

_runs = dataset_runs.c
_run_items = dataset_run_items.c


class SqlDatasetRuns(SqlRepository, DatasetRunRepository):
    """Runs and run items in SQL; run items go with their run (``ON DELETE CASCADE``)."""

    async def add(self, run: DatasetRun) -> None:
        await self._write(dataset_runs.insert().values(_run_values(run)))

    async def update(self, run: DatasetRun) -> None:
        await self._write(
            dataset_runs.update()
            .where(_runs.project_id == run.project_id, _runs.id == run.id)
            .values(
                description=run.description,
                metadata=_json(run.metadata),
                updated_at=utc_value(run.updated_at),
            )
        )

    async def get(self, project_id: str, dataset_id: str, name: str) -> DatasetRun | None:
        row = await self._first(
            sa.select(dataset_runs).where(
                _runs.project_id == project_id, _runs.dataset_id == dataset_id, _runs.name == name
            )
        )
        return _run_from_row(row) if row else None

    async def page(
        self, project_id: str, dataset_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[DatasetRun], int]:
        where = (_runs.project_id == project_id, _runs.dataset_id == dataset_id)
        total = await self._count(
            sa.select(sa.func.count()).select_from(dataset_runs).where(*where)
        )
        rows = await self._all(
            sa.select(dataset_runs)
            .where(*where)
            .order_by(_runs.created_at.desc(), self._bytewise(_runs.id))
            .offset(offset)
            .limit(limit)
        )
        return [_run_from_row(r) for r in rows], total

    async def names(self, project_id: str, dataset_id: str) -> Sequence[str]:
        rows = await self._all(
            sa.select(_runs.name)
            .where(_runs.project_id == project_id, _runs.dataset_id == dataset_id)
            .order_by(_runs.created_at.desc(), self._bytewise(_runs.id))
        )
        return [r.name for r in rows]

    async def delete(self, project_id: str, run_id: str) -> bool:
        return (
            await self._write(
                dataset_runs.delete().where(_runs.project_id == project_id, _runs.id == run_id)
            )
            > 0
        )

    async def add_item(self, item: DatasetRunItem) -> None:
        await self._write(
            dataset_run_items.insert().values(
                id=item.id,
                project_id=item.project_id,
                dataset_run_id=item.dataset_run_id,
                dataset_item_id=item.dataset_item_id,
                trace_id=item.trace_id,
                observation_id=item.observation_id,
                created_at=utc_value(item.created_at),
                ended_at=None if item.ended_at is None else utc_value(item.ended_at),
            )
        )

    async def items(
        self, project_id: str, run_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[DatasetRunItem], int]:
        where = (_run_items.project_id == project_id, _run_items.dataset_run_id == run_id)
        total = await self._count(
            sa.select(sa.func.count()).select_from(dataset_run_items).where(*where)
        )
        rows = await self._all(
            sa.select(dataset_run_items)
            .where(*where)
            .order_by(_run_items.created_at, self._bytewise(_run_items.id))
            .offset(offset)
            .limit(limit)
        )
        return [_run_item_from_row(r) for r in rows], total

    async def get_by_id(self, project_id: str, run_id: str) -> DatasetRun | None:
        row = await self._first(
            sa.select(dataset_runs).where(_runs.project_id == project_id, _runs.id == run_id)
        )
        return _run_from_row(row) if row else None

    async def existing_item_ids(self, project_id: str, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        rows = await self._all(
            sa.select(_run_items.id).where(
                _run_items.project_id == project_id, _run_items.id.in_(list(ids))
            )
        )
        return {r.id for r in rows}

    async def experiments(
        self, project_id: str, query: ExperimentQuery, *, after: ExperimentCursor | None, limit: int
    ) -> Sequence[ExperimentSummary]:
        last_at = sa.func.max(sa.func.coalesce(_run_items.ended_at, _run_items.created_at))
        statement = (
            sa.select(
                dataset_runs,
                sa.func.count(_run_items.id).label("item_count"),
                sa.func.min(_run_items.created_at).label("first_at"),
                last_at.label("last_at"),
            )
            .select_from(
                dataset_runs.join(
                    dataset_run_items,
                    sa.and_(
                        _run_items.project_id == _runs.project_id,
                        _run_items.dataset_run_id == _runs.id,
                    ),
                )
            )
            .where(_runs.project_id == project_id, *_window(query.start, query.end))
            # The primary key: PostgreSQL lets the run's other columns follow from it.
            .group_by(_runs.project_id, _runs.id)
            .order_by(last_at.desc(), self._bytewise(_runs.id))
            .limit(limit)
        )
        if query.ids:
            statement = statement.where(_runs.id.in_(list(query.ids)))
        if query.names:
            statement = statement.where(_runs.name.in_(list(query.names)))
        if query.dataset_ids:
            statement = statement.where(_runs.dataset_id.in_(list(query.dataset_ids)))
        if after is not None:
            at = utc_value(after.at)
            statement = statement.having(
                sa.or_(last_at < at, sa.and_(last_at == at, self._bytewise(_runs.id) > after.id))
            )
        return [
            ExperimentSummary(
                run=_run_from_row(row),
                item_count=row.item_count,
                first_at=utc_loaded(row.first_at),
                last_at=utc_loaded(row.last_at),
            )
            for row in await self._all(statement)
        ]

    async def experiment_items(
        self,
        project_id: str,
        query: ExperimentItemQuery,
        *,
        after: ExperimentCursor | None,
        limit: int,
    ) -> Sequence[RunItemInRun]:
        statement = (
            sa.select(dataset_run_items)
            .where(_run_items.project_id == project_id, *_window(query.start, query.end))
            .order_by(_run_items.created_at.desc(), self._bytewise(_run_items.id))
            .limit(limit)
        )
        if query.item_ids:
            statement = statement.where(_run_items.dataset_item_id.in_(list(query.item_ids)))
        if query.experiment_ids or query.experiment_names or query.dataset_ids:
            runs = sa.select(_runs.id).where(_runs.project_id == project_id)
            if query.experiment_ids:
                runs = runs.where(_runs.id.in_(list(query.experiment_ids)))
            if query.experiment_names:
                runs = runs.where(_runs.name.in_(list(query.experiment_names)))
            if query.dataset_ids:
                runs = runs.where(_runs.dataset_id.in_(list(query.dataset_ids)))
            statement = statement.where(_run_items.dataset_run_id.in_(runs.scalar_subquery()))
        if after is not None:
            at = utc_value(after.at)
            statement = statement.where(
                sa.or_(
                    _run_items.created_at < at,
                    sa.and_(_run_items.created_at == at, self._bytewise(_run_items.id) > after.id),
                )
            )
        items = [_run_item_from_row(r) for r in await self._all(statement)]
        run_ids = sorted({item.dataset_run_id for item in items})
        rows = (
            await self._all(
                sa.select(dataset_runs).where(_runs.project_id == project_id, _runs.id.in_(run_ids))
            )
            if run_ids
            else []
        )
        runs_by_id = {row.id: _run_from_row(row) for row in rows}
        return [RunItemInRun(item=item, run=runs_by_id[item.dataset_run_id]) for item in items]

    async def _count(self, statement: sa.Select[Any]) -> int:
        async with translate_errors():
            return int((await self._conn.execute(statement)).scalar_one())

    def _bytewise(self, column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        # PostgreSQL orders text by the database's collation; SQLite and Python by code point.
        if self._conn.dialect.name == "postgresql":
            return column.collate("C")
        return column


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


def _window(start: datetime, end: datetime | None) -> list[sa.ColumnElement[bool]]:
    conditions = [_run_items.created_at >= utc_value(start)]
    if end is not None:
        conditions.append(_run_items.created_at < utc_value(end))
    return conditions


def _in_window(at: datetime, start: datetime, end: datetime | None) -> bool:
    return at >= start and (end is None or at < end)


def _json(value: Any) -> Any:
    return sa.null() if value is None else value


def _run_values(run: DatasetRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "project_id": run.project_id,
        "dataset_id": run.dataset_id,
        "name": run.name,
        "description": run.description,
        "metadata": _json(run.metadata),
        "created_at": utc_value(run.created_at),
        "updated_at": utc_value(run.updated_at),
    }


def _run_from_row(row: sa.Row[Any]) -> DatasetRun:
    return DatasetRun(
        id=row.id,
        project_id=row.project_id,
        dataset_id=row.dataset_id,
        name=row.name,
        description=row.description,
        metadata=row.metadata,
        created_at=utc_loaded(row.created_at),
        updated_at=utc_loaded(row.updated_at),
    )


def _run_item_from_row(row: sa.Row[Any]) -> DatasetRunItem:
    return DatasetRunItem(
        id=row.id,
        project_id=row.project_id,
        dataset_run_id=row.dataset_run_id,
        dataset_item_id=row.dataset_item_id,
        trace_id=row.trace_id,
        observation_id=row.observation_id,
        created_at=utc_loaded(row.created_at),
        ended_at=None if row.ended_at is None else utc_loaded(row.ended_at),
    )
