"""The worker's tasks: apply one stored batch; erase a project's deleted traces."""

from __future__ import annotations

import logging

from dishka.integrations.taskiq import FromDishka, inject

from spyglass_tracing.services.erasure import RawEraser
from spyglass_tracing.services.processing import BatchProcessor

__all__ = ("erase_traces", "process_batch")

logger = logging.getLogger(__name__)


@inject(patch_module=True)
async def process_batch(
    batch_id: str, processor: FromDishka[BatchProcessor], events: int = 0
) -> None:
    """Apply the batch ``batch_id`` (of ``events`` events; 0 when the sender did not say).

    A failure leaves it pending for the sweep to retry.
    """
    await processor.process(batch_id, events=events)


@inject(patch_module=True)
async def erase_traces(project_id: str, eraser: FromDishka[RawEraser]) -> None:
    """Erase the project's deleted traces from raw batches; what is left, the sweep retries."""
    if not await eraser.erase(project_id):
        logger.info("erasure of project %s postponed; the sweep retries it", project_id)
