"""Backfills in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from spyglass_adapters.sql.spi import SqlRepository, utc_loaded, utc_value
from spyglass_evals.domain.executions import Backfill, BackfillStatus
from spyglass_evals.ports import BackfillRepository
from spyglass_evals.storage.tables import backfills

__all__ = ("SqlBackfills",)

_b = backfills.c


class SqlBackfills(SqlRepository, BackfillRepository):
    """Backfills; the selection is JSON."""

    async def add(self, backfill: Backfill) -> None:
        await self._write(backfills.insert().values(_values(backfill)))

    async def update(self, backfill: Backfill) -> None:
        values = _values(backfill)
        del values["id"]
        await self._write(
            backfills.update()
            .where(_b.project_id == backfill.project_id, _b.id == backfill.id)
            .values(values)
        )

    async def get(self, project_id: str, backfill_id: str) -> Backfill | None:
        row = await self._first(
            sa.select(backfills).where(_b.project_id == project_id, _b.id == backfill_id)
        )
        return _backfill(row) if row else None

    async def of_rule(self, project_id: str, rule_id: str, *, limit: int) -> Sequence[Backfill]:
        rows = await self._all(
            sa.select(backfills)
            .where(_b.project_id == project_id, _b.rule_id == rule_id)
            .order_by(_b.created_at.desc(), _b.id)
            .limit(limit)
        )
        return [_backfill(r) for r in rows]

    async def planning(self) -> Sequence[Backfill]:
        rows = await self._all(
            sa.select(backfills).where(_b.status == BackfillStatus.PLANNING.value)
        )
        return [_backfill(r) for r in rows]


def _values(backfill: Backfill) -> dict[str, Any]:
    return {
        "id": backfill.id,
        "project_id": backfill.project_id,
        "rule_id": backfill.rule_id,
        "selection": backfill.selection,
        "status": backfill.status.value,
        "selected": backfill.selected,
        "planned": backfill.planned,
        "error": backfill.error,
        "created_at": utc_value(backfill.created_at),
        "updated_at": utc_value(backfill.updated_at),
    }


def _backfill(row: Any) -> Backfill:
    return Backfill(
        id=row.id,
        project_id=row.project_id,
        rule_id=row.rule_id,
        selection=row.selection,
        status=BackfillStatus(row.status),
        selected=row.selected,
        planned=row.planned,
        error=row.error,
        created_at=utc_loaded(row.created_at),
        updated_at=utc_loaded(row.updated_at),
    )
