"""A plugin that stores notes: the smallest user of ``register_storage`` (hook tests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import sqlalchemy as sa

from spyglass_adapters.memory.spi import MemoryTables
from spyglass_adapters.sql.spi import SqlRepository, new_metadata
from spyglass_core.hookspecs import RepositorySpec, StorageSpec, hookimpl

metadata = new_metadata()
notes = sa.Table(
    "test_notes",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
)


class NoteRepository(Protocol):
    async def add(self, note_id: str, text: str) -> None: ...

    async def get(self, note_id: str) -> str | None: ...


class SqlNotes(SqlRepository, NoteRepository):
    async def add(self, note_id: str, text: str) -> None:
        await self._write(notes.insert().values(id=note_id, text=text))

    async def get(self, note_id: str) -> str | None:
        row = await self._first(sa.select(notes.c.text).where(notes.c.id == note_id))
        return None if row is None else str(row[0])


class MemoryNotes(NoteRepository):
    def __init__(self, tables: MemoryTables) -> None:
        self._notes = tables.table("test_notes")

    async def add(self, note_id: str, text: str) -> None:
        self._notes[note_id] = text

    async def get(self, note_id: str) -> str | None:
        return self._notes.get(note_id)


def storage_spec(namespace: str = "test_notes") -> StorageSpec:
    return StorageSpec(
        namespace=namespace,
        repositories=[RepositorySpec(NoteRepository, SqlNotes, MemoryNotes)],
        sql_migrations="tests.plugins.notes_storage.migrations",
    )


class NotesPlugin:
    def __init__(self, namespace: str = "test_notes") -> None:
        self._namespace = namespace

    @hookimpl
    def register_storage(self) -> Sequence[StorageSpec]:
        return [storage_spec(self._namespace)]
