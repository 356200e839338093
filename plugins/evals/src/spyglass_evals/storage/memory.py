"""In-memory LLM connections: the SQL adapter's rules over the memory database.

Stored values are frozen structs; reads hand out deep copies (``config`` is a dict), so
the unit of work's shallow copies of the tables are enough for commit and rollback.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import msgspec

from spyglass_adapters.memory.spi import MemoryTables
from spyglass_core.domain.errors import Conflict
from spyglass_evals.domain.llm_connections import LlmConnection
from spyglass_evals.ports import LlmConnectionRepository

__all__ = ("MemoryLlmConnections",)

_TABLE = "llm_connections"


class MemoryLlmConnections(LlmConnectionRepository):
    """LLM connections by (project, id)."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add(self, connection: LlmConnection) -> None:
        table = self._db.table(_TABLE)
        key = (connection.project_id, connection.id)
        if key in table or await self.get_by_provider(connection.project_id, connection.provider):
            raise Conflict(f"LLM connection '{connection.provider}' already exists")
        table[key] = copy.deepcopy(connection)

    async def update(self, connection: LlmConnection) -> None:
        table = self._db.table(_TABLE)
        key = (connection.project_id, connection.id)
        stored = table.get(key)
        if stored is not None:
            table[key] = copy.deepcopy(
                msgspec.structs.replace(
                    connection, provider=stored.provider, created_at=stored.created_at
                )
            )

    async def get(self, project_id: str, connection_id: str) -> LlmConnection | None:
        stored = self._db.table(_TABLE).get((project_id, connection_id))
        return copy.deepcopy(stored) if stored is not None else None

    async def get_by_provider(self, project_id: str, provider: str) -> LlmConnection | None:
        for stored in self._db.table(_TABLE).values():
            if stored.project_id == project_id and stored.provider == provider:
                return copy.deepcopy(stored)  # type: ignore[no-any-return]
        return None

    async def page(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[LlmConnection], int]:
        mine = [c for c in self._db.table(_TABLE).values() if c.project_id == project_id]
        # Newest first, ties by id ascending: sort by id, then (stably) by time descending.
        mine.sort(key=lambda c: c.id)
        mine.sort(key=lambda c: c.created_at, reverse=True)
        return [copy.deepcopy(c) for c in mine[offset : offset + limit]], len(mine)

    async def delete(self, project_id: str, connection_id: str) -> bool:
        return self._db.table(_TABLE).pop((project_id, connection_id), None) is not None
