"""HTTP routes of notes, behind the host's API-key auth and scoped to the caller's project."""

from __future__ import annotations

from datetime import datetime

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import get, post
from litestar.status_codes import HTTP_201_CREATED

from spyglass_core.domain.api_keys import Principal
from spyglass_notes.domain import Note
from spyglass_notes.service import NoteService

__all__ = ("ROUTES",)


class CreateNote(msgspec.Struct, frozen=True):
    """Request body of ``POST /notes``."""

    text: str
    id: str | None = None


class NoteResponse(msgspec.Struct, frozen=True, rename="camel"):
    """A note on the wire."""

    id: str
    text: str
    created_at: datetime


def _response(note: Note) -> NoteResponse:
    return NoteResponse(id=note.id, text=note.text, created_at=note.created_at)


@post("/notes", status_code=HTTP_201_CREATED)
async def create_note(
    data: CreateNote, principal: FromDishka[Principal], notes: FromDishka[NoteService]
) -> NoteResponse:
    """Keep a note for the caller's project."""
    return _response(await notes.create(principal.project_id, data.text, data.id))


@get("/notes/{note_id:str}")
async def get_note(
    note_id: str, principal: FromDishka[Principal], notes: FromDishka[NoteService]
) -> NoteResponse:
    """One of the caller's project's notes; 404 when it has none by that id."""
    return _response(await notes.get(principal.project_id, note_id))


ROUTES = [create_note, get_note]
