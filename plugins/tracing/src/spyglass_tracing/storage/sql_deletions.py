"""Deleted traces owed an erasure of their raw events, and their members, in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from spyglass_adapters.sql import spi as mapping
from spyglass_tracing.domain.erasure import TraceDeletion, TraceMember
from spyglass_tracing.domain.ingestion import EntityKind
from spyglass_tracing.ports.repositories import TraceDeletionRepository
from spyglass_tracing.storage.sql_common import CHUNK, TracingRepository, chunks, optional_utc
from spyglass_tracing.storage.tables import trace_deletion_members, trace_deletions

__all__ = ("SqlTraceDeletions",)

_D = trace_deletions.c
_M = trace_deletion_members.c


class SqlTraceDeletions(TracingRepository, TraceDeletionRepository):
    """Deletions by (project, trace id); members by (project, kind, entity id)."""

    async def record(
        self,
        project_id: str,
        trace_ids: Sequence[str],
        deleted_at: datetime,
        members: Sequence[TraceMember] = (),
    ) -> None:
        when = mapping.utc_value(deleted_at)
        for chunk in chunks(list(dict.fromkeys(trace_ids))):
            insert = self._insert(trace_deletions)
            # Deleted again: the new time counts, and any erasure under way is superseded.
            statement = insert.on_conflict_do_update(
                index_elements=["project_id", "trace_id"],
                set_={
                    "deleted_at": insert.excluded.deleted_at,
                    "generation": _D.generation + 1,
                    "erased_at": None,
                },
            )
            await self._insert_many(
                statement,
                [
                    {"project_id": project_id, "trace_id": t, "deleted_at": when, "generation": 1}
                    for t in chunk
                ],
            )
        await self.add_members(project_id, members)

    async def add_members(self, project_id: str, members: Sequence[TraceMember]) -> None:
        unique = {(m.kind, m.entity_id): m for m in members}
        rows = [
            {
                "project_id": project_id,
                "kind": m.kind.value,
                "entity_id": m.entity_id,
                "trace_id": m.trace_id,
            }
            for m in unique.values()
        ]
        for start in range(0, len(rows), CHUNK):
            insert = self._insert(trace_deletion_members)
            statement = insert.on_conflict_do_update(
                index_elements=["project_id", "kind", "entity_id"],
                set_={"trace_id": insert.excluded.trace_id},
            )
            await self._insert_many(statement, rows[start : start + CHUNK])

    async def deletions(
        self, project_id: str, trace_ids: Sequence[str] | None = None
    ) -> Sequence[TraceDeletion]:
        base = sa.select(trace_deletions).where(_D.project_id == project_id)
        if trace_ids is None:
            return [_deletion(r) for r in await self._all(base.order_by(_D.trace_id))]
        found: list[TraceDeletion] = []
        for chunk in chunks(list(dict.fromkeys(trace_ids))):
            found.extend(_deletion(r) for r in await self._all(base.where(_D.trace_id.in_(chunk))))
        return found

    async def members(
        self, project_id: str, keys: Sequence[tuple[EntityKind, str]] | None = None
    ) -> Sequence[TraceMember]:
        base = sa.select(trace_deletion_members).where(_M.project_id == project_id)
        if keys is None:
            return [_member(r) for r in await self._all(base)]
        found: list[TraceMember] = []
        for kind in EntityKind:
            ids = list(dict.fromkeys(entity_id for k, entity_id in keys if k is kind))
            for chunk in chunks(ids):
                statement = base.where(_M.kind == kind.value, _M.entity_id.in_(chunk))
                found.extend(_member(r) for r in await self._all(statement))
        return found

    async def outstanding(self, project_id: str, *, limit: int = 1000) -> Sequence[TraceDeletion]:
        rows = await self._all(
            sa.select(trace_deletions)
            .where(_D.project_id == project_id, _D.erased_at.is_(None))
            .order_by(_D.deleted_at, _D.trace_id)
            .limit(limit)
        )
        return [_deletion(r) for r in rows]

    async def owing_projects(self, deleted_before: datetime, *, limit: int = 1000) -> list[str]:
        rows = await self._all(
            sa.select(_D.project_id)
            .where(_D.erased_at.is_(None), _D.deleted_at < mapping.utc_value(deleted_before))
            .group_by(_D.project_id)
            .order_by(sa.func.min(_D.deleted_at), _D.project_id)
            .limit(limit)
        )
        return [r.project_id for r in rows]

    async def reopen(self, project_id: str, trace_ids: Sequence[str]) -> None:
        for chunk in chunks(list(dict.fromkeys(trace_ids))):
            await self._write(
                trace_deletions.update()
                .where(_D.project_id == project_id, _D.trace_id.in_(chunk))
                .values(generation=_D.generation + 1, erased_at=None)
            )

    async def mark_erased(self, deletions: Sequence[TraceDeletion], erased_at: datetime) -> int:
        marked = 0
        when = mapping.utc_value(erased_at)
        for deletion in deletions:
            marked += await self._write(
                trace_deletions.update()
                .where(
                    _D.project_id == deletion.project_id,
                    _D.trace_id == deletion.trace_id,
                    _D.generation == deletion.generation,
                )
                .values(erased_at=when)
            )
        return marked

    async def prune(self, deleted_before: datetime) -> int:
        cutoff = mapping.utc_value(deleted_before)
        expired = sa.and_(_D.erased_at.is_not(None), _D.deleted_at < cutoff)
        await self._write(
            trace_deletion_members.delete().where(
                sa.exists().where(
                    _D.project_id == _M.project_id, _D.trace_id == _M.trace_id, expired
                )
            )
        )
        return await self._write(trace_deletions.delete().where(expired))

    def _insert(self, table: sa.Table) -> Any:
        # Both dialects spell an upsert the same way; only the import differs.
        if self._conn.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)


def _deletion(row: sa.Row[Any]) -> TraceDeletion:
    return TraceDeletion(
        project_id=row.project_id,
        trace_id=row.trace_id,
        deleted_at=mapping.utc_loaded(row.deleted_at),
        generation=row.generation,
        erased_at=optional_utc(row.erased_at),
    )


def _member(row: sa.Row[Any]) -> TraceMember:
    return TraceMember(kind=EntityKind(row.kind), entity_id=row.entity_id, trace_id=row.trace_id)
