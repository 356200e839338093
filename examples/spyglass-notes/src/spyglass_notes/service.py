"""Use cases of notes, on the host's unit of work and clock."""

from __future__ import annotations

import uuid

from dishka import Provider, Scope, provide

from spyglass_core.domain.errors import NotFound
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_notes.domain import Note, validate_text
from spyglass_notes.ports import NoteRepository

__all__ = ("NoteService", "NotesProvider")


class NoteService:
    """Create and read a project's notes."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def create(self, project_id: str, text: str, note_id: str | None = None) -> Note:
        """Store a new note. Raises: InvalidInput, Conflict (the id is taken)."""
        note = Note(
            id=note_id or uuid.uuid4().hex,
            project_id=project_id,
            text=validate_text(text),
            created_at=self._clock.now(),
        )
        async with self._uow() as uow:
            await uow.repository(NoteRepository).add(note)
            await uow.commit()
        return note

    async def get(self, project_id: str, note_id: str) -> Note:
        """The note. Raises: NotFound."""
        async with self._uow() as uow:
            note = await uow.repository(NoteRepository).get(project_id, note_id)
        if note is None:
            raise NotFound(f"Note '{note_id}' not found")
        return note


class NotesProvider(Provider):
    """APP-scoped: the service holds no per-request state."""

    scope = Scope.APP

    @provide
    def notes(self, uow: UnitOfWorkFactory, clock: Clock) -> NoteService:
        return NoteService(uow, clock)
