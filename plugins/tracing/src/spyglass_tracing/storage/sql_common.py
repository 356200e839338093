"""What the tracing plugin's SQL repositories share: a base class and small helpers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from spyglass_adapters.sql import spi as mapping
from spyglass_adapters.sql.spi import SqlRepository, translate_errors

__all__ = ("CHUNK", "TracingRepository", "chunks", "optional_utc")

CHUNK = 500
"""Ids per statement: far below the bound-parameter limits of SQLite and asyncpg."""


class TracingRepository(SqlRepository):
    """A repository with a count and a many-row insert, both translating driver errors."""

    async def _count(self, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
        async with translate_errors():
            statement = sa.select(sa.func.count()).select_from(table).where(*where)
            return int((await self._conn.execute(statement)).scalar() or 0)

    async def _insert_many(self, statement: sa.Insert, rows: list[dict[str, Any]]) -> None:
        if rows:
            async with translate_errors():
                await self._conn.execute(statement, rows)


def chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    """``items`` in slices of at most ``CHUNK``."""
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def optional_utc(value: datetime | None) -> datetime | None:
    """A nullable datetime as read back, in UTC."""
    return mapping.utc_loaded(value) if value is not None else None
