"""ClickHouse (or embedded chDB) implementation of the analytics store.

Built on the host's ``ClickHouseConnection`` (``spyglass_adapters.clickhouse.spi``): every
client call runs on the connection's own thread, never on the event loop. Tables are
always named ``{database}.table`` so several stores (one per test, say) can share the
single chDB engine a process may host.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from spyglass_adapters.clickhouse.spi import ClickHouseConnection, apply_migrations
from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_tracing.domain.metrics_query import MetricsViewQuery
from spyglass_tracing.domain.metrics_results import MetricsRow
from spyglass_tracing.domain.queries import (
    DailyMetric,
    DailyModelUsage,
    MetricsQuery,
    Page,
    Session,
    SessionQuery,
    TraceMetrics,
)
from spyglass_tracing.domain.time import utc
from spyglass_tracing.domain.ui_lists import (
    TraceFilterOptions,
    TraceListPage,
    TraceListQuery,
    UserPage,
    UserQuery,
    UserRow,
)
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.storage.clickhouse.daily_rollup import DayUsage, fold_daily_rows, unfiltered
from spyglass_tracing.storage.clickhouse.day_totals import DayTotals
from spyglass_tracing.storage.clickhouse.mapping import (
    OBSERVATION_COLUMNS,
    SCORE_COLUMNS,
    TRACE_COLUMNS,
    observation_from_row,
    score_from_row,
    trace_from_row,
    trace_metrics_from_row,
)
from spyglass_tracing.storage.clickhouse.metrics_query import metrics_rows, metrics_sql
from spyglass_tracing.storage.clickhouse.moved_rows import MOVED_ROWS_TABLE
from spyglass_tracing.storage.clickhouse.public_lists import ClickHousePublicLists
from spyglass_tracing.storage.clickhouse.queries.metrics import (
    daily_sql,
    trace_metrics_sql,
)
from spyglass_tracing.storage.clickhouse.queries.select import (
    Params,
    Where,
    check_page,
    select_latest,
)
from spyglass_tracing.storage.clickhouse.queries.sessions import (
    session_where,
    sessions_count_sql,
    sessions_sql,
)
from spyglass_tracing.storage.clickhouse.queries.ui_traces import Tables
from spyglass_tracing.storage.clickhouse.scores_by_trace import (
    SCORES_BY_TRACE_TABLE,
    score_ids_sql,
)
from spyglass_tracing.storage.clickhouse.totals import TotalsCache
from spyglass_tracing.storage.clickhouse.ui_detail import ClickHouseUiDetailReads
from spyglass_tracing.storage.clickhouse.ui_lists import UiListReader
from spyglass_tracing.storage.clickhouse.writes import ClickHouseWrites

__all__ = (
    "MIGRATIONS_PACKAGE",
    "NAMESPACE",
    "ClickHouseAnalyticsStore",
    "apply_tracing_migrations",
)

_T = TypeVar("_T")
_Item = TypeVar("_Item", Trace, Observation, Score)

_MAP_ON_LOOP_BELOW = 256
"""Fewer rows than this are mapped on the event loop: the hop to the thread costs more."""

NAMESPACE = "tracing"
"""The namespace of this plugin's storage: its SQL chain and its ClickHouse migrations."""
MIGRATIONS_PACKAGE = "spyglass_tracing.storage.clickhouse.migrations"


def apply_tracing_migrations(client: Any, database: str) -> list[str]:
    """Apply this plugin's ClickHouse files to ``database`` with a sync client (tools, tests)."""
    return apply_migrations(client, database, NAMESPACE, MIGRATIONS_PACKAGE)


def _session(project_id: str, row: Sequence[Any]) -> Session:
    session_id, created_at, environment = row
    return Session(
        id=session_id, project_id=project_id, created_at=utc(created_at), environment=environment
    )


def _daily_metric(day: str, usage: DayUsage) -> DailyMetric:
    """One day's totals: the sums over its models (None, no model, sorts last)."""
    models = [
        DailyModelUsage(
            model=model,
            input_usage=inputs,
            output_usage=outputs,
            total_usage=totals,
            count_observations=observations,
            count_traces=traces,
            total_cost=0.0 if cost is None else float(cost),
        )
        for model, traces, observations, inputs, outputs, totals, cost in usage.models
    ]
    models.sort(key=lambda item: (item.model is None, item.model or ""))
    return DailyMetric(
        date=day,
        count_traces=usage.traces,
        count_observations=sum(item.count_observations for item in models),
        total_cost=float(sum(Decimal(repr(item.total_cost)) for item in models)),
        usage=models,
    )


_TRACE_METRICS_COLUMNS = ("id", "project_id", "first_start", "last_end", "total_cost",
                          "observation_ids", "event_ts", "is_deleted")  # fmt: skip


class ClickHouseAnalyticsStore(
    ClickHouseWrites, ClickHouseUiDetailReads, ClickHousePublicLists, AnalyticsStore
):
    """Analytics store on ClickHouse tables ``traces``, ``observations`` and ``scores``.

    Args:
        connection: The host's connection, with this plugin's migrations applied.
        owns_connection: ``close()`` closes the connection too (stores made by ``open``).
    """

    def __init__(self, connection: ClickHouseConnection, *, owns_connection: bool = False) -> None:
        super().__init__(connection)
        self._owns_connection = owns_connection
        self._totals = TotalsCache(self._rows, connection.database)
        self._day_totals = DayTotals(self._rows, self._rollup, self._table("traces"),
                                     self._table(MOVED_ROWS_TABLE))  # fmt: skip

    @classmethod
    async def open(
        cls, dsn: str, database: str, *, migrate: bool = True, connect_timeout: float = 5.0
    ) -> ClickHouseAnalyticsStore:
        """Connect on a connection of its own, optionally migrate, and return a ready store.

        For tools and tests; a serving process shares the host's connection instead.

        Raises:
            StorageUnavailable: The backend cannot be reached or refused the setup.
            ValueError: The DSN scheme or database name is not acceptable.
        """
        connection = await ClickHouseConnection.open(dsn, database, connect_timeout=connect_timeout)
        try:
            if migrate:
                await connection.migrate(NAMESPACE, MIGRATIONS_PACKAGE)
        except BaseException:
            await connection.close()
            raise
        return cls(connection, owns_connection=True)

    async def close(self) -> None:
        """Close the connection when this store opened it; later calls are a no-op."""
        if self._owns_connection:
            await self._connection.close()

    def _latest(
        self,
        table: str,
        columns: Sequence[str],
        where: Where,
        params: Params,
        order_by: str = "",
    ) -> list[Sequence[Any]]:
        sql = select_latest(self._table(table), columns, where)
        if order_by:
            sql += f" ORDER BY {order_by}"
        return self._rows(sql, params.values)

    def _scalar(self, sql: str, parameters: dict[str, Any]) -> Any:
        return self._client.query(sql, parameters=parameters).result_rows[0][0]

    def _page(
        self, sql: str, count: str | None, parameters: dict[str, Any]
    ) -> tuple[list[Sequence[Any]], int | None]:
        """A page and, when ``count`` is given, the total: two queries, one thread hop."""
        rows = self._rows(sql, parameters)
        total = None if count is None else self._totals.total(count, parameters)
        return rows, total

    async def _by_ids(
        self, table: str, columns: Sequence[str], project_id: str, ids: Sequence[str]
    ) -> list[Sequence[Any]]:
        if not ids:
            return []
        params = Params(project_id)
        # The id is the deduplication key, so it filters before LIMIT 1 BY: one query.
        where = Where(direct=[f"id IN {params.strings(ids)}"])
        return await self._run(self._latest, table, columns, where, params)

    async def _many_by_ids(
        self,
        table: str,
        columns: Sequence[str],
        project_id: str,
        ids: Sequence[str],
        from_row: Callable[[Sequence[Any]], _Item],
    ) -> list[_Item]:
        """Like ``_by_ids``, mapped on the client's thread (the worker reads thousands)."""
        rows = await self._by_ids(table, columns, project_id, ids)
        if len(rows) < _MAP_ON_LOOP_BELOW:
            return [from_row(row) for row in rows]
        return await self._run(lambda: [from_row(row) for row in rows])

    async def get_trace(self, project_id: str, trace_id: str) -> Trace | None:
        """The newest version of a trace, or None when absent or deleted."""
        rows = await self._by_ids("traces", TRACE_COLUMNS, project_id, [trace_id])
        return trace_from_row(rows[0]) if rows else None

    async def get_observation(self, project_id: str, observation_id: str) -> Observation | None:
        """The newest version of an observation, or None when absent or deleted."""
        rows = await self._by_ids("observations", OBSERVATION_COLUMNS, project_id, [observation_id])
        return observation_from_row(rows[0]) if rows else None

    async def get_score(self, project_id: str, score_id: str) -> Score | None:
        """The newest version of a score, or None when absent or deleted."""
        rows = await self._by_ids("scores", SCORE_COLUMNS, project_id, [score_id])
        return score_from_row(rows[0]) if rows else None

    async def get_traces(self, project_id: str, trace_ids: Sequence[str]) -> Sequence[Trace]:
        """The newest live version of each of these traces that exists (any order)."""
        return await self._many_by_ids(
            "traces", TRACE_COLUMNS, project_id, trace_ids, trace_from_row
        )

    async def get_observations(
        self, project_id: str, observation_ids: Sequence[str]
    ) -> Sequence[Observation]:
        """The newest live version of each of these observations that exists (any order)."""
        return await self._many_by_ids(
            "observations", OBSERVATION_COLUMNS, project_id, observation_ids, observation_from_row
        )

    async def get_scores(self, project_id: str, score_ids: Sequence[str]) -> Sequence[Score]:
        """The newest live version of each of these scores that exists (any order)."""
        return await self._many_by_ids(
            "scores", SCORE_COLUMNS, project_id, score_ids, score_from_row
        )

    async def _of_traces(
        self,
        table: str,
        columns: Sequence[str],
        project_id: str,
        trace_ids: Sequence[str],
        order_by: str,
    ) -> list[Sequence[Any]]:
        params = Params(project_id)
        where = Where()
        where.of_traces(params.strings(trace_ids))
        return await self._run(self._latest, table, columns, where, params, order_by)

    async def list_observations(self, project_id: str, trace_id: str) -> Sequence[Observation]:
        """The observations of one trace, ordered by start time then id."""
        rows = await self._of_traces(
            "observations", OBSERVATION_COLUMNS, project_id, [trace_id], "start_time, id"
        )
        return [observation_from_row(row) for row in rows]

    async def list_scores(self, project_id: str, trace_id: str) -> Sequence[Score]:
        """The scores attached to one trace, ordered by timestamp then id."""
        rows = await self._of_traces(
            "scores", SCORE_COLUMNS, project_id, [trace_id], "`timestamp`, id"
        )
        return [score_from_row(row) for row in rows]

    async def find_sessions(self, project_id: str, query: SessionQuery) -> Page[Session]:
        """Sessions (distinct ``session_id`` of live traces), newest first."""
        params = Params(project_id)
        traces = self._table("traces")
        where = session_where(params)
        sql = sessions_sql(traces, where, params, query)
        count = sessions_count_sql(traces, where, params, query)
        rows, total = await self._run(self._page, sql, count, params.values)
        return Page(items=[_session(project_id, row) for row in rows], total=total)

    async def get_session(self, project_id: str, session_id: str) -> Session | None:
        """One session, or None when no live trace carries this ``session_id``."""
        params = Params(project_id)
        sql = sessions_sql(self._table("traces"), session_where(params, session_id), params)
        rows = await self._run(self._rows, sql, params.values)
        return _session(project_id, rows[0]) if rows else None

    async def session_traces(self, project_id: str, session_id: str) -> Sequence[Trace]:
        """Every live trace of a session, oldest first."""
        params = Params(project_id)
        where = session_where(params, session_id)
        rows = await self._run(
            self._latest, "traces", TRACE_COLUMNS, where, params, "`timestamp`, id"
        )
        return [trace_from_row(row) for row in rows]

    async def trace_metrics(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> dict[str, TraceMetrics]:
        """Latency, total cost and observation ids of each trace (every id gets an entry)."""
        metrics = {
            trace_id: TraceMetrics(trace_id=trace_id, latency=0.0, total_cost=0.0)
            for trace_id in trace_ids
        }
        if not metrics:
            return metrics
        rows = await self._run(self._trace_metrics_rows, project_id, list(metrics))
        for row in rows:
            metrics[row[0]] = trace_metrics_from_row(row[0], row[1:])
        return metrics

    def _trace_metrics_rows(self, project_id: str, trace_ids: list[str]) -> list[Sequence[Any]]:
        # The trace rows' summaries; observations whose trace has no row yet (written
        # before it, or never) are summed from the observations themselves.
        params = Params(project_id)
        where = Where(direct=[f"id IN {params.strings(trace_ids)}"])
        sql = select_latest(
            self._table("traces"),
            _TRACE_METRICS_COLUMNS,
            where,
            select="id, first_start, last_end, total_cost, observation_ids",
        )
        summarized = self._rows(sql, params.values)
        orphans = sorted(set(trace_ids) - {row[0] for row in summarized})
        if orphans:
            params = Params(project_id)
            sql = trace_metrics_sql(self._table("observations"), params, orphans)
            summarized.extend(self._rows(sql, params.values))
        return summarized

    async def scores_of_traces(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> dict[str, list[Score]]:
        """The scores attached to each trace, by trace id (every id gets an entry)."""
        scores: dict[str, list[Score]] = {trace_id: [] for trace_id in trace_ids}
        if not scores:
            return scores
        rows = await self._of_traces(
            "scores", SCORE_COLUMNS, project_id, list(scores), "`timestamp`, id"
        )
        for row in rows:
            score = score_from_row(row)
            assert score.trace_id is not None  # selected by trace id
            scores[score.trace_id].append(score)
        return scores

    async def score_ids_of_traces(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> dict[str, list[str]]:
        """The ids of each trace's scores, by timestamp then id (every id gets an entry).

        Read off ``scores_by_trace``, which holds each trace's score ids side by side: a
        page of traces shows score ids, and the other columns of its scores cost as much
        again to read.
        """
        ids: dict[str, list[str]] = {trace_id: [] for trace_id in trace_ids}
        if not ids:
            return ids
        params = Params(project_id)
        sql = score_ids_sql(self._table(SCORES_BY_TRACE_TABLE), params, list(ids))
        for score_id, trace_id in await self._run(self._rows, sql, params.values):
            ids[trace_id].append(score_id)
        return ids

    async def daily_metrics(self, project_id: str, query: MetricsQuery) -> Page[DailyMetric]:
        """Per-day counts, costs and usage by model, newest day first, with the total.

        Whole projects' days come from the daily rollup (``daily_rollup``), which computes
        only the days changed since it last did; filtered queries read the traces.
        """
        check_page(query.limit, query.offset)
        if unfiltered(query):
            days = await self._run(self._rollup.days, project_id, query)
        else:
            params = Params(project_id)
            sql = daily_sql(self._table("traces"), query, params)
            days = fold_daily_rows(await self._run(self._rows, sql, params.values))
        listed = sorted((day for day, usage in days.items() if usage.traces), reverse=True)
        page = listed[query.offset : query.offset + query.limit]
        return Page(items=[_daily_metric(day, days[day]) for day in page], total=len(listed))

    async def ping(self) -> None:
        """Check that the backend answers. Raises: StorageUnavailable."""
        await self._connection.ping()

    async def query_metrics(self, project_id: str, query: MetricsViewQuery) -> Sequence[MetricsRow]:
        """The groups of a metrics query, sorted and cut (``storage.clickhouse.metrics_query``)."""
        params = Params(project_id)
        tables = {name: self._table(name) for name in ("traces", "observations", "scores")}
        built = metrics_sql(query, tables, params)
        rows = await self._run(self._rows, built.sql, params.values)
        return metrics_rows(query, built, rows)

    # --- the web UI's lists (traces table, users): SQL in ui_lists and queries.ui_* ----

    def _ui_lists(self) -> UiListReader:
        tables = Tables(self._table("traces"), self._table("observations"), self._table("scores"),
                        self._table(MOVED_ROWS_TABLE))  # fmt: skip
        return UiListReader(self._client, tables)

    async def find_trace_rows(self, project_id: str, query: TraceListQuery) -> TraceListPage:
        """One keyset page of traces-table rows, with the next cursor when more follow."""
        return await self._run(self._ui_lists().trace_rows, project_id, query)

    async def trace_filter_options(
        self, project_id: str, from_timestamp: datetime | None, to_timestamp: datetime | None
    ) -> TraceFilterOptions:
        """Distinct values of the traces table's filters, most frequent first."""
        reader = self._ui_lists()
        return await self._run(reader.filter_options, project_id, from_timestamp, to_timestamp)

    async def find_users(self, project_id: str, query: UserQuery) -> UserPage:
        """One keyset page of users, last seen first, with the next cursor."""
        return await self._run(self._ui_lists().users, project_id, query)

    async def get_user(self, project_id: str, user_id: str) -> UserRow | None:
        """One user's summary, or None when no live trace carries ``user_id``."""
        page = await self._run(self._ui_lists().users, project_id, UserQuery(limit=1), user_id)
        return page.items[0] if page.items else None
