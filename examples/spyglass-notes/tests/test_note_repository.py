"""Contract of ``NoteRepository`` on memory, SQLite and PostgreSQL (the published fixtures)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from spyglass_notes.domain import Note
from spyglass_notes.ports import NoteRepository
from spyglass_notes.storage.tables import metadata

from spyglass_adapters.sql import SqlUnitOfWorkFactory
from spyglass_adapters.testing.schema import schema_differences
from spyglass_core.domain.errors import Conflict
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory

T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def make_note(note_id: str = "n1", project_id: str = "p1", **fields: Any) -> Note:
    return Note(
        id=note_id,
        project_id=project_id,
        text=fields.pop("text", "remember the milk"),
        created_at=fields.pop("created_at", T0),
    )


async def test_a_committed_note_is_read_back(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.repository(NoteRepository).add(make_note())
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.repository(NoteRepository).get("p1", "n1") == make_note()
        assert await uow.repository(NoteRepository).get("p2", "n1") is None


async def test_an_uncommitted_note_is_rolled_back(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.repository(NoteRepository).add(make_note())
    async with uow_factory() as uow:
        assert await uow.repository(NoteRepository).get("p1", "n1") is None


async def test_ids_are_unique_per_project(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.repository(NoteRepository).add(make_note())
        await uow.repository(NoteRepository).add(make_note(project_id="p2"))
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.repository(NoteRepository).add(make_note(text="again"))


async def test_times_come_back_in_utc(uow_factory: UnitOfWorkFactory) -> None:
    paris = T0.astimezone(timezone(timedelta(hours=1)))
    async with uow_factory() as uow:
        await uow.repository(NoteRepository).add(make_note(created_at=paris))
        await uow.commit()
    async with uow_factory() as uow:
        note = await uow.repository(NoteRepository).get("p1", "n1")
    assert note is not None and note.created_at == T0


async def test_the_migration_creates_the_declared_table(
    sql_uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async with sql_uow_factory.engine.connect() as conn:
        assert await conn.run_sync(schema_differences, metadata) == []
