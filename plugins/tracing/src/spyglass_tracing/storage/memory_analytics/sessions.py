"""Sessions of the in-memory store: the distinct ``session_id`` of live traces."""

from __future__ import annotations

from collections.abc import Iterable

from spyglass_core.domain.tracing import Trace
from spyglass_tracing.domain.queries import Session, SessionQuery
from spyglass_tracing.storage.memory_analytics.rows import in_range

__all__ = ("matching_sessions", "sessions_of")


def sessions_of(project_id: str, traces: Iterable[Trace]) -> dict[str, Session]:
    """Every session of the live ``traces``, by id, created at its first trace (ties:
    smallest id)."""
    firsts: dict[str, Trace] = {}
    for trace in traces:
        if trace.session_id is None:
            continue
        first = firsts.get(trace.session_id)
        if first is None or (trace.timestamp, trace.id) < (first.timestamp, first.id):
            firsts[trace.session_id] = trace
    return {
        session_id: Session(
            id=session_id,
            project_id=project_id,
            created_at=first.timestamp,
            environment=first.environment,
        )
        for session_id, first in firsts.items()
    }


def matching_sessions(sessions: Iterable[Session], query: SessionQuery) -> list[Session]:
    """The ``sessions`` ``query`` keeps, newest first (then id)."""
    found = [
        session
        for session in sessions
        if in_range(session.created_at, query.from_timestamp, query.to_timestamp)
        and (not query.environments or session.environment in query.environments)
    ]
    found.sort(key=lambda session: session.id)
    found.sort(key=lambda session: session.created_at, reverse=True)
    return found
