"""Analytics store: traces, observations and scores, append-only and versioned.

Contract:

- ``upsert_*`` appends a new version of each row. For one (project, id) the version
  with the greatest ``event_ts`` is the one read back; with equal ``event_ts`` any of
  them may win, so writers give each update a later ``event_ts``. Writing the same row
  twice is harmless: reads never return duplicates.
- An observation's or a score's ``trace_id``, once set, is the same in every later
  version (the merge rules keep it: ``domain/merge.py``). Any other column may change.
  Reads by trace rely on it (ClickHouse filters row versions by trace before
  deduplicating them); a writer that moved a row to another trace could see the old
  trace still list it.
- A store may derive columns of a trace from its observations (ClickHouse keeps their
  summary on the trace row). Writing observations after their trace may then append a
  later version of the trace, equal to the newest one but for ``event_ts``; a merge's
  rows are written with ``write`` (observations and scores, then traces) to avoid it.
- Every read is scoped to one project: a row of another project is never returned,
  even when its id matches.
- Deleted rows (``delete_traces``, ``delete_scores``) are never read back. Deleting a
  trace deletes its observations and its scores, as Langfuse's trace deletion does.
  A delete may leave the deleted bytes on disk until ``purge_deleted`` rewrites them.
- Reads see every write whose call has returned (read-your-writes in one process).
- Queries (``find_*``) follow the query struct's documented semantics; ``total`` is the
  number of matching rows when asked for (offset pagination), else None. Keyset pages
  (``after``) continue strictly after the given (time, id) in the same order.
- Driver errors are translated: an unreachable backend raises ``StorageUnavailable``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_tracing.domain.erasure import TraceMember
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
from spyglass_tracing.domain.ui_detail import LightObservation, SessionSummary, SessionSummaryQuery
from spyglass_tracing.domain.ui_lists import (
    TraceFilterOptions,
    TraceListPage,
    TraceListQuery,
    UserPage,
    UserQuery,
    UserRow,
)

__all__ = ("AnalyticsStore",)


class AnalyticsStore(Protocol):
    """Where traces, observations and scores live for querying."""

    async def upsert_traces(self, traces: Sequence[Trace]) -> None:
        """Append new versions of these traces (one insert)."""

    async def upsert_observations(self, observations: Sequence[Observation]) -> None:
        """Append new versions of these observations (one insert)."""

    async def upsert_scores(self, scores: Sequence[Score]) -> None:
        """Append new versions of these scores (one insert)."""

    async def write(
        self,
        *,
        traces: Sequence[Trace] = (),
        observations: Sequence[Observation] = (),
        scores: Sequence[Score] = (),
        replaces: Sequence[Trace | Observation | Score] | None = None,
    ) -> None:
        """Append a merge's row versions: the observations and scores, then the traces.

        The same as the three ``upsert_*`` calls in that order; a store that keeps what a
        trace's observations add up to on the trace row (ClickHouse) does it in one pass.
        ``replaces`` are the stored newest versions the rows were merged from, when the
        caller read them (a store may use them to skip reading them back: ClickHouse
        records rows whose time moves to another day); None when not known.
        """

    async def get_trace(self, project_id: str, trace_id: str) -> Trace | None:
        """The newest version of a trace, or None when absent or deleted."""

    async def get_observation(self, project_id: str, observation_id: str) -> Observation | None:
        """The newest version of an observation, or None when absent or deleted."""

    async def get_score(self, project_id: str, score_id: str) -> Score | None:
        """The newest version of a score, or None when absent or deleted."""

    async def list_observations(self, project_id: str, trace_id: str) -> Sequence[Observation]:
        """The observations of one trace, ordered by start time then id."""

    async def list_scores(self, project_id: str, trace_id: str) -> Sequence[Score]:
        """The scores attached to one trace, ordered by timestamp then id."""

    async def delete_traces(self, project_id: str, trace_ids: Sequence[str]) -> None:
        """Delete traces, their observations and their scores. Unknown ids are a no-op."""

    async def delete_scores(self, project_id: str, score_ids: Sequence[str]) -> None:
        """Delete scores. Unknown ids are a no-op."""

    async def members_of_traces(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> Sequence[TraceMember]:
        """The (live) observations and scores of these traces, each once, in any order."""

    async def purge_deleted(self) -> None:
        """Rewrite storage so that no byte of a deleted row is left on disk.

        Slow (it rewrites whatever holds deleted rows): for background work, never for a
        request. A no-op where deletes are physical already.

        Raises: StorageUnavailable.
        """

    async def get_traces(self, project_id: str, trace_ids: Sequence[str]) -> Sequence[Trace]:
        """The newest live version of each of these traces that exists (any order)."""

    async def get_observations(
        self, project_id: str, observation_ids: Sequence[str]
    ) -> Sequence[Observation]:
        """The newest live version of each of these observations that exists (any order)."""

    async def get_scores(self, project_id: str, score_ids: Sequence[str]) -> Sequence[Score]:
        """The newest live version of each of these scores that exists (any order)."""

    async def find_traces(self, project_id: str, query: TraceQuery) -> Page[Trace]:
        """Traces matching ``query``, ordered as it says, one offset page with the total."""

    async def find_traces_with_metrics(
        self, project_id: str, query: TraceQuery
    ) -> tuple[Page[Trace], dict[str, TraceMetrics]]:
        """``find_traces`` and the ``trace_metrics`` of the page's traces (in one read
        where a store keeps them on the trace rows: ClickHouse)."""

    async def find_observations(
        self, project_id: str, query: ObservationQuery
    ) -> Page[Observation]:
        """Observations matching ``query``, newest ``start_time`` first (then id desc)."""

    async def find_scores(self, project_id: str, query: ScoreQuery) -> Page[Score]:
        """Scores matching ``query``, newest ``timestamp`` first (then id desc)."""

    async def find_sessions(self, project_id: str, query: SessionQuery) -> Page[Session]:
        """Sessions (distinct ``session_id`` of live traces), newest first."""

    async def get_session(self, project_id: str, session_id: str) -> Session | None:
        """One session, or None when no live trace carries this ``session_id``."""

    async def session_traces(self, project_id: str, session_id: str) -> Sequence[Trace]:
        """Every live trace of a session, oldest first."""

    async def trace_metrics(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> dict[str, TraceMetrics]:
        """Latency, total cost and observation ids of each trace (every id gets an entry)."""

    async def scores_of_traces(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> dict[str, list[Score]]:
        """The scores attached to each trace, by trace id (every id gets an entry)."""

    async def score_ids_of_traces(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> dict[str, list[str]]:
        """The ids of each trace's scores, ordered as ``scores_of_traces`` orders the
        scores (every id gets an entry): what a trace list shows, without the scores."""

    async def daily_metrics(self, project_id: str, query: MetricsQuery) -> Page[DailyMetric]:
        """Per-day counts, costs and usage by model, newest day first, with the total."""

    async def ping(self) -> None:
        """Check that the backend answers. Raises: StorageUnavailable."""

    # --- the web UI's detail pages (domain/ui_detail.py) ---------------------------------

    async def observation_nodes(
        self, project_id: str, trace_id: str, *, after: tuple[datetime, str] | None, limit: int
    ) -> Sequence[LightObservation]:
        """At most ``limit`` observations of one trace without their payloads, by
        (start_time, id) ascending, strictly after ``after`` when given.

        Reads no input, output or metadata: a trace of many thousands of observations
        pages cheaply.
        """

    async def session_summaries(
        self, project_id: str, query: SessionSummaryQuery
    ) -> Sequence[SessionSummary]:
        """At most ``query.limit`` sessions with their aggregates, newest
        ``last_trace_at`` first (then id descending), as ``SessionSummaryQuery`` says."""

    async def session_summary(self, project_id: str, session_id: str) -> SessionSummary | None:
        """One session's aggregates, or None when no live trace carries ``session_id``."""

    async def session_turns(
        self, project_id: str, session_id: str, *, after: tuple[datetime, str] | None, limit: int
    ) -> Sequence[Trace]:
        """At most ``limit`` live traces of a session by (timestamp, id) ascending,
        strictly after ``after`` when given."""

    async def query_metrics(self, project_id: str, query: MetricsViewQuery) -> Sequence[MetricsRow]:
        """The groups of a metrics query (``domain.metrics_query``), as its view declares
        them (``domain.metrics_views``): one row per group keyed by dimension names,
        ``time_dimension`` (a UTC datetime) and ``<aggregation>_<measure>``, sorted by
        ``query.order_by`` and cut at ``query.row_limit``. Without dimensions and time
        bucket, one row even when nothing matches. Empty buckets are not filled here.

        Raises: InvalidInput when the query names what its view does not declare.
        """

    # --- the web UI's lists (traces table, users) --------------------------------------

    async def find_trace_rows(self, project_id: str, query: TraceListQuery) -> TraceListPage:
        """One keyset page of traces-table rows (``TraceListQuery`` says which and in
        what order), with the cursor of the next page when more rows follow.

        Raises: InvalidInput when the order is unknown.
        """

    async def trace_filter_options(
        self, project_id: str, from_timestamp: datetime | None, to_timestamp: datetime | None
    ) -> TraceFilterOptions:
        """Distinct values of the traces table's filters, most frequent first.

        Names, user ids, tags and environments of live traces with a timestamp in
        ``[from, to)``; models and levels of live observations, score names of live
        scores attached to a trace, with a start time / timestamp in that range.
        """

    async def find_users(self, project_id: str, query: UserQuery) -> UserPage:
        """One keyset page of users (distinct ``user_id`` of live traces), last seen
        first, with the cursor of the next page when more users follow."""

    async def get_user(self, project_id: str, user_id: str) -> UserRow | None:
        """One user's summary, or None when no live trace carries ``user_id``."""
