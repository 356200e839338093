"""An event publisher that only records what was published."""

from __future__ import annotations

from spyglass_core.domain.events import DomainEvent
from spyglass_core.ports.event_publisher import EventPublisher

__all__ = ("RecordingEventPublisher",)


class RecordingEventPublisher(EventPublisher):
    """Keeps every published event in ``published``, in order."""

    def __init__(self) -> None:
        self.published: list[DomainEvent] = []

    async def publish(self, event: DomainEvent) -> None:
        self.published.append(event)
