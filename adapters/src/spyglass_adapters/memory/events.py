"""An event publisher that only records what was published."""

from __future__ import annotations

from spyglass_core.domain.events import DomainEvent
from spyglass_core.ports.event_publisher import EventPublisher
from spyglass_core.ports.unit_of_work import UnitOfWork

__all__ = ("RecordingEventPublisher",)


class RecordingEventPublisher(EventPublisher):
    """Keeps every published event in ``published``, in order."""

    def __init__(self) -> None:
        self.published: list[DomainEvent] = []
        self._staged: list[DomainEvent] = []

    async def publish(self, event: DomainEvent) -> None:
        self.published.append(event)

    async def stage(self, uow: UnitOfWork, event: DomainEvent) -> None:
        # Recorded when flushed; a test that never commits should not flush.
        self._staged.append(event)

    async def flush(self) -> None:
        self.published.extend(self._staged)
        self._staged.clear()
