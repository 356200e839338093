"""Event outbox: domain events stored in the same transaction as the change they report.

A change and its event commit together, so an event is never lost between the commit and
its delivery (a crash, a queue that was down). The outbox row is deleted only once every
handler ran; until then a relay delivers it again (after a restart, or when a delivery
took too long), so handlers may see an event more than once and must be idempotent.

Contract:

- ``add`` writes inside the unit of work's transaction; nothing is visible before commit.
- ``due(now, limit)`` returns entries whose ``available_at`` is not after ``now``, oldest
  first; ``postpone`` moves an entry's ``available_at`` (a delivery in flight, or a retry
  after failed handlers); ``delete`` removes it (delivered, or given up).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import msgspec

__all__ = ("EventOutboxRepository", "OutboxEntry")


class OutboxEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One stored event: its type's name, its JSON, and when it may be delivered next.

    ``attempts`` counts deliveries whose handlers failed.
    """

    id: str
    event_type: str
    payload: str
    created_at: datetime
    available_at: datetime
    attempts: int = 0


class EventOutboxRepository(Protocol):
    """Events waiting for their handlers."""

    async def add(self, entries: Sequence[OutboxEntry]) -> None:
        """Store new entries."""

    async def get(self, entry_id: str) -> OutboxEntry | None:
        """The entry, or None once it was delivered (or never committed)."""

    async def due(self, now: datetime, limit: int) -> Sequence[OutboxEntry]:
        """At most ``limit`` entries available by ``now``, oldest first."""

    async def postpone(self, entry_id: str, until: datetime, attempts: int) -> None:
        """Make the entry available again at ``until``, with this attempt count."""

    async def delete(self, entry_id: str) -> None:
        """Remove the entry (absent: nothing happens)."""
