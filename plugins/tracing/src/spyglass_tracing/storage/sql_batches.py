"""Ingestion batch records and accepted envelope ids in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from spyglass_adapters.sql import spi as mapping
from spyglass_tracing.domain.ingestion import BatchRecord
from spyglass_tracing.ports.repositories import IngestionBatchRepository
from spyglass_tracing.storage.sql_common import TracingRepository, chunks, optional_utc
from spyglass_tracing.storage.tables import ingestion_batches, ingestion_event_ids

__all__ = ("SqlIngestionBatches",)

# A batch's last error is kept for an operator, cut to this length.
_MAX_ERROR_CHARS = 4000


class SqlIngestionBatches(TracingRepository, IngestionBatchRepository):
    """Batch records and the per-project set of accepted event ids, in SQL."""

    async def seen_event_ids(self, project_id: str, event_ids: Sequence[str]) -> set[str]:
        seen: set[str] = set()
        for chunk in chunks(list(dict.fromkeys(event_ids))):
            rows = await self._all(
                sa.select(ingestion_event_ids.c.event_id).where(
                    ingestion_event_ids.c.project_id == project_id,
                    ingestion_event_ids.c.event_id.in_(chunk),
                )
            )
            seen.update(r.event_id for r in rows)
        return seen

    async def add(self, record: BatchRecord, event_ids: Sequence[str]) -> None:
        await self._write(ingestion_batches.insert().values(_batch_values(record)))
        received_at = mapping.utc_value(record.received_at)
        for chunk in chunks(list(dict.fromkeys(event_ids))):
            await self._insert_many(
                self._insert_new_event_ids(),
                [
                    {"project_id": record.project_id, "event_id": e, "received_at": received_at}
                    for e in chunk
                ],
            )

    async def get(self, batch_id: str) -> BatchRecord | None:
        row = await self._first(
            sa.select(ingestion_batches).where(ingestion_batches.c.id == batch_id)
        )
        return _batch_from_row(row) if row else None

    async def mark_done(self, batch_id: str, processed_at: datetime) -> None:
        await self._write(
            ingestion_batches.update()
            .where(ingestion_batches.c.id == batch_id)
            .values(processed_at=mapping.utc_value(processed_at))
        )

    async def get_many(self, batch_ids: Sequence[str]) -> list[BatchRecord]:
        found: dict[str, BatchRecord] = {}
        for chunk in chunks(list(dict.fromkeys(batch_ids))):
            rows = await self._all(
                sa.select(ingestion_batches).where(ingestion_batches.c.id.in_(chunk))
            )
            found.update((row.id, _batch_from_row(row)) for row in rows)
        return [found[batch_id] for batch_id in dict.fromkeys(batch_ids) if batch_id in found]

    async def mark_many_done(self, batch_ids: Sequence[str], processed_at: datetime) -> None:
        for chunk in chunks(list(dict.fromkeys(batch_ids))):
            await self._write(
                ingestion_batches.update()
                .where(ingestion_batches.c.id.in_(chunk))
                .values(processed_at=mapping.utc_value(processed_at))
            )

    async def pending(
        self,
        *,
        received_before: datetime | None = None,
        due_at: datetime | None = None,
        limit: int = 1000,
    ) -> Sequence[BatchRecord]:
        # Matches the partial index ix_ingestion_batches_pending.
        batches = ingestion_batches.c
        statement = sa.select(ingestion_batches).where(
            batches.processed_at.is_(None), batches.dead_at.is_(None)
        )
        if received_before is not None:
            statement = statement.where(batches.received_at < mapping.utc_value(received_before))
        if due_at is not None:
            statement = statement.where(
                sa.or_(
                    batches.next_attempt_at.is_(None),
                    batches.next_attempt_at <= mapping.utc_value(due_at),
                )
            )
        rows = await self._all(statement.order_by(batches.received_at, batches.id).limit(limit))
        return [_batch_from_row(r) for r in rows]

    async def record_failure(
        self,
        batch_id: str,
        error: str,
        *,
        next_attempt_at: datetime | None,
        dead_at: datetime | None,
    ) -> BatchRecord | None:
        await self._write(
            ingestion_batches.update()
            .where(ingestion_batches.c.id == batch_id)
            .values(
                attempts=ingestion_batches.c.attempts + 1,
                last_error=error[:_MAX_ERROR_CHARS],
                next_attempt_at=mapping.utc_value(next_attempt_at),
                dead_at=mapping.utc_value(dead_at),
            )
        )
        return await self.get(batch_id)

    async def done_before(
        self, received_before: datetime, *, limit: int = 1000
    ) -> Sequence[BatchRecord]:
        batches = ingestion_batches.c
        rows = await self._all(
            sa.select(ingestion_batches)
            .where(
                batches.processed_at.is_not(None),
                batches.received_at < mapping.utc_value(received_before),
            )
            .order_by(batches.received_at, batches.id)
            .limit(limit)
        )
        return [_batch_from_row(r) for r in rows]

    async def dead(self, *, offset: int = 0, limit: int = 50) -> tuple[Sequence[BatchRecord], int]:
        batches = ingestion_batches.c
        rows = await self._all(
            sa.select(ingestion_batches)
            .where(batches.dead_at.is_not(None))
            .order_by(batches.received_at, batches.id)
            .offset(offset)
            .limit(limit)
        )
        total = await self._count(ingestion_batches, batches.dead_at.is_not(None))
        return [_batch_from_row(r) for r in rows], total

    async def count_pending(
        self, *, project_id: str | None = None, received_before: datetime | None = None
    ) -> int:
        batches = ingestion_batches.c
        where: list[sa.ColumnElement[bool]] = [
            batches.processed_at.is_(None),
            batches.dead_at.is_(None),
        ]
        if project_id is not None:
            where.append(batches.project_id == project_id)
        if received_before is not None:
            where.append(batches.received_at < mapping.utc_value(received_before))
        return await self._count(ingestion_batches, *where)

    async def revive(self, batch_id: str) -> bool:
        revived = await self._write(
            ingestion_batches.update()
            .where(ingestion_batches.c.id == batch_id, ingestion_batches.c.dead_at.is_not(None))
            .values(attempts=0, last_error=None, next_attempt_at=None, dead_at=None)
        )
        return revived > 0

    async def prune(self, received_before: datetime) -> int:
        cutoff = mapping.utc_value(received_before)
        await self._write(
            ingestion_event_ids.delete().where(ingestion_event_ids.c.received_at < cutoff)
        )
        return await self._write(
            ingestion_batches.delete().where(
                ingestion_batches.c.received_at < cutoff,
                ingestion_batches.c.processed_at.is_not(None),
            )
        )

    def _insert_new_event_ids(self) -> sa.Insert:
        # Ids seen before keep their row: the first batch that carried them owns them.
        if self._conn.dialect.name == "postgresql":
            return postgresql.insert(ingestion_event_ids).on_conflict_do_nothing()
        return sqlite.insert(ingestion_event_ids).on_conflict_do_nothing()


def _batch_from_row(row: sa.Row[Any]) -> BatchRecord:
    return BatchRecord(
        id=row.id,
        project_id=row.project_id,
        blob_key=row.blob_key,
        source=row.source,
        received_at=mapping.utc_loaded(row.received_at),
        event_count=row.event_count,
        processed_at=optional_utc(row.processed_at),
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=optional_utc(row.next_attempt_at),
        dead_at=optional_utc(row.dead_at),
    )


def _batch_values(record: BatchRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "project_id": record.project_id,
        "blob_key": record.blob_key,
        "source": record.source,
        "received_at": mapping.utc_value(record.received_at),
        "event_count": record.event_count,
        "processed_at": mapping.utc_value(record.processed_at),
        "attempts": record.attempts,
        "last_error": record.last_error,
        "next_attempt_at": mapping.utc_value(record.next_attempt_at),
        "dead_at": mapping.utc_value(record.dead_at),
    }
