"""Domain events: how features react to each other without importing each other."""

from __future__ import annotations

from datetime import datetime

import msgspec

__all__ = ("DomainEvent", "ProjectCreated", "TracesIngested")


class DomainEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every event; ``occurred_at`` is set by whoever raises it."""

    occurred_at: datetime


class ProjectCreated(DomainEvent, frozen=True, kw_only=True):
    """A project now exists; plugins may seed defaults for it."""

    project_id: str
    organization_id: str


class TracesIngested(DomainEvent, frozen=True, kw_only=True):
    """New versions of these traces (or of their observations or scores) are queryable.

    Raised by the ingestion worker after it wrote a batch; online evaluation listens.
    """

    project_id: str
    trace_ids: tuple[str, ...]
