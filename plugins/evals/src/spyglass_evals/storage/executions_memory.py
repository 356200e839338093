"""In-memory evaluation executions: the SQL adapter's rules over the memory database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime

import msgspec

from spyglass_adapters.memory.spi import MemoryTables
from spyglass_evals.domain.executions import Execution, ExecutionStatus
from spyglass_evals.ports import ExecutionRepository

__all__ = ("MemoryExecutions",)

_TABLE = "eval_executions"


class MemoryExecutions(ExecutionRepository):
    """Executions by id (frozen structs, so the unit of work's shallow copies suffice)."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add_new(self, new: Sequence[Execution]) -> int:
        table = self._db.table(_TABLE)
        added = 0
        for execution in new:
            if execution.id not in table:
                table[execution.id] = execution
                added += 1
        return added

    async def claim(
        self, *, now: datetime, owner: str, lease_until: datetime, limit: int
    ) -> Sequence[Execution]:
        table = self._db.table(_TABLE)
        runnable = sorted(
            (
                e
                for e in table.values()
                if (e.status is ExecutionStatus.PENDING and e.due_at <= now)
                or (
                    e.status is ExecutionStatus.RUNNING
                    and e.lease_until is not None
                    and e.lease_until < now
                )
            ),
            key=lambda e: e.due_at,
        )[:limit]
        claimed = []
        for execution in runnable:
            leased = msgspec.structs.replace(
                execution,
                status=ExecutionStatus.RUNNING,
                lease_owner=owner,
                lease_until=lease_until,
                updated_at=now,
            )
            table[execution.id] = leased
            claimed.append(leased)
        return claimed

    async def renew(self, owner: str, ids: Sequence[str], lease_until: datetime) -> None:
        table = self._db.table(_TABLE)
        for execution_id in ids:
            found = table.get(execution_id)
            if (
                found is not None
                and found.lease_owner == owner
                and found.status is ExecutionStatus.RUNNING
            ):
                table[execution_id] = msgspec.structs.replace(found, lease_until=lease_until)

    async def update(self, execution: Execution) -> None:
        table = self._db.table(_TABLE)
        if execution.id in table:
            table[execution.id] = execution

    async def get(self, project_id: str, execution_id: str) -> Execution | None:
        found = self._db.table(_TABLE).get(execution_id)
        return found if found is not None and found.project_id == project_id else None

    async def page(
        self,
        project_id: str,
        *,
        rule_id: str | None = None,
        status: ExecutionStatus | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Sequence[Execution]:
        mine = [
            e
            for e in self._db.table(_TABLE).values()
            if e.project_id == project_id
            and rule_id in (None, e.rule_id)
            and status in (None, e.status)
        ]
        mine.sort(key=lambda e: e.id)
        mine.sort(key=lambda e: e.created_at, reverse=True)
        return mine[offset : offset + limit]

    async def cancel_pending(
        self, project_id: str, rule_id: str, *, reason: str, now: datetime
    ) -> int:
        table = self._db.table(_TABLE)
        pending = [
            e
            for e in table.values()
            if e.project_id == project_id
            and e.rule_id == rule_id
            and e.status is ExecutionStatus.PENDING
        ]
        for execution in pending:
            table[execution.id] = msgspec.structs.replace(
                execution,
                status=ExecutionStatus.CANCELLED,
                error=reason,
                updated_at=now,
                finished_at=now,
            )
        return len(pending)

    async def status_counts(
        self, project_id: str, backfill_id: str
    ) -> Mapping[ExecutionStatus, int]:
        return Counter(
            e.status
            for e in self._db.table(_TABLE).values()
            if e.project_id == project_id and e.backfill_id == backfill_id
        )
