"""Read use cases of the tracing API: queries on the analytics store, shaped for the wire.

Each method is scoped to one project and bounded: lists are pages (offset or keyset)
and the enrichments (metrics, score ids, trace context) are fetched in one batch per
page, never per row.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Collection, Sequence
from typing import Any

import msgspec

from spyglass_core.domain.errors import NotFound
from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_tracing.domain.queries import (
    DailyMetric,
    MetricsQuery,
    ObservationQuery,
    Page,
    ScoreQuery,
    SessionQuery,
    TraceMetrics,
    TraceQuery,
)
from spyglass_tracing.domain.time import utc
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.views.observations import ObservationView, observation_v2, observation_view
from spyglass_tracing.views.scores import ScoreV3View, ScoreView, score_v3_view, score_view
from spyglass_tracing.views.sessions import SessionView, SessionWithTraces, session_view
from spyglass_tracing.views.traces import (
    TraceWithDetails,
    TraceWithFullDetails,
    trace_view,
    trace_with_details,
    trace_with_full_details,
)
from spyglass_tracing.views.wire import encode_cursor

__all__ = ("TRACE_GROUPS", "TracingReads")

TRACE_GROUPS = frozenset({"core", "io", "scores", "observations", "metrics"})
"""Field groups of ``GET /traces`` and ``GET /traces/{id}``."""


def _metrics_of(observations: Sequence[Observation]) -> tuple[float, float]:
    """(latency in seconds, total cost) of a trace's observations, as ``trace_metrics``."""
    if not observations:
        return 0.0, 0.0
    times = [utc(o.start_time) for o in observations]
    times += [utc(o.end_time) for o in observations if o.end_time is not None]
    cost = sum(o.total_cost or 0.0 for o in observations)
    return (max(times) - min(times)).total_seconds(), cost


class TracingReads:
    """Traces, observations, sessions, scores and daily metrics of one project."""

    def __init__(self, store: AnalyticsStore) -> None:
        self._store = store

    # --- traces ---------------------------------------------------------------------

    async def traces(
        self, project_id: str, query: TraceQuery, groups: Collection[str]
    ) -> tuple[list[TraceWithDetails], int]:
        """One page of traces with the requested groups, and the total."""
        with_metrics = "metrics" in groups
        metrics_by_id: dict[str, TraceMetrics] = {}
        if with_metrics or "observations" in groups:
            page, metrics_by_id = await self._store.find_traces_with_metrics(project_id, query)
        else:
            page = await self._store.find_traces(project_id, query)
        ids = [trace.id for trace in page.items]
        score_ids: dict[str, list[str]] = {}
        if ids and "scores" in groups:
            score_ids = await self._store.score_ids_of_traces(project_id, ids)
        items = [
            trace_with_details(
                trace,
                metrics_by_id.get(trace.id),
                score_ids.get(trace.id, []),
                io="io" in groups,
                with_metrics=with_metrics,
                with_observations="observations" in groups,
            )
            for trace in page.items
        ]
        return items, page.total or 0

    async def trace(
        self, project_id: str, trace_id: str, groups: Collection[str]
    ) -> TraceWithFullDetails:
        """One trace with its observations and scores. Raises: NotFound."""
        trace = await self._store.get_trace(project_id, trace_id)
        if trace is None:
            raise NotFound(f"Trace {trace_id} not found within authorized project")
        with_observations = "observations" in groups
        observations, scores = await asyncio.gather(
            self._store.list_observations(project_id, trace_id) if with_observations else _none(),
            self._store.list_scores(project_id, trace_id) if "scores" in groups else _none(),
        )
        metrics: tuple[float, float] | None = None
        if "metrics" in groups:
            if observations is not None:
                metrics = _metrics_of(observations)
            else:
                found = (await self._store.trace_metrics(project_id, [trace_id])).get(trace_id)
                metrics = (found.latency, found.total_cost) if found else (0.0, 0.0)
        return trace_with_full_details(
            trace,
            [observation_view(o) for o in observations or ()],
            [score_view(s) for s in scores or ()],
            metrics,
            io="io" in groups,
        )

    # --- observations ---------------------------------------------------------------

    async def observations(
        self, project_id: str, query: ObservationQuery
    ) -> tuple[list[ObservationView], int]:
        """One offset page of observations and the total."""
        page = await self._store.find_observations(project_id, query)
        return [observation_view(o) for o in page.items], page.total or 0

    async def observation(self, project_id: str, observation_id: str) -> ObservationView:
        """One observation. Raises: NotFound."""
        found = await self._store.get_observation(project_id, observation_id)
        if found is None:
            raise NotFound(f"Observation {observation_id} not found within authorized project")
        return observation_view(found)

    async def observations_v2(
        self,
        project_id: str,
        query: ObservationQuery,
        groups: Collection[str],
        expand_metadata: Collection[str] = (),
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One keyset page (``query.limit`` rows) and the cursor of the next, if any."""
        limit = query.limit
        probe = msgspec.structs.replace(query, limit=limit + 1, with_total=False)
        rows = list((await self._store.find_observations(project_id, probe)).items)
        more = len(rows) > limit
        rows = rows[:limit]
        traces: dict[str, Trace] = {}
        if rows and ("basic" in groups or "trace_context" in groups):
            trace_ids = list(dict.fromkeys(o.trace_id for o in rows))
            traces = {t.id: t for t in await self._store.get_traces(project_id, trace_ids)}
        items = [observation_v2(o, groups, traces.get(o.trace_id), expand_metadata) for o in rows]
        cursor = encode_cursor(rows[-1].start_time, rows[-1].id) if more else None
        return items, cursor

    # --- sessions -------------------------------------------------------------------

    async def sessions(self, project_id: str, query: SessionQuery) -> tuple[list[SessionView], int]:
        """One page of sessions and the total."""
        page = await self._store.find_sessions(project_id, query)
        return [session_view(s) for s in page.items], page.total or 0

    async def session(self, project_id: str, session_id: str) -> SessionWithTraces:
        """A session with every trace in it, oldest first. Raises: NotFound."""
        found, traces = await asyncio.gather(
            self._store.get_session(project_id, session_id),
            self._store.session_traces(project_id, session_id),
        )
        if found is None:
            raise NotFound(f"Session not found: {session_id}")
        base = session_view(found)
        return SessionWithTraces(
            id=base.id,
            created_at=base.created_at,
            project_id=base.project_id,
            environment=base.environment,
            traces=[trace_view(t) for t in traces],
        )

    # --- scores ---------------------------------------------------------------------

    async def scores(
        self, project_id: str, query: ScoreQuery, *, with_trace: bool
    ) -> tuple[list[ScoreView], int]:
        """One offset page of scores (v1/v2), each with its trace data when asked."""
        page = await self._store.find_scores(project_id, query)
        traces: dict[str, Trace] | None = None
        if with_trace:
            trace_ids = list(dict.fromkeys(s.trace_id for s in page.items if s.trace_id))
            found = await self._store.get_traces(project_id, trace_ids) if trace_ids else ()
            traces = {t.id: t for t in found}
        return [score_view(s, traces) for s in page.items], page.total or 0

    async def score(self, project_id: str, score_id: str) -> ScoreView:
        """One score. Raises: NotFound."""
        found = await self._store.get_score(project_id, score_id)
        if found is None:
            raise NotFound(f"Score {score_id} not found within authorized project")
        return score_view(found)

    async def scores_v3(
        self, project_id: str, queries: Sequence[ScoreQuery], groups: Collection[str]
    ) -> tuple[list[ScoreV3View], str | None]:
        """A keyset page over the union of ``queries`` (same limit and ``after``).

        Several queries stand for an OR the store's query cannot say (several numeric
        values, several experiments); their pages merge in the store's order.
        """
        limit = queries[0].limit
        probes = [msgspec.structs.replace(q, limit=limit + 1, with_total=False) for q in queries]
        pages = await asyncio.gather(*(self._store.find_scores(project_id, p) for p in probes))
        if len(pages) == 1:
            rows = list(pages[0].items)
        else:
            rows = _merged([page.items for page in pages], limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = encode_cursor(rows[-1].timestamp, rows[-1].id) if more else None
        return [score_v3_view(s, groups) for s in rows], cursor

    async def delete_score(self, project_id: str, score_id: str) -> None:
        """Delete one score; an unknown id is ignored."""
        await self._store.delete_scores(project_id, [score_id])

    # --- metrics --------------------------------------------------------------------

    async def daily_metrics(self, project_id: str, query: MetricsQuery) -> Page[DailyMetric]:
        """One page of days, newest first, with the total number of days."""
        return await self._store.daily_metrics(project_id, query)


def _merged(pages: Sequence[Sequence[Score]], limit: int) -> list[Score]:
    """The first ``limit`` distinct scores of pages sorted newest first (then id desc)."""
    ordered = heapq.merge(*pages, key=lambda s: (utc(s.timestamp), s.id), reverse=True)
    seen: set[str] = set()
    rows: list[Score] = []
    for score in ordered:
        if score.id not in seen:
            seen.add(score.id)
            rows.append(score)
            if len(rows) == limit:
                break
    return rows


async def _nothing() -> dict[str, Any]:
    return {}


async def _none() -> None:
    return None
