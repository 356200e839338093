"""Accepted events this process's worker has been handed and not yet applied.

In embedded mode the worker runs on the serving process's event loop, so accepting
faster than it applies only builds a backlog: answers stay fast, but spans become
queryable minutes later and every batch waiting holds memory. The intake refuses new
work with 429 and ``Retry-After`` once the backlog reaches a bound, which the SDKs
honour by retrying. The count is in events, not batches, because one batch may carry a
single score or 20,000 spans.

Only batches that reach this process's worker are counted (each task carries its event
count), so a ``serve`` replica beside ``spyglass worker`` processes is bounded by what it
consumes itself, and the shared queue's depth (``QUEUE_BOUND``) bounds the rest.
"""

from __future__ import annotations

__all__ = ("IngestionBacklog",)


class IngestionBacklog:
    """A counter of events handed to the worker and not yet applied (or given up on).

    Only touched from the event loop, so it needs no lock.
    """

    def __init__(self) -> None:
        self._events = 0

    @property
    def events(self) -> int:
        """Events waiting for, or being applied by, this process's worker."""
        return self._events

    def add(self, events: int) -> None:
        """A batch of ``events`` reached the worker."""
        self._events += max(events, 0)

    def remove(self, events: int) -> None:
        """A batch of ``events`` was applied, or failed and left for a retry."""
        self._events = max(self._events - max(events, 0), 0)
