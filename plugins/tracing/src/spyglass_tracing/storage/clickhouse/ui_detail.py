"""The web UI's detail reads on ClickHouse: a trace's observation nodes, session summaries
and a session's turns (SQL in ``queries/ui_detail.py``), mixed into the store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from spyglass_adapters.clickhouse.spi import ClickHouseConnection
from spyglass_core.domain.tracing import ObservationLevel, ObservationType, Trace
from spyglass_tracing.domain.time import utc, utc_or_none
from spyglass_tracing.domain.ui_detail import LightObservation, SessionSummary, SessionSummaryQuery
from spyglass_tracing.storage.clickhouse.mapping import trace_from_row
from spyglass_tracing.storage.clickhouse.queries.select import Params
from spyglass_tracing.storage.clickhouse.queries.ui_detail import (
    NODE_COLUMNS,
    observation_nodes_sql,
    session_aggregates_sql,
    session_turns_sql,
    sessions_page_sql,
)

__all__ = ("ClickHouseUiDetailReads",)

_Rows = list[Sequence[Any]]


def _node(row: Sequence[Any]) -> LightObservation:
    r = dict(zip(NODE_COLUMNS, row, strict=True))
    cost = r["total_cost"]
    return LightObservation(
        id=r["id"],
        trace_id=r["trace_id"],
        type=ObservationType(r["type"]),
        start_time=utc(r["start_time"]),
        end_time=utc_or_none(r["end_time"]),
        completion_start_time=utc_or_none(r["completion_start_time"]),
        name=r["name"],
        parent_observation_id=r["parent_observation_id"],
        level=ObservationLevel(r["level"]),
        model=r["provided_model_name"],
        total_cost=None if cost is None else float(cost),
        usage_details=dict(r["usage_details"]),
        status_message=r["status_message"],
    )


def _summary(row: Sequence[Any], aggregates: dict[str, Sequence[Any]]) -> SessionSummary:
    session_id, created_at, last_trace_at, count, user_ids, environment = row
    first, last = utc(created_at), utc(last_trace_at)
    cost, tokens = 0.0, 0
    found = aggregates.get(session_id)
    if found is not None:
        _, summed_cost, tokens, first_start, last_end = found
        cost = 0.0 if summed_cost is None else float(summed_cost)
        first, last = min(first, utc(first_start)), max(last, utc(last_end))
    return SessionSummary(
        id=session_id,
        created_at=utc(created_at),
        last_trace_at=utc(last_trace_at),
        trace_count=int(count),
        user_ids=list(user_ids),
        total_cost=cost,
        total_tokens=int(tokens),
        duration_seconds=(last - first).total_seconds(),
        environment=environment,
    )


class ClickHouseUiDetailReads:
    """The detail reads of ``ClickHouseAnalyticsStore`` on its connection."""

    _connection: ClickHouseConnection

    def _ui_query(self, sql: str, parameters: dict[str, Any]) -> _Rows:
        return list(self._connection.client.query(sql, parameters=parameters).result_rows)

    async def observation_nodes(
        self, project_id: str, trace_id: str, *, after: tuple[datetime, str] | None, limit: int
    ) -> Sequence[LightObservation]:
        """Observations of one trace without payloads, (start_time, id) ascending."""
        params = Params(project_id)
        table = self._connection.table("observations")
        sql = observation_nodes_sql(table, params, trace_id, after, limit)
        rows = await self._connection.run(self._ui_query, sql, params.values)
        return [_node(row) for row in rows]

    def _ui_summaries(
        self, project_id: str, query: SessionSummaryQuery, session_ids: Sequence[str] | None
    ) -> tuple[_Rows, _Rows]:
        """The page of sessions, then the observation aggregates of its sessions."""
        traces = self._connection.table("traces")
        params = Params(project_id)
        sessions = self._ui_query(
            sessions_page_sql(traces, params, query, session_ids), params.values
        )
        if not sessions:
            return sessions, []
        params = Params(project_id)
        observations = self._connection.table("observations")
        sql = session_aggregates_sql(traces, observations, params, [row[0] for row in sessions])
        return sessions, self._ui_query(sql, params.values)

    async def _ui_session_page(
        self, project_id: str, query: SessionSummaryQuery, session_ids: Sequence[str] | None
    ) -> list[SessionSummary]:
        sessions, aggregates = await self._connection.run(
            self._ui_summaries, project_id, query, session_ids
        )
        by_session = {row[0]: row for row in aggregates}
        return [_summary(row, by_session) for row in sessions]

    async def session_summaries(
        self, project_id: str, query: SessionSummaryQuery
    ) -> Sequence[SessionSummary]:
        """Sessions with aggregates, newest last trace first (then id descending)."""
        return await self._ui_session_page(project_id, query, None)

    async def session_summary(self, project_id: str, session_id: str) -> SessionSummary | None:
        """One session's aggregates, or None."""
        found = await self._ui_session_page(project_id, SessionSummaryQuery(limit=1), [session_id])
        return found[0] if found else None

    async def session_turns(
        self, project_id: str, session_id: str, *, after: tuple[datetime, str] | None, limit: int
    ) -> Sequence[Trace]:
        """Live traces of a session, (timestamp, id) ascending."""
        params = Params(project_id)
        sql = session_turns_sql(self._connection.table("traces"), params, session_id, after, limit)
        rows = await self._connection.run(self._ui_query, sql, params.values)
        return [trace_from_row(row) for row in rows]
