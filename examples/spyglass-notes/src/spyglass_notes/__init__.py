"""spyglass-notes: short notes per project, the smallest plugin that owns its storage.

Installing the distribution is all a deployer does: its entry point (``notes`` in the
group ``spyglass.plugins``) brings the route, the service and the table; the host runs
its migration at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spyglass_core.hookspecs import ApiSurface, StorageSpec, hookimpl

__all__ = ("register_providers", "register_routes", "register_storage")


@hookimpl
def register_routes(surface: ApiSurface) -> Sequence[Any]:
    """``POST /api/public/notes`` and ``GET /api/public/notes/{note_id}``."""
    from spyglass_notes.api import ROUTES

    return ROUTES if surface is ApiSurface.PUBLIC else []


@hookimpl
def register_providers() -> Sequence[Any]:
    """``NoteService`` on the host's unit of work."""
    from spyglass_notes.service import NotesProvider

    return [NotesProvider()]


@hookimpl
def register_storage() -> Sequence[StorageSpec]:
    """The ``notes`` table (Alembic chain ``notes``) and ``NoteRepository``."""
    from spyglass_notes.storage.spec import storage_spec

    return [storage_spec()]
