"""Event publisher: tells interested plugins that something happened in the domain.

Contract:

- ``publish`` is called after the change it reports is committed, never before.
- Every handler registered for the event's type (or a base type) runs; one handler
  failing does not stop the others and does not fail the publisher's caller.
- Handlers must be idempotent: a retried use case may publish the same event twice.
"""

from __future__ import annotations

from typing import Protocol

from spyglass_core.domain.events import DomainEvent

__all__ = ("EventPublisher",)


class EventPublisher(Protocol):
    """Delivers domain events to the handlers plugins registered."""

    async def publish(self, event: DomainEvent) -> None:
        """Run every handler of ``event``'s type."""
