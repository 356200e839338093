"""The worker's task: apply one stored batch."""

from __future__ import annotations

from dishka.integrations.taskiq import FromDishka, inject

from spyglass_tracing.services.processing import BatchProcessor

__all__ = ("process_batch",)


@inject(patch_module=True)
async def process_batch(batch_id: str, processor: FromDishka[BatchProcessor]) -> None:
    """Apply the batch ``batch_id``; a failure leaves it pending for the sweep to retry."""
    await processor.process(batch_id)
