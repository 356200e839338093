"""Datasets and item versions in SQL.

Item versions are append-only rows; the current version of an id is the row whose
``valid_to`` is NULL. Reads "as of" a time pick the row valid then. Lists are ordered by
``(created_at, id)`` with ids compared byte-wise on every backend (``COLLATE "C"`` on
PostgreSQL), so keyset pages come out as with SQLite and the memory adapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa

from spyglass_adapters.sql.spi import SqlRepository, translate_errors, utc_value
from spyglass_datasets.domain.datasets import (
    Dataset,
    DatasetItem,
    ItemCursor,
    ItemFilter,
    ItemStatus,
)
from spyglass_datasets.ports import DatasetItemRepository, DatasetRepository
from spyglass_datasets.storage import mapping
from spyglass_datasets.storage.tables import dataset_item_versions, datasets

__all__ = ("SqlDatasetItems", "SqlDatasets")

_items = dataset_item_versions.c
_IN_CHUNK = 1000  # ids per IN (...) list


class SqlDatasets(SqlRepository, DatasetRepository):
    """Datasets in SQL."""

    async def add(self, dataset: Dataset) -> None:
        await self._write(datasets.insert().values(mapping.dataset_values(dataset)))

    async def update(self, dataset: Dataset) -> None:
        values = mapping.dataset_values(dataset)
        del values["id"], values["project_id"], values["name"], values["created_at"]
        await self._write(
            datasets.update()
            .where(datasets.c.project_id == dataset.project_id, datasets.c.id == dataset.id)
            .values(values)
        )

    async def get(self, project_id: str, dataset_id: str) -> Dataset | None:
        row = await self._first(
            sa.select(datasets).where(
                datasets.c.project_id == project_id, datasets.c.id == dataset_id
            )
        )
        return mapping.dataset_from_row(row) if row else None

    async def get_by_name(self, project_id: str, name: str) -> Dataset | None:
        row = await self._first(
            sa.select(datasets).where(datasets.c.project_id == project_id, datasets.c.name == name)
        )
        return mapping.dataset_from_row(row) if row else None

    async def names(self, project_id: str, dataset_ids: Sequence[str]) -> Mapping[str, str]:
        if not dataset_ids:
            return {}
        rows = await self._all(
            sa.select(datasets.c.id, datasets.c.name).where(
                datasets.c.project_id == project_id, datasets.c.id.in_(list(set(dataset_ids)))
            )
        )
        return {r.id: r.name for r in rows}

    async def page(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[Dataset], int]:
        of_project = datasets.c.project_id == project_id
        async with translate_errors():
            total = (
                await self._conn.execute(
                    sa.select(sa.func.count()).select_from(datasets).where(of_project)
                )
            ).scalar_one()
        rows = await self._all(
            sa.select(datasets)
            .where(of_project)
            .order_by(datasets.c.created_at.desc(), _bytewise(self, datasets.c.id))
            .offset(offset)
            .limit(limit)
        )
        return [mapping.dataset_from_row(r) for r in rows], int(total)


class SqlDatasetItems(SqlRepository, DatasetItemRepository):
    """Item versions in SQL."""

    async def save(self, item: DatasetItem) -> None:
        await self._close_current(item.project_id, item.id, item.updated_at)
        await self._write(
            dataset_item_versions.insert().values(mapping.item_values(_with_valid_to_none(item)))
        )

    async def save_many(self, items: Sequence[DatasetItem]) -> None:
        replacing = [
            {"b_project": i.project_id, "b_id": i.id, "b_at": utc_value(i.updated_at)}
            for i in items
            if i.version > 1
        ]
        if replacing:
            await self._write_many(
                dataset_item_versions.update()
                .where(
                    _items.project_id == sa.bindparam("b_project"),
                    _items.id == sa.bindparam("b_id"),
                    _items.valid_to.is_(None),
                )
                .values(valid_to=sa.bindparam("b_at")),
                replacing,
            )
        # An executemany of one compiled INSERT: a multi-row VALUES is compiled anew for
        # every call, which cost more than the writing. sa.null() as a parameter keeps a
        # JSON column SQL NULL.
        if items:
            await self._write_many(
                dataset_item_versions.insert(),
                [mapping.item_values(_with_valid_to_none(i)) for i in items],
            )

    async def current(self, project_id: str, item_id: str) -> DatasetItem | None:
        row = await self._first(
            sa.select(dataset_item_versions).where(
                _items.project_id == project_id, _items.id == item_id, _items.valid_to.is_(None)
            )
        )
        return mapping.item_from_row(row) if row else None

    async def current_many(
        self, project_id: str, item_ids: Sequence[str]
    ) -> Mapping[str, DatasetItem]:
        found: dict[str, DatasetItem] = {}
        for chunk in _chunks(item_ids):
            rows = await self._all(
                sa.select(dataset_item_versions).where(
                    _items.project_id == project_id,
                    _items.id.in_(chunk),
                    _items.valid_to.is_(None),
                )
            )
            found.update((r.id, mapping.item_from_row(r)) for r in rows)
        return found

    async def latest_versions(self, project_id: str, item_ids: Sequence[str]) -> Mapping[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(item_ids):
            rows = await self._all(
                sa.select(_items.id, sa.func.max(_items.version).label("latest"))
                .where(_items.project_id == project_id, _items.id.in_(chunk))
                .group_by(_items.id)
            )
            found.update((r.id, int(r.latest)) for r in rows)
        return found

    async def latest_version(self, project_id: str, item_id: str) -> int | None:
        async with translate_errors():
            latest = (
                await self._conn.execute(
                    sa.select(sa.func.max(_items.version)).where(
                        _items.project_id == project_id, _items.id == item_id
                    )
                )
            ).scalar()
        return int(latest) if latest is not None else None

    async def delete(self, project_id: str, item_id: str, at: datetime) -> bool:
        return await self._close_current(project_id, item_id, at) > 0

    async def history(self, project_id: str, item_id: str) -> Sequence[DatasetItem]:
        rows = await self._all(
            sa.select(dataset_item_versions)
            .where(_items.project_id == project_id, _items.id == item_id)
            .order_by(_items.version)
        )
        return [mapping.item_from_row(r) for r in rows]

    async def find(
        self,
        project_id: str,
        where: ItemFilter,
        *,
        after: ItemCursor | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Sequence[DatasetItem]:
        conditions = _conditions(project_id, where)
        item_id = _bytewise(self, _items.id)
        if after is not None:
            at = utc_value(after.created_at)
            # The first condition is implied by the second; it is what lets the index on
            # (project_id, dataset_id, created_at, id) start at the position instead of
            # scanning every earlier row (SQLite does not use an OR for a range).
            conditions.append(_items.created_at >= at)
            conditions.append(
                sa.or_(
                    _items.created_at > at,
                    sa.and_(_items.created_at == at, item_id > after.id),
                )
            )
        rows = await self._all(
            sa.select(dataset_item_versions)
            .where(*conditions)
            .order_by(_items.created_at, item_id)
            .offset(offset)
            .limit(limit)
        )
        return [mapping.item_from_row(r) for r in rows]

    async def count(self, project_id: str, where: ItemFilter) -> int:
        async with translate_errors():
            total = (
                await self._conn.execute(
                    sa.select(sa.func.count())
                    .select_from(dataset_item_versions)
                    .where(*_conditions(project_id, where))
                )
            ).scalar_one()
        return int(total)

    async def _write_many(self, statement: sa.Executable, rows: list[dict[str, Any]]) -> None:
        async with translate_errors():
            await self._conn.execute(statement, rows)

    async def _close_current(self, project_id: str, item_id: str, at: datetime) -> int:
        return await self._write(
            dataset_item_versions.update()
            .where(_items.project_id == project_id, _items.id == item_id, _items.valid_to.is_(None))
            .values(valid_to=utc_value(at))
        )


def _chunks(ids: Sequence[str]) -> list[list[str]]:
    unique = list(dict.fromkeys(ids))
    return [unique[i : i + _IN_CHUNK] for i in range(0, len(unique), _IN_CHUNK)]


def _conditions(project_id: str, where: ItemFilter) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [_items.project_id == project_id]
    if where.as_of is None:
        conditions.append(_items.valid_to.is_(None))
    else:
        at = utc_value(where.as_of)
        conditions += [
            _items.valid_from <= at,
            sa.or_(_items.valid_to.is_(None), _items.valid_to > at),
        ]
    if where.dataset_id is not None:
        conditions.append(_items.dataset_id == where.dataset_id)
    if where.source_trace_id is not None:
        conditions.append(_items.source_trace_id == where.source_trace_id)
    if where.source_observation_id is not None:
        conditions.append(_items.source_observation_id == where.source_observation_id)
    if not where.include_archived:
        conditions.append(_items.status == ItemStatus.ACTIVE.value)
    return conditions


def _with_valid_to_none(item: DatasetItem) -> DatasetItem:
    return item if item.valid_to is None else msgspec.structs.replace(item, valid_to=None)


def _bytewise(repo: SqlRepository, column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    # PostgreSQL orders text by the database's collation; SQLite and Python by code point.
    if repo._conn.dialect.name == "postgresql":
        return column.collate("C")
    return column
