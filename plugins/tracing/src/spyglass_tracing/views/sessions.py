"""Wire shapes of sessions: ``GET /sessions`` items and ``GET /sessions/{id}``."""

from __future__ import annotations

from datetime import datetime

import msgspec

from spyglass_tracing.domain.queries import Session
from spyglass_tracing.domain.time import utc
from spyglass_tracing.views.traces import TraceView

__all__ = ("SessionView", "SessionWithTraces", "session_view")


class SessionView(msgspec.Struct, kw_only=True, rename="camel"):
    """``GET /sessions`` items."""

    id: str
    created_at: datetime
    project_id: str
    environment: str


class SessionWithTraces(SessionView, kw_only=True, rename="camel"):
    """``GET /sessions/{id}``."""

    traces: list[TraceView]


def session_view(session: Session) -> SessionView:
    """A session without its traces."""
    return SessionView(
        id=session.id,
        created_at=utc(session.created_at),
        project_id=session.project_id,
        environment=session.environment,
    )
