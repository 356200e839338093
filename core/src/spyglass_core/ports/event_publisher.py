"""Event publisher: tells interested plugins that something happened in the domain.

Contract:

- ``publish`` is called after the change it reports is committed, never before. It stores
  the event (its own transaction) and hands it to the handlers; the short window between
  the change's commit and that store is the only place an event can be lost.
- ``stage`` closes that window: it writes the event into the caller's unit of work, so the
  event commits with the change; ``flush`` after the commit hands what was staged to the
  handlers (and a relay does it after a crash).
- Every handler registered for the event's type (or a base type) runs; one handler
  failing does not stop the others and does not fail the publisher's caller.
- Handlers must be idempotent: a retried use case may publish the same event twice.
"""

from __future__ import annotations

from typing import Protocol

from spyglass_core.domain.events import DomainEvent
from spyglass_core.ports.unit_of_work import UnitOfWork

__all__ = ("EventPublisher",)


class EventPublisher(Protocol):
    """Delivers domain events to the handlers plugins registered."""

    async def publish(self, event: DomainEvent) -> None:
        """Run every handler of ``event``'s type."""

    async def stage(self, uow: UnitOfWork, event: DomainEvent) -> None:
        """Write ``event`` into ``uow`` (inside its transaction), if any handler listens."""

    async def flush(self) -> None:
        """Hand the events staged and committed so far to their handlers."""
