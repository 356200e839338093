"""Notes in memory, for unit tests: the SQL adapter's rules over a dict."""

from __future__ import annotations

from spyglass_adapters.memory.spi import MemoryTables
from spyglass_core.domain.errors import Conflict
from spyglass_notes.domain import Note
from spyglass_notes.ports import NoteRepository

__all__ = ("MemoryNotes",)


class MemoryNotes(NoteRepository):
    """Notes by (project, id); notes are frozen, so sharing them between copies is safe."""

    def __init__(self, tables: MemoryTables) -> None:
        self._notes: dict[tuple[str, str], Note] = tables.table("notes")

    async def add(self, note: Note) -> None:
        key = (note.project_id, note.id)
        if key in self._notes:
            raise Conflict(f"Note '{note.id}' already exists")
        self._notes[key] = note

    async def get(self, project_id: str, note_id: str) -> Note | None:
        return self._notes.get((project_id, note_id))
