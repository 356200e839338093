"""In-memory deleted traces and their members: the SQL rules over dicts (unit tests only).

Values are frozen structs, so the unit of work's shallow copies of the dicts are enough
for commit and rollback.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from spyglass_adapters.memory.spi import MemoryTables
from spyglass_tracing.domain.erasure import TraceDeletion, TraceMember
from spyglass_tracing.domain.ingestion import EntityKind
from spyglass_tracing.ports.repositories import TraceDeletionRepository

__all__ = ("MemoryTraceDeletions",)


class MemoryTraceDeletions(TraceDeletionRepository):
    """Deletions by (project, trace id); members by (project, kind, entity id)."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    @property
    def _deletions(self) -> dict[tuple[str, str], TraceDeletion]:
        return self._db.table("trace_deletions")

    @property
    def _members(self) -> dict[tuple[str, EntityKind, str], TraceMember]:
        return self._db.table("trace_deletion_members")

    async def record(
        self,
        project_id: str,
        trace_ids: Sequence[str],
        deleted_at: datetime,
        members: Sequence[TraceMember] = (),
    ) -> None:
        for trace_id in dict.fromkeys(trace_ids):
            known: TraceDeletion | None = self._deletions.get((project_id, trace_id))
            self._deletions[(project_id, trace_id)] = TraceDeletion(
                project_id=project_id,
                trace_id=trace_id,
                deleted_at=deleted_at,
                generation=known.generation + 1 if known else 1,
            )
        await self.add_members(project_id, members)

    async def add_members(self, project_id: str, members: Sequence[TraceMember]) -> None:
        for member in members:
            self._members[(project_id, member.kind, member.entity_id)] = member

    async def deletions(
        self, project_id: str, trace_ids: Sequence[str] | None = None
    ) -> Sequence[TraceDeletion]:
        if trace_ids is None:
            found = [d for (p, _), d in self._deletions.items() if p == project_id]
            return sorted(found, key=lambda d: d.trace_id)
        return [
            self._deletions[(project_id, t)]
            for t in dict.fromkeys(trace_ids)
            if (project_id, t) in self._deletions
        ]

    async def members(
        self, project_id: str, keys: Sequence[tuple[EntityKind, str]] | None = None
    ) -> Sequence[TraceMember]:
        if keys is None:
            return [m for (p, _, _), m in self._members.items() if p == project_id]
        return [
            self._members[(project_id, kind, entity_id)]
            for kind, entity_id in dict.fromkeys(keys)
            if (project_id, kind, entity_id) in self._members
        ]

    async def outstanding(self, project_id: str, *, limit: int = 1000) -> Sequence[TraceDeletion]:
        owed = [
            d for (p, _), d in self._deletions.items() if p == project_id and d.erased_at is None
        ]
        return sorted(owed, key=lambda d: (d.deleted_at, d.trace_id))[:limit]

    async def owing_projects(self, deleted_before: datetime, *, limit: int = 1000) -> list[str]:
        oldest: dict[str, datetime] = {}
        for deletion in self._deletions.values():
            if deletion.erased_at is None and deletion.deleted_at < deleted_before:
                at = oldest.get(deletion.project_id)
                if at is None or deletion.deleted_at < at:
                    oldest[deletion.project_id] = deletion.deleted_at
        return sorted(oldest, key=lambda p: (oldest[p], p))[:limit]

    async def reopen(self, project_id: str, trace_ids: Sequence[str]) -> None:
        for trace_id in dict.fromkeys(trace_ids):
            known: TraceDeletion | None = self._deletions.get((project_id, trace_id))
            if known is not None:
                self._deletions[(project_id, trace_id)] = msgspec.structs.replace(
                    known, generation=known.generation + 1, erased_at=None
                )

    async def mark_erased(self, deletions: Sequence[TraceDeletion], erased_at: datetime) -> int:
        marked = 0
        for deletion in deletions:
            key = (deletion.project_id, deletion.trace_id)
            known: TraceDeletion | None = self._deletions.get(key)
            if known is not None and known.generation == deletion.generation:
                self._deletions[key] = msgspec.structs.replace(known, erased_at=erased_at)
                marked += 1
        return marked

    async def prune(self, deleted_before: datetime) -> int:
        expired = {
            key
            for key, d in self._deletions.items()
            if d.erased_at is not None and d.deleted_at < deleted_before
        }
        members = self._members
        for member_key in [k for k, m in members.items() if (k[0], m.trace_id) in expired]:
            del members[member_key]
        for key in expired:
            del self._deletions[key]
        return len(expired)
