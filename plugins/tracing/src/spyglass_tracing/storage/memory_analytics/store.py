"""The in-memory analytics store: the newest version of each row, in dicts.

Writes, deletes and reads by id live here; the reads over many rows are in the
per-entity modules (``traces``, ``observations``, ``scores``, ``sessions``, ``metrics``).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_tracing.domain.erasure import TraceMember
from spyglass_tracing.domain.ingestion import EntityKind
from spyglass_tracing.domain.metrics_query import MetricsViewQuery
from spyglass_tracing.domain.metrics_results import MetricsRow
from spyglass_tracing.domain.queries import (
    DailyMetric,
    MetricsQuery,
    ObservationQuery,
    Page,
    ScoreQuery,
    Session,
    SessionQuery,
    TraceMetrics,
    TraceQuery,
)
from spyglass_tracing.domain.ui_lists import (
    TraceFilterOptions,
    TraceListPage,
    TraceListQuery,
    UserPage,
    UserQuery,
    UserRow,
)
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.storage.memory_analytics import metrics, metrics_query, ui_traces, ui_users
from spyglass_tracing.storage.memory_analytics.filters import TraceOf
from spyglass_tracing.storage.memory_analytics.observations import matching_observations
from spyglass_tracing.storage.memory_analytics.rows import Key, keep_newest, live, page
from spyglass_tracing.storage.memory_analytics.scores import matching_scores
from spyglass_tracing.storage.memory_analytics.sessions import matching_sessions, sessions_of
from spyglass_tracing.storage.memory_analytics.traces import matching_traces, sorted_traces
from spyglass_tracing.storage.memory_analytics.ui_detail import MemoryUiDetailReads

__all__ = ("MemoryAnalyticsStore",)

_Row = TypeVar("_Row", Trace, Observation, Score)


class MemoryAnalyticsStore(MemoryUiDetailReads, AnalyticsStore):
    """Traces, observations and scores keyed by (project_id, id); for tests."""

    def __init__(self) -> None:
        self._traces: dict[Key, Trace] = {}
        self._observations: dict[Key, Observation] = {}
        self._scores: dict[Key, Score] = {}

    async def upsert_traces(self, traces: Sequence[Trace]) -> None:
        """Keep each trace unless a newer version is already stored."""
        keep_newest(self._traces, traces)

    async def upsert_observations(self, observations: Sequence[Observation]) -> None:
        """Keep each observation unless a newer version is already stored."""
        keep_newest(self._observations, observations)

    async def upsert_scores(self, scores: Sequence[Score]) -> None:
        """Keep each score unless a newer version is already stored."""
        keep_newest(self._scores, scores)

    async def write(
        self,
        *,
        traces: Sequence[Trace] = (),
        observations: Sequence[Observation] = (),
        scores: Sequence[Score] = (),
        replaces: Sequence[Trace | Observation | Score] | None = None,
    ) -> None:
        """Keep each row unless a newer version of it is already stored (``replaces``
        is not needed: every version is kept by id, not by day)."""
        keep_newest(self._observations, observations)
        keep_newest(self._scores, scores)
        keep_newest(self._traces, traces)

    async def get_trace(self, project_id: str, trace_id: str) -> Trace | None:
        """The newest version of a trace, or None when absent or deleted."""
        return live(self._traces.get((project_id, trace_id)))

    async def get_observation(self, project_id: str, observation_id: str) -> Observation | None:
        """The newest version of an observation, or None when absent or deleted."""
        return live(self._observations.get((project_id, observation_id)))

    async def get_score(self, project_id: str, score_id: str) -> Score | None:
        """The newest version of a score, or None when absent or deleted."""
        return live(self._scores.get((project_id, score_id)))

    async def list_observations(self, project_id: str, trace_id: str) -> Sequence[Observation]:
        """The observations of one trace, ordered by start time then id."""
        found = [
            copy.deepcopy(obs)
            for (project, _), obs in self._observations.items()
            if project == project_id and obs.trace_id == trace_id and not obs.is_deleted
        ]
        return sorted(found, key=lambda obs: (obs.start_time, obs.id))

    async def list_scores(self, project_id: str, trace_id: str) -> Sequence[Score]:
        """The scores attached to one trace, ordered by timestamp then id."""
        found = [
            copy.deepcopy(score)
            for (project, _), score in self._scores.items()
            if project == project_id and score.trace_id == trace_id and not score.is_deleted
        ]
        return sorted(found, key=lambda score: (score.timestamp, score.id))

    async def delete_traces(self, project_id: str, trace_ids: Sequence[str]) -> None:
        """Delete traces, their observations and their scores. Unknown ids are a no-op."""
        doomed = set(trace_ids)
        for trace_id in doomed:
            self._traces.pop((project_id, trace_id), None)
        for key in [
            key
            for key, obs in self._observations.items()
            if key[0] == project_id and obs.trace_id in doomed
        ]:
            del self._observations[key]
        for key in [
            key
            for key, score in self._scores.items()
            if key[0] == project_id and score.trace_id in doomed
        ]:
            del self._scores[key]

    async def members_of_traces(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> Sequence[TraceMember]:
        """The (live) observations and scores of these traces, each once, in any order."""
        wanted = set(trace_ids)
        members = [
            TraceMember(kind=EntityKind.OBSERVATION, entity_id=row.id, trace_id=row.trace_id)
            for row in self._live_rows(self._observations, project_id)
            if row.trace_id in wanted
        ]
        members.extend(
            TraceMember(kind=EntityKind.SCORE, entity_id=row.id, trace_id=row.trace_id)
            for row in self._live_rows(self._scores, project_id)
            if row.trace_id is not None and row.trace_id in wanted
        )
        return members

    async def purge_deleted(self) -> None:
        """Nothing to do: deleted rows are dropped from memory at once."""

    async def delete_scores(self, project_id: str, score_ids: Sequence[str]) -> None:
        """Delete scores. Unknown ids are a no-op."""
        for score_id in score_ids:
            self._scores.pop((project_id, score_id), None)

    # --- reads over many rows -------------------------------------------------------------

    def _live_rows(self, table: dict[Key, _Row], project_id: str) -> list[_Row]:
        """The live rows of one project, not copied: callers copy what they return."""
        return [
            row
            for (project, _), row in table.items()
            if project == project_id and not row.is_deleted
        ]

    def _trace_finder(self, project_id: str) -> TraceOf:
        def trace_of(row: Any) -> Trace | None:
            trace = self._traces.get((project_id, row.trace_id))
            return None if trace is None or trace.is_deleted else trace

        return trace_of

    async def get_traces(self, project_id: str, trace_ids: Sequence[str]) -> Sequence[Trace]:
        """The newest live version of each of these traces that exists (any order)."""
        found = (live(self._traces.get((project_id, i))) for i in dict.fromkeys(trace_ids))
        return [trace for trace in found if trace is not None]

    async def get_observations(
        self, project_id: str, observation_ids: Sequence[str]
    ) -> Sequence[Observation]:
        """The newest live version of each of these observations that exists (any order)."""
        keys = dict.fromkeys(observation_ids)
        found = (live(self._observations.get((project_id, i))) for i in keys)
        return [obs for obs in found if obs is not None]

    async def get_scores(self, project_id: str, score_ids: Sequence[str]) -> Sequence[Score]:
        """The newest live version of each of these scores that exists (any order)."""
        found = (live(self._scores.get((project_id, i))) for i in dict.fromkeys(score_ids))
        return [score for score in found if score is not None]

    async def find_traces(self, project_id: str, query: TraceQuery) -> Page[Trace]:
        """Traces matching ``query``, ordered as it says, one offset page with the total."""
        found = matching_traces(self._live_rows(self._traces, project_id), query)
        return page(sorted_traces(found, query), query.offset, query.limit)

    async def find_traces_with_metrics(
        self, project_id: str, query: TraceQuery
    ) -> tuple[Page[Trace], dict[str, TraceMetrics]]:
        """``find_traces`` and the ``trace_metrics`` of the page's traces."""
        found = await self.find_traces(project_id, query)
        ids = [trace.id for trace in found.items]
        return found, await self.trace_metrics(project_id, ids)

    async def find_observations(
        self, project_id: str, query: ObservationQuery
    ) -> Page[Observation]:
        """Observations matching ``query``, newest ``start_time`` first (then id desc)."""
        rows = self._live_rows(self._observations, project_id)
        found = matching_observations(rows, query, self._trace_finder(project_id))
        return page(found, query.offset, query.limit, query.with_total)

    async def find_scores(self, project_id: str, query: ScoreQuery) -> Page[Score]:
        """Scores matching ``query``, newest ``timestamp`` first (then id desc)."""
        rows = self._live_rows(self._scores, project_id)
        found = matching_scores(rows, query, self._trace_finder(project_id))
        return page(found, query.offset, query.limit, query.with_total)

    def _sessions(self, project_id: str) -> dict[str, Session]:
        return sessions_of(project_id, self._live_rows(self._traces, project_id))

    async def find_sessions(self, project_id: str, query: SessionQuery) -> Page[Session]:
        """Sessions (distinct ``session_id`` of live traces), newest first (then id)."""
        found = matching_sessions(self._sessions(project_id).values(), query)
        return page(found, query.offset, query.limit)

    async def get_session(self, project_id: str, session_id: str) -> Session | None:
        """One session, or None when no live trace carries this ``session_id``."""
        return self._sessions(project_id).get(session_id)

    async def session_traces(self, project_id: str, session_id: str) -> Sequence[Trace]:
        """Every live trace of a session, oldest first."""
        found = [
            copy.deepcopy(trace)
            for trace in self._live_rows(self._traces, project_id)
            if trace.session_id == session_id
        ]
        return sorted(found, key=lambda trace: (trace.timestamp, trace.id))

    async def trace_metrics(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> dict[str, TraceMetrics]:
        """Latency, total cost and observation ids of each trace (every id gets an entry)."""
        return metrics.trace_metrics(trace_ids, self._live_rows(self._observations, project_id))

    async def scores_of_traces(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> dict[str, list[Score]]:
        """The scores attached to each trace, by trace id (every id gets an entry)."""
        by_trace: dict[str, list[Score]] = {trace_id: [] for trace_id in trace_ids}
        live = self._live_rows(self._scores, project_id)
        for score in sorted(live, key=lambda score: (score.timestamp, score.id)):
            if score.trace_id in by_trace:
                by_trace[score.trace_id].append(copy.deepcopy(score))
        return by_trace

    async def score_ids_of_traces(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> dict[str, list[str]]:
        """The ids of each trace's scores, ordered by timestamp then id."""
        scores = await self.scores_of_traces(project_id, trace_ids)
        return {trace_id: [score.id for score in found] for trace_id, found in scores.items()}

    async def daily_metrics(self, project_id: str, query: MetricsQuery) -> Page[DailyMetric]:
        """Per-day counts, costs and usage by model, newest day first, with the total."""
        traces = self._live_rows(self._traces, project_id)
        observations = self._live_rows(self._observations, project_id)
        return metrics.daily_metrics(traces, observations, query)

    async def ping(self) -> None:
        """Always answers."""

    async def query_metrics(self, project_id: str, query: MetricsViewQuery) -> Sequence[MetricsRow]:
        """The groups of a metrics query over the live rows, sorted and cut."""
        tables = metrics_query.Tables(
            traces=self._live_rows(self._traces, project_id),
            observations=self._live_rows(self._observations, project_id),
            scores=self._live_rows(self._scores, project_id),
        )
        return metrics_query.query_metrics(query, tables)

    # --- the web UI's lists (traces table, users) --------------------------------------

    async def find_trace_rows(self, project_id: str, query: TraceListQuery) -> TraceListPage:
        """One keyset page of traces-table rows, with the next cursor when more follow."""
        return ui_traces.trace_rows(
            self._live_rows(self._traces, project_id),
            self._live_rows(self._observations, project_id),
            self._live_rows(self._scores, project_id),
            query,
        )

    async def trace_filter_options(
        self, project_id: str, from_timestamp: datetime | None, to_timestamp: datetime | None
    ) -> TraceFilterOptions:
        """Distinct values of the traces table's filters, most frequent first."""
        return ui_traces.filter_options(
            self._live_rows(self._traces, project_id),
            self._live_rows(self._observations, project_id),
            self._live_rows(self._scores, project_id),
            from_timestamp,
            to_timestamp,
        )

    async def find_users(self, project_id: str, query: UserQuery) -> UserPage:
        """One keyset page of users, last seen first, with the next cursor."""
        return ui_users.user_rows(
            self._live_rows(self._traces, project_id),
            self._live_rows(self._observations, project_id),
            query,
        )

    async def get_user(self, project_id: str, user_id: str) -> UserRow | None:
        """One user's summary, or None when no live trace carries ``user_id``."""
        found = ui_users.user_rows(
            self._live_rows(self._traces, project_id),
            self._live_rows(self._observations, project_id),
            UserQuery(limit=1),
            only=user_id,
        )
        return found.items[0] if found.items else None
