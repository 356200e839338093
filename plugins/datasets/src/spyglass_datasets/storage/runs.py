"""Dataset runs and their run items in SQL (the fake is ``storage.memory_runs``).

Runs are listed newest first and run items oldest first, ties broken by id compared
byte-wise on every backend, so pages agree between SQLite, PostgreSQL and the fake.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from spyglass_adapters.sql.spi import SqlRepository, translate_errors, utc_loaded, utc_value
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

__all__ = ("SqlDatasetRuns",)

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

    async def get_many(self, project_id: str, run_ids: Sequence[str]) -> Sequence[DatasetRun]:
        if not run_ids:
            return []
        rows = await self._all(
            sa.select(dataset_runs).where(
                _runs.project_id == project_id, _runs.id.in_(list(run_ids))
            )
        )
        return [_run_from_row(r) for r in rows]

    async def item_counts(self, project_id: str, run_ids: Sequence[str]) -> Mapping[str, int]:
        counts = dict.fromkeys(run_ids, 0)
        if not counts:
            return counts
        rows = await self._all(
            sa.select(_run_items.dataset_run_id, sa.func.count().label("n"))
            .where(
                _run_items.project_id == project_id,
                _run_items.dataset_run_id.in_(list(counts)),
            )
            .group_by(_run_items.dataset_run_id)
        )
        counts.update({row.dataset_run_id: int(row.n) for row in rows})
        return counts

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

    async def items_of(
        self, project_id: str, run_ids: Sequence[str], dataset_item_ids: Sequence[str]
    ) -> Sequence[DatasetRunItem]:
        if not run_ids or not dataset_item_ids:
            return []
        rows = await self._all(
            sa.select(dataset_run_items)
            .where(
                _run_items.project_id == project_id,
                _run_items.dataset_run_id.in_(list(run_ids)),
                _run_items.dataset_item_id.in_(list(dataset_item_ids)),
            )
            .order_by(_run_items.created_at, self._bytewise(_run_items.id))
        )
        return [_run_item_from_row(r) for r in rows]

    async def _count(self, statement: sa.Select[Any]) -> int:
        async with translate_errors():
            return int((await self._conn.execute(statement)).scalar_one())

    def _bytewise(self, column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        # PostgreSQL orders text by the database's collation; SQLite and Python by code point.
        if self._conn.dialect.name == "postgresql":
            return column.collate("C")
        return column


def _window(start: datetime, end: datetime | None) -> list[sa.ColumnElement[bool]]:
    conditions = [_run_items.created_at >= utc_value(start)]
    if end is not None:
        conditions.append(_run_items.created_at < utc_value(end))
    return conditions


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
