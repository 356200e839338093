"""The domain-event outbox in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from spyglass_adapters.sql.mapping import utc_loaded, utc_value
from spyglass_adapters.sql.schema import event_outbox
from spyglass_adapters.sql.spi import SqlRepository
from spyglass_core.ports.event_outbox import EventOutboxRepository, OutboxEntry

__all__ = ("SqlEventOutbox",)

_o = event_outbox.c


class SqlEventOutbox(SqlRepository, EventOutboxRepository):
    """Outbox entries; ``due`` reads by the ``available_at`` index."""

    async def add(self, entries: Sequence[OutboxEntry]) -> None:
        if entries:
            await self._write(
                event_outbox.insert().values(
                    [
                        {
                            "id": e.id,
                            "event_type": e.event_type,
                            "payload": e.payload,
                            "created_at": utc_value(e.created_at),
                            "available_at": utc_value(e.available_at),
                            "attempts": e.attempts,
                        }
                        for e in entries
                    ]
                )
            )

    async def get(self, entry_id: str) -> OutboxEntry | None:
        row = await self._first(sa.select(event_outbox).where(_o.id == entry_id))
        return _entry(row) if row is not None else None

    async def due(self, now: datetime, limit: int) -> Sequence[OutboxEntry]:
        rows = await self._all(
            sa.select(event_outbox)
            .where(_o.available_at <= utc_value(now))
            .order_by(_o.available_at, _o.id)
            .limit(limit)
        )
        return [_entry(r) for r in rows]

    async def postpone(self, entry_id: str, until: datetime, attempts: int) -> None:
        await self._write(
            event_outbox.update()
            .where(_o.id == entry_id)
            .values(available_at=utc_value(until), attempts=attempts)
        )

    async def delete(self, entry_id: str) -> None:
        await self._write(event_outbox.delete().where(_o.id == entry_id))


def _entry(row: Any) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        event_type=row.event_type,
        payload=row.payload,
        created_at=utc_loaded(row.created_at),
        available_at=utc_loaded(row.available_at),
        attempts=row.attempts,
    )
