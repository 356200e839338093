"""``GET /api/internal/ingestion/status``: the ingestion backlog and the dead-letter count."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka
from litestar import get

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_tracing.services.dead_letters import DeadLetters, IngestionStatus

__all__ = ("STATUS_ROUTES",)


@get("/ingestion/status", opt=requires(Role.ADMIN))
async def ingestion_status(dead_letters: FromDishka[DeadLetters]) -> IngestionStatus:
    """Pending and dead-lettered batches (``spyglass batches`` lists and replays them)."""
    return await dead_letters.status()


STATUS_ROUTES = [ingestion_status]
