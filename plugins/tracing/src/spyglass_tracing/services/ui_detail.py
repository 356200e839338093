"""Read use cases of the web UI's detail pages: a trace, its observation tree, one
observation, sessions and a session's turns.

Lists are keyset pages: each asks the store for one row more than it returns, to know
whether a next page exists, and its cursor names the last row returned. The aggregates of
a page (trace metrics, scores) are fetched in one batch per page, never per row.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from spyglass_core.domain.errors import NotFound
from spyglass_tracing.domain.ui_detail import SessionSummaryQuery
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.views.ui_detail import (
    ObservationDetail,
    ObservationNodePage,
    SessionDetail,
    SessionRowPage,
    TraceDetail,
    observation_detail,
    observation_node,
    session_row,
    session_turn,
    trace_detail,
)
from spyglass_tracing.views.wire import decode_cursor, encode_cursor

__all__ = ("UiDetailReads",)


def _after(cursor: str | None) -> tuple[datetime, str] | None:
    """The (time, id) a cursor names; None for the first page. Raises: InvalidInput."""
    return decode_cursor(cursor) if cursor else None


class UiDetailReads:
    """The detail pages' reads of one project, on the analytics store."""

    def __init__(self, store: AnalyticsStore) -> None:
        self._store = store

    async def trace(self, project_id: str, trace_id: str) -> TraceDetail:
        """A trace with its aggregates and every score of it and its observations.

        Raises: NotFound.
        """
        trace, metrics, scores = await asyncio.gather(
            self._store.get_trace(project_id, trace_id),
            self._store.trace_metrics(project_id, [trace_id]),
            self._store.list_scores(project_id, trace_id),
        )
        if trace is None:
            raise NotFound(f"Trace {trace_id} not found")
        return trace_detail(trace, metrics.get(trace_id), list(scores))

    async def observation_nodes(
        self, project_id: str, trace_id: str, *, cursor: str | None, limit: int
    ) -> ObservationNodePage:
        """One page of a trace's observation tree, by start time then id.

        An unknown trace gives an empty page. Raises: InvalidInput (a malformed cursor).
        """
        after = _after(cursor)
        rows = await self._store.observation_nodes(
            project_id, trace_id, after=after, limit=limit + 1
        )
        page = rows[:limit]
        more = len(rows) > limit
        return ObservationNodePage(
            items=[observation_node(row) for row in page],
            next_cursor=encode_cursor(page[-1].start_time, page[-1].id) if more else None,
        )

    async def observation(self, project_id: str, observation_id: str) -> ObservationDetail:
        """One observation with its payloads. Raises: NotFound."""
        found = await self._store.get_observation(project_id, observation_id)
        if found is None:
            raise NotFound(f"Observation {observation_id} not found")
        return observation_detail(found)

    async def sessions(
        self, project_id: str, query: SessionSummaryQuery, *, cursor: str | None
    ) -> SessionRowPage:
        """One page of sessions, newest last trace first (then id descending).

        Raises: InvalidInput (a malformed cursor).
        """
        probe = SessionSummaryQuery(
            from_timestamp=query.from_timestamp,
            to_timestamp=query.to_timestamp,
            user_id=query.user_id,
            search=query.search,
            after=_after(cursor),
            limit=query.limit + 1,
        )
        rows = await self._store.session_summaries(project_id, probe)
        page = rows[: query.limit]
        more = len(rows) > query.limit
        return SessionRowPage(
            items=[session_row(row) for row in page],
            next_cursor=encode_cursor(page[-1].last_trace_at, page[-1].id) if more else None,
        )

    async def session(
        self, project_id: str, session_id: str, *, cursor: str | None, limit: int
    ) -> SessionDetail:
        """A session and one page of its turns, oldest first.

        Raises: NotFound; InvalidInput (a malformed cursor).
        """
        after = _after(cursor)
        summary, rows = await asyncio.gather(
            self._store.session_summary(project_id, session_id),
            self._store.session_turns(project_id, session_id, after=after, limit=limit + 1),
        )
        if summary is None:
            raise NotFound(f"Session {session_id} not found")
        turns = list(rows[:limit])
        more = len(rows) > limit
        ids = [trace.id for trace in turns]
        metrics, scores = await asyncio.gather(
            self._store.trace_metrics(project_id, ids),
            self._store.scores_of_traces(project_id, ids),
        )
        return SessionDetail(
            session=session_row(summary),
            traces=[
                session_turn(trace, metrics.get(trace.id), scores.get(trace.id, []))
                for trace in turns
            ],
            next_cursor=encode_cursor(turns[-1].timestamp, turns[-1].id) if more else None,
        )
