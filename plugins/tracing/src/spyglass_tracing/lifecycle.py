"""Start-up and shutdown of the tracing plugin."""

from __future__ import annotations

import logging

from dishka import AsyncContainer

from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.domain.cost import default_models
from spyglass_tracing.ports.repositories import ModelRepository
from spyglass_tracing.services.media import MediaService
from spyglass_tracing.services.prices import PriceBook
from spyglass_tracing.services.recovery import PendingSweep

__all__ = ("start", "stop")

logger = logging.getLogger(__name__)


async def start(container: AsyncContainer) -> None:
    """Seed the managed models, load the media signing key, re-enqueue pending batches."""
    uow_factory = await container.get(UnitOfWorkFactory)
    async with uow_factory() as uow:
        await uow.repository(ModelRepository).replace_managed(default_models())
        await uow.commit()
    (await container.get(PriceBook)).invalidate()
    await (await container.get(MediaService)).load_signing_key()
    (await container.get(PendingSweep)).start(recover_first=True)


async def stop(container: AsyncContainer) -> None:
    """Stop the sweep."""
    await (await container.get(PendingSweep)).stop()
