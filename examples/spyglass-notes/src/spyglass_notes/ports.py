"""The repository port of notes; reached with ``uow.repository(NoteRepository)``."""

from __future__ import annotations

from typing import Protocol

from spyglass_notes.domain import Note

__all__ = ("NoteRepository",)


class NoteRepository(Protocol):
    """Notes by (project, id)."""

    async def add(self, note: Note) -> None:
        """Store a new note. Raises: Conflict when the project has a note with this id."""

    async def get(self, project_id: str, note_id: str) -> Note | None:
        """The note, or None."""
