"""ClickHouse (or embedded chDB) implementation of the analytics store.

Built on clickhouse-connect's sync client because chDB offers nothing else. Every client
call, including connecting, runs on one dedicated worker thread per store: chDB is
in-process and must never block the event loop, and one thread keeps the client's calls
strictly sequential. Tables are always named ``{database}.table`` so several stores (one
per test, say) can share the single chDB engine a process may host.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from spyglass_adapters.clickhouse.mapping import (
    OBSERVATION_COLUMNS,
    SCORE_COLUMNS,
    TRACE_COLUMNS,
    observation_from_row,
    observation_to_row,
    score_from_row,
    score_to_row,
    trace_from_row,
    trace_to_row,
)
from spyglass_adapters.clickhouse.migrator import apply_migrations, validate_database
from spyglass_core.domain.errors import StorageUnavailable
from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_core.ports.analytics import AnalyticsStore

__all__ = ("ClickHouseAnalyticsStore",)

_T = TypeVar("_T")
_DRIVER_ERRORS = (ClickHouseError, OSError)
_SCHEMES = ("chdb:", "http:", "https:")

_BY_ID = "id = {id:String}"
_IDS_OF_TRACE = (
    "id IN (SELECT id FROM {table} "
    "WHERE project_id = {project_id:String} AND trace_id = {trace_id:String})"
)


def _select_latest(
    table: str, columns: Sequence[str], where: str, *, outer: str = "", order_by: str = ""
) -> str:
    """Newest live version per (project_id, id) among the rows matching ``where``.

    ``LIMIT 1 BY`` rather than ``FINAL``: the sorting key holds a date derived from the
    timestamp, so versions of one row may sit under different keys that FINAL won't merge.
    """
    cols = ", ".join(f"`{column}`" for column in columns)
    sql = (
        f"SELECT {cols} FROM (SELECT {cols} FROM {table} "
        f"WHERE project_id = {{project_id:String}} AND {where.replace('{table}', table)} "
        "ORDER BY event_ts DESC LIMIT 1 BY project_id, id) "
        "WHERE is_deleted = 0"
    )
    if outer:
        sql += f" AND {outer}"
    if order_by:
        sql += f" ORDER BY {order_by}"
    return sql


def _connect(dsn: str, connect_timeout: float) -> Client:
    if dsn.startswith("chdb:"):
        # chDB ignores (and warns about) HTTP transport options.
        return clickhouse_connect.get_client(dsn=dsn)
    return clickhouse_connect.get_client(
        dsn=dsn, connect_timeout=connect_timeout, send_receive_timeout=max(connect_timeout, 30)
    )


class ClickHouseAnalyticsStore(AnalyticsStore):
    """Analytics store on ClickHouse tables ``traces``, ``observations`` and ``scores``.

    Use ``await ClickHouseAnalyticsStore.open(dsn, database)`` and ``await store.close()``.

    Args:
        client: A connected clickhouse-connect sync client, used only from ``executor``.
        database: The database holding the tables.
        executor: A single-thread executor that owns ``client``.
    """

    def __init__(self, client: Client, database: str, executor: ThreadPoolExecutor) -> None:
        self._client = client
        self._database = validate_database(database)
        self._executor = executor
        self._closed = False

    @classmethod
    async def open(
        cls, dsn: str, database: str, *, migrate: bool = True, connect_timeout: float = 5.0
    ) -> ClickHouseAnalyticsStore:
        """Connect, optionally apply migrations, and return a ready store.

        Args:
            dsn: ``chdb:///abs/path`` (embedded) or ``http(s)://user:pass@host:port``.
            database: Database for the tables; a plain identifier.
            migrate: Create the database and apply pending migrations first.
            connect_timeout: Seconds to wait for an HTTP server.

        Raises:
            StorageUnavailable: The backend cannot be reached or refused the setup.
            ValueError: The DSN scheme or database name is not acceptable.
        """
        validate_database(database)
        if not dsn.startswith(_SCHEMES):
            raise ValueError("ClickHouse DSN must start with chdb://, http:// or https://")
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clickhouse")
        loop = asyncio.get_running_loop()
        client: Client | None = None
        try:
            client = await loop.run_in_executor(executor, _connect, dsn, connect_timeout)
            if migrate:
                await loop.run_in_executor(executor, apply_migrations, client, database)
        except _DRIVER_ERRORS as exc:
            if client is not None:
                await loop.run_in_executor(executor, client.close)
            executor.shutdown(wait=False)
            raise StorageUnavailable(f"ClickHouse is unavailable: {exc}") from exc
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(client, database, executor)

    async def close(self) -> None:
        """Close the client and stop the worker thread; later calls are a no-op."""
        if self._closed:
            return
        self._closed = True
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._client.close)
        finally:
            self._executor.shutdown(wait=False)

    async def _run(self, fn: Callable[..., _T], *args: Any) -> _T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, partial(fn, *args))
        except _DRIVER_ERRORS as exc:
            raise StorageUnavailable(f"ClickHouse call failed: {exc}") from exc

    def _table(self, name: str) -> str:
        return f"{self._database}.{name}"

    def _insert(self, table: str, rows: list[list[Any]], columns: Sequence[str]) -> None:
        self._client.insert(self._table(table), rows, column_names=list(columns))

    def _rows(self, sql: str, parameters: dict[str, Any]) -> list[Sequence[Any]]:
        return list(self._client.query(sql, parameters=parameters).result_rows)

    async def upsert_traces(self, traces: Sequence[Trace]) -> None:
        """Append new versions of these traces (one insert)."""
        if not traces:
            return
        now = datetime.now(UTC)
        rows = [trace_to_row(trace, default_event_ts=now) for trace in traces]
        await self._run(self._insert, "traces", rows, TRACE_COLUMNS)

    async def upsert_observations(self, observations: Sequence[Observation]) -> None:
        """Append new versions of these observations (one insert)."""
        if not observations:
            return
        now = datetime.now(UTC)
        rows = [observation_to_row(obs, default_event_ts=now) for obs in observations]
        await self._run(self._insert, "observations", rows, OBSERVATION_COLUMNS)

    async def upsert_scores(self, scores: Sequence[Score]) -> None:
        """Append new versions of these scores (one insert)."""
        if not scores:
            return
        now = datetime.now(UTC)
        rows = [score_to_row(score, default_event_ts=now) for score in scores]
        await self._run(self._insert, "scores", rows, SCORE_COLUMNS)

    async def get_trace(self, project_id: str, trace_id: str) -> Trace | None:
        """The newest version of a trace, or None when absent or deleted."""
        sql = _select_latest(self._table("traces"), TRACE_COLUMNS, _BY_ID)
        rows = await self._run(self._rows, sql, {"project_id": project_id, "id": trace_id})
        return trace_from_row(rows[0]) if rows else None

    async def get_observation(self, project_id: str, observation_id: str) -> Observation | None:
        """The newest version of an observation, or None when absent or deleted."""
        sql = _select_latest(self._table("observations"), OBSERVATION_COLUMNS, _BY_ID)
        rows = await self._run(self._rows, sql, {"project_id": project_id, "id": observation_id})
        return observation_from_row(rows[0]) if rows else None

    async def get_score(self, project_id: str, score_id: str) -> Score | None:
        """The newest version of a score, or None when absent or deleted."""
        sql = _select_latest(self._table("scores"), SCORE_COLUMNS, _BY_ID)
        rows = await self._run(self._rows, sql, {"project_id": project_id, "id": score_id})
        return score_from_row(rows[0]) if rows else None

    async def list_observations(self, project_id: str, trace_id: str) -> Sequence[Observation]:
        """The observations of one trace, ordered by start time then id."""
        # trace_id is checked again on the newest version: an older one may name another trace.
        sql = _select_latest(
            self._table("observations"),
            OBSERVATION_COLUMNS,
            _IDS_OF_TRACE,
            outer="trace_id = {trace_id:String}",
            order_by="start_time, id",
        )
        rows = await self._run(self._rows, sql, {"project_id": project_id, "trace_id": trace_id})
        return [observation_from_row(row) for row in rows]

    async def list_scores(self, project_id: str, trace_id: str) -> Sequence[Score]:
        """The scores attached to one trace, ordered by timestamp then id."""
        sql = _select_latest(
            self._table("scores"),
            SCORE_COLUMNS,
            _IDS_OF_TRACE,
            outer="trace_id = {trace_id:String}",
            order_by="`timestamp`, id",
        )
        rows = await self._run(self._rows, sql, {"project_id": project_id, "trace_id": trace_id})
        return [score_from_row(row) for row in rows]

    def _delete(self, statements: Sequence[str], parameters: dict[str, Any]) -> None:
        for statement in statements:
            self._client.command(statement, parameters=parameters)

    async def delete_traces(self, project_id: str, trace_ids: Sequence[str]) -> None:
        """Delete traces and their observations. Unknown ids are a no-op."""
        if not trace_ids:
            return
        # Lightweight deletes remove every version at once and are synchronous by default,
        # so the next read no longer sees them.
        statements = (
            f"DELETE FROM {self._table('observations')} "
            "WHERE project_id = {project_id:String} AND trace_id IN {ids:Array(String)}",
            f"DELETE FROM {self._table('traces')} "
            "WHERE project_id = {project_id:String} AND id IN {ids:Array(String)}",
        )
        parameters = {"project_id": project_id, "ids": list(trace_ids)}
        await self._run(self._delete, statements, parameters)

    async def delete_scores(self, project_id: str, score_ids: Sequence[str]) -> None:
        """Delete scores. Unknown ids are a no-op."""
        if not score_ids:
            return
        statement = (
            f"DELETE FROM {self._table('scores')} "
            "WHERE project_id = {project_id:String} AND id IN {ids:Array(String)}"
        )
        parameters = {"project_id": project_id, "ids": list(score_ids)}
        await self._run(self._delete, (statement,), parameters)

    async def ping(self) -> None:
        """Check that the backend answers. Raises: StorageUnavailable."""
        await self._run(self._client.command, "SELECT 1")
