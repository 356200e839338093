"""What this plugin stores, as ``register_storage`` reports it."""

from __future__ import annotations

from spyglass_core.hookspecs import RepositorySpec, StorageSpec
from spyglass_notes.ports import NoteRepository
from spyglass_notes.storage.memory import MemoryNotes
from spyglass_notes.storage.sql import SqlNotes

__all__ = ("storage_spec",)


def storage_spec() -> StorageSpec:
    """The ``notes`` table, its Alembic chain and its repository."""
    return StorageSpec(
        namespace="notes",
        repositories=[RepositorySpec(NoteRepository, SqlNotes, MemoryNotes)],
        sql_migrations="spyglass_notes.storage.migrations",
    )
