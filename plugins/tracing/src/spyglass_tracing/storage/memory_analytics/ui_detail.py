"""The web UI's detail reads on the in-memory store: a trace's observation nodes, session
summaries and a session's turns (see ``domain/ui_detail.py``)."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import datetime

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_tracing.domain.time import utc
from spyglass_tracing.domain.ui_detail import (
    MAX_SESSION_USER_IDS,
    STATUS_MESSAGE_PREVIEW_CHARS,
    LightObservation,
    SessionSummary,
    SessionSummaryQuery,
    total_tokens,
)
from spyglass_tracing.storage.memory_analytics.rows import Key, decimal_sum, in_range, is_after

__all__ = ("MemoryUiDetailReads",)


def _is_later(when: datetime, row_id: str, after: tuple[datetime, str] | None) -> bool:
    """Strictly after ``after`` in (time asc, id asc) order."""
    if after is None:
        return True
    last_time, last_id = utc(after[0]), after[1]
    return when > last_time or (when == last_time and row_id > last_id)


def _checked(limit: int) -> int:
    """``limit``, refused when negative (as ClickHouse's ``LIMIT`` refuses it)."""
    if limit < 0:
        raise InvalidInput("Invalid page", details="limit must not be negative")
    return limit


def _node(obs: Observation) -> LightObservation:
    message = obs.status_message
    return LightObservation(
        id=obs.id,
        trace_id=obs.trace_id,
        type=obs.type,
        start_time=obs.start_time,
        end_time=obs.end_time,
        completion_start_time=obs.completion_start_time,
        name=obs.name,
        parent_observation_id=obs.parent_observation_id,
        level=obs.level,
        model=obs.provided_model_name,
        total_cost=obs.total_cost,
        usage_details=dict(obs.usage_details),
        status_message=None if message is None else message[:STATUS_MESSAGE_PREVIEW_CHARS],
    )


def _summary(
    session_id: str, traces: list[Trace], observations: list[Observation]
) -> SessionSummary:
    first = min(traces, key=lambda trace: (trace.timestamp, trace.id))
    last_trace_at = max(trace.timestamp for trace in traces)
    starts = [first.timestamp, *(obs.start_time for obs in observations)]
    ends = [last_trace_at, *(obs.end_time or obs.start_time for obs in observations)]
    users = sorted({trace.user_id for trace in traces if trace.user_id is not None})
    return SessionSummary(
        id=session_id,
        created_at=first.timestamp,
        last_trace_at=last_trace_at,
        trace_count=len(traces),
        user_ids=users[:MAX_SESSION_USER_IDS],
        total_cost=decimal_sum(obs.total_cost for obs in observations),
        total_tokens=sum(total_tokens(obs.usage_details) for obs in observations),
        duration_seconds=(max(ends) - min(starts)).total_seconds(),
        environment=first.environment,
    )


def _keeps(session_id: str, traces: list[Trace], query: SessionSummaryQuery) -> bool:
    last_trace_at = max(trace.timestamp for trace in traces)
    return (
        in_range(last_trace_at, query.from_timestamp, query.to_timestamp)
        and (query.user_id is None or any(t.user_id == query.user_id for t in traces))
        and (query.search is None or query.search.lower() in session_id.lower())
        and is_after(last_trace_at, session_id, query.after)
    )


class MemoryUiDetailReads:
    """The detail reads of ``MemoryAnalyticsStore``, over the dicts it keeps."""

    _traces: dict[Key, Trace]
    _observations: dict[Key, Observation]
    _scores: dict[Key, Score]

    def _ui_live_traces(self, project_id: str) -> Iterable[Trace]:
        return (
            trace
            for (project, _), trace in self._traces.items()
            if project == project_id and not trace.is_deleted
        )

    def _ui_observations_of(self, project_id: str, trace_ids: set[str]) -> Iterable[Observation]:
        return (
            obs
            for (project, _), obs in self._observations.items()
            if project == project_id and not obs.is_deleted and obs.trace_id in trace_ids
        )

    async def observation_nodes(
        self, project_id: str, trace_id: str, *, after: tuple[datetime, str] | None, limit: int
    ) -> Sequence[LightObservation]:
        """Observations of one trace without payloads, (start_time, id) ascending."""
        found = [
            obs
            for obs in self._ui_observations_of(project_id, {trace_id})
            if _is_later(obs.start_time, obs.id, after)
        ]
        found.sort(key=lambda obs: (obs.start_time, obs.id))
        return [_node(obs) for obs in found[: _checked(limit)]]

    def _ui_sessions(self, project_id: str, session_ids: set[str] | None) -> dict[str, list[Trace]]:
        by_session: dict[str, list[Trace]] = {}
        for trace in self._ui_live_traces(project_id):
            session_id = trace.session_id
            if session_id is not None and (session_ids is None or session_id in session_ids):
                by_session.setdefault(session_id, []).append(trace)
        return by_session

    def _ui_summaries(
        self, project_id: str, sessions: dict[str, list[Trace]]
    ) -> dict[str, SessionSummary]:
        trace_session = {t.id: sid for sid, traces in sessions.items() for t in traces}
        observations: dict[str, list[Observation]] = {session_id: [] for session_id in sessions}
        for obs in self._ui_observations_of(project_id, set(trace_session)):
            observations[trace_session[obs.trace_id]].append(obs)
        return {
            session_id: _summary(session_id, traces, observations[session_id])
            for session_id, traces in sessions.items()
        }

    async def session_summaries(
        self, project_id: str, query: SessionSummaryQuery
    ) -> Sequence[SessionSummary]:
        """Sessions with aggregates, newest last trace first (then id descending)."""
        kept = {
            session_id: traces
            for session_id, traces in self._ui_sessions(project_id, None).items()
            if _keeps(session_id, traces, query)
        }
        ordered = sorted(
            kept, key=lambda sid: (max(t.timestamp for t in kept[sid]), sid), reverse=True
        )
        page = {session_id: kept[session_id] for session_id in ordered[: _checked(query.limit)]}
        summaries = self._ui_summaries(project_id, page)
        return [summaries[session_id] for session_id in page]

    async def session_summary(self, project_id: str, session_id: str) -> SessionSummary | None:
        """One session's aggregates, or None."""
        sessions = self._ui_sessions(project_id, {session_id})
        return self._ui_summaries(project_id, sessions).get(session_id)

    async def session_turns(
        self, project_id: str, session_id: str, *, after: tuple[datetime, str] | None, limit: int
    ) -> Sequence[Trace]:
        """Live traces of a session, (timestamp, id) ascending."""
        found = [
            trace
            for trace in self._ui_live_traces(project_id)
            if trace.session_id == session_id and _is_later(trace.timestamp, trace.id, after)
        ]
        found.sort(key=lambda trace: (trace.timestamp, trace.id))
        return [copy.deepcopy(trace) for trace in found[: _checked(limit)]]
