"""In-memory backfills: the SQL adapter's rules over the memory database."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from spyglass_adapters.memory.spi import MemoryTables
from spyglass_evals.domain.executions import Backfill, BackfillStatus
from spyglass_evals.ports import BackfillRepository

__all__ = ("MemoryBackfills",)

_TABLE = "eval_backfills"


class MemoryBackfills(BackfillRepository):
    """Backfills by (project, id); reads hand out deep copies (the selection is a dict)."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add(self, backfill: Backfill) -> None:
        self._db.table(_TABLE)[(backfill.project_id, backfill.id)] = copy.deepcopy(backfill)

    async def update(self, backfill: Backfill) -> None:
        table = self._db.table(_TABLE)
        key = (backfill.project_id, backfill.id)
        if key in table:
            table[key] = copy.deepcopy(backfill)

    async def get(self, project_id: str, backfill_id: str) -> Backfill | None:
        found = self._db.table(_TABLE).get((project_id, backfill_id))
        return copy.deepcopy(found) if found is not None else None

    async def of_rule(self, project_id: str, rule_id: str, *, limit: int) -> Sequence[Backfill]:
        mine = [
            b
            for b in self._db.table(_TABLE).values()
            if b.project_id == project_id and b.rule_id == rule_id
        ]
        mine.sort(key=lambda b: b.id)
        mine.sort(key=lambda b: b.created_at, reverse=True)
        return [copy.deepcopy(b) for b in mine[:limit]]

    async def planning(self) -> Sequence[Backfill]:
        return [
            copy.deepcopy(b)
            for b in self._db.table(_TABLE).values()
            if b.status is BackfillStatus.PLANNING
        ]
