"""Notes in SQL, through the adapters' public surface."""

from __future__ import annotations

import sqlalchemy as sa

from spyglass_adapters.sql.spi import SqlRepository, utc_loaded, utc_value
from spyglass_notes.domain import Note
from spyglass_notes.ports import NoteRepository
from spyglass_notes.storage.tables import notes

__all__ = ("SqlNotes",)


class SqlNotes(SqlRepository, NoteRepository):
    """Notes in the ``notes`` table."""

    async def add(self, note: Note) -> None:
        values = {
            "project_id": note.project_id,
            "id": note.id,
            "text": note.text,
            "created_at": utc_value(note.created_at),
        }
        await self._write(notes.insert().values(values))

    async def get(self, project_id: str, note_id: str) -> Note | None:
        row = await self._first(
            sa.select(notes).where(notes.c.project_id == project_id, notes.c.id == note_id)
        )
        if row is None:
            return None
        return Note(
            id=row.id,
            project_id=row.project_id,
            text=row.text,
            created_at=utc_loaded(row.created_at),
        )
