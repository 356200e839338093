"""Evaluation executions in SQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from spyglass_adapters.sql.spi import SqlRepository, utc_loaded, utc_value
from spyglass_evals.domain.executions import Execution, ExecutionStatus, ObjectKind
from spyglass_evals.ports import ExecutionRepository
from spyglass_evals.storage.tables import executions

__all__ = ("SqlExecutions",)

_x = executions.c
_TIMES = ("due_at", "lease_until", "created_at", "updated_at", "finished_at")


class SqlExecutions(SqlRepository, ExecutionRepository):
    """Executions; claims are conditional updates, so two workers never share a row."""

    async def add_new(self, new: Sequence[Execution]) -> int:
        if not new:
            return 0
        insert: Any = (
            postgresql.insert(executions)
            if self._conn.dialect.name == "postgresql"
            else sqlite.insert(executions)
        )
        return await self._write(
            insert.values([_values(e) for e in new]).on_conflict_do_nothing(index_elements=["id"])
        )

    async def claim(
        self, *, now: datetime, owner: str, lease_until: datetime, limit: int
    ) -> Sequence[Execution]:
        runnable = sa.or_(
            sa.and_(_x.status == ExecutionStatus.PENDING.value, _x.due_at <= utc_value(now)),
            sa.and_(_x.status == ExecutionStatus.RUNNING.value, _x.lease_until < utc_value(now)),
        )
        candidates = await self._all(
            sa.select(_x.id).where(runnable).order_by(_x.due_at).limit(limit)
        )
        if not candidates:
            return []
        ids = [row.id for row in candidates]
        # The condition is checked again by the update itself: a row another worker
        # claimed in between no longer matches and is not taken twice.
        await self._write(
            executions.update()
            .where(_x.id.in_(ids), runnable)
            .values(
                status=ExecutionStatus.RUNNING.value,
                lease_owner=owner,
                lease_until=utc_value(lease_until),
                updated_at=utc_value(now),
            )
        )
        rows = await self._all(sa.select(executions).where(_x.id.in_(ids), _x.lease_owner == owner))
        return [_execution(r) for r in rows]

    async def renew(self, owner: str, ids: Sequence[str], lease_until: datetime) -> None:
        if ids:
            await self._write(
                executions.update()
                .where(
                    _x.id.in_(list(ids)),
                    _x.lease_owner == owner,
                    _x.status == ExecutionStatus.RUNNING.value,
                )
                .values(lease_until=utc_value(lease_until))
            )

    async def update(self, execution: Execution) -> None:
        values = _values(execution)
        del values["id"]
        await self._write(executions.update().where(_x.id == execution.id).values(values))

    async def get(self, project_id: str, execution_id: str) -> Execution | None:
        row = await self._first(
            sa.select(executions).where(_x.project_id == project_id, _x.id == execution_id)
        )
        return _execution(row) if row else None

    async def page(
        self,
        project_id: str,
        *,
        rule_id: str | None = None,
        status: ExecutionStatus | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Sequence[Execution]:
        query = sa.select(executions).where(_x.project_id == project_id)
        if rule_id is not None:
            query = query.where(_x.rule_id == rule_id)
        if status is not None:
            query = query.where(_x.status == status.value)
        by_id = _x.id.collate("C") if self._conn.dialect.name == "postgresql" else _x.id
        rows = await self._all(
            query.order_by(_x.created_at.desc(), by_id).offset(offset).limit(limit)
        )
        return [_execution(r) for r in rows]

    async def cancel_pending(
        self, project_id: str, rule_id: str, *, reason: str, now: datetime
    ) -> int:
        return await self._write(
            executions.update()
            .where(
                _x.project_id == project_id,
                _x.rule_id == rule_id,
                _x.status == ExecutionStatus.PENDING.value,
            )
            .values(
                status=ExecutionStatus.CANCELLED.value,
                error=reason,
                updated_at=utc_value(now),
                finished_at=utc_value(now),
            )
        )

    async def status_counts(
        self, project_id: str, backfill_id: str
    ) -> Mapping[ExecutionStatus, int]:
        rows: Sequence[Any] = await self._all(
            sa.select(_x.status, sa.func.count().label("n"))
            .where(_x.project_id == project_id, _x.backfill_id == backfill_id)
            .group_by(_x.status)
        )
        return {ExecutionStatus(row.status): int(row.n) for row in rows}


def _values(execution: Execution) -> dict[str, Any]:
    values: dict[str, Any] = msgspec.structs.asdict(execution)
    values["status"] = execution.status.value
    values["object_kind"] = execution.object_kind.value
    values["context"] = sa.null() if execution.context is None else execution.context
    values["score_value"] = sa.null() if execution.score_value is None else execution.score_value
    for name in _TIMES:
        if values[name] is not None:
            values[name] = utc_value(values[name])
    return values


def _execution(row: Any) -> Execution:
    fields = dict(row._mapping)
    for name in _TIMES:
        if fields[name] is not None:
            fields[name] = utc_loaded(fields[name])
    fields["status"] = ExecutionStatus(fields["status"])
    fields["object_kind"] = ObjectKind(fields["object_kind"])
    return Execution(**fields)
