"""The deleting half of the ClickHouse analytics store, and the connection plumbing both
halves share: lightweight deletes, the members of traces, and the purge that makes
deletes physical (``purge.py``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from spyglass_adapters.clickhouse.spi import ClickHouseConnection
from spyglass_core.domain.errors import StorageUnavailable
from spyglass_tracing.domain.erasure import TraceMember
from spyglass_tracing.domain.ingestion import EntityKind
from spyglass_tracing.storage.clickhouse.daily_rollup import DailyRollup
from spyglass_tracing.storage.clickhouse.moved_rows import MOVED_ROWS_TABLE, MovedRows
from spyglass_tracing.storage.clickhouse.purge import (
    apply_deleted_masks,
    drop_outdated_parts,
    unfinished_mutations,
)
from spyglass_tracing.storage.clickhouse.scores_by_trace import SCORES_BY_TRACE_TABLE
from spyglass_tracing.storage.clickhouse.trace_metadata import TRACE_METADATA_TABLE
from spyglass_tracing.storage.clickhouse.traces_by_user import (
    TRACES_BY_USER_TABLE,
    UserTombstones,
)

__all__ = ("ClickHouseDeletions",)

_T = TypeVar("_T")

_PURGE_POLL_SECONDS = 0.2
# Beyond this the erasure gives up and is retried later (the mutation goes on meanwhile).
_PURGE_TIMEOUT_SECONDS = 600.0


class ClickHouseDeletions:
    """Deletes on the tracing tables of ``connection``'s database; a base of the store."""

    def __init__(self, connection: ClickHouseConnection) -> None:
        self._connection = connection
        self._client = connection.client
        self._rollup = DailyRollup(self._rows, self._insert_rows, self._table)
        self._moved = MovedRows(self._rows, self._command, self._table)
        self._user_tombstones = UserTombstones(self._rows, self._insert_rows, self._table)

    async def _run(self, fn: Callable[..., _T], *args: Any) -> _T:
        return await self._connection.run(fn, *args)

    def _table(self, name: str) -> str:
        return self._connection.table(name)

    def _rows(self, sql: str, parameters: dict[str, Any]) -> list[Sequence[Any]]:
        return list(self._client.query(sql, parameters=parameters).result_rows)

    def _insert_rows(self, table: str, rows: list[list[Any]], columns: Sequence[str]) -> None:
        self._client.insert(self._table(table), rows, column_names=list(columns))

    def _command(self, statement: str, parameters: dict[str, Any]) -> None:
        self._client.command(statement, parameters=parameters)

    def _delete(self, statements: Sequence[str], parameters: dict[str, Any]) -> None:
        for statement in statements:
            self._client.command(statement, parameters=parameters)

    async def delete_traces(self, project_id: str, trace_ids: Sequence[str]) -> None:
        """Delete traces, their observations and their scores. Unknown ids are a no-op."""
        if not trace_ids:
            return
        # Lightweight deletes remove every version at once and are synchronous by default,
        # so the next read no longer sees them. Their bytes stay until purge_deleted.
        trace_copies = tuple(
            f"DELETE FROM {self._table(copy)} "
            "WHERE project_id = {project_id:String} AND id IN {ids:Array(String)}"
            for copy in (TRACES_BY_USER_TABLE, TRACE_METADATA_TABLE)
        )
        statements = (
            # The lookup copies first: some reads answer from them alone, so a failure
            # midway hides rows not yet deleted (the erasure deletes again) rather than
            # showing deleted ones.
            f"DELETE FROM {self._table(SCORES_BY_TRACE_TABLE)} "
            "WHERE project_id = {project_id:String} AND trace_id IN {ids:Array(String)}",
            *trace_copies,
            f"DELETE FROM {self._table('observations')} "
            "WHERE project_id = {project_id:String} AND trace_id IN {ids:Array(String)}",
            f"DELETE FROM {self._table('scores')} "
            "WHERE project_id = {project_id:String} AND trace_id IN {ids:Array(String)}",
            f"DELETE FROM {self._table('traces')} "
            "WHERE project_id = {project_id:String} AND id IN {ids:Array(String)}",
            # And the trace copies again: a write between the first deletes and the
            # traces' (the worker rewriting a trace's summary) copied a version into them.
            *trace_copies,
        )
        parameters = {"project_id": project_id, "ids": list(trace_ids)}
        members = await self._run(self._members, project_id, trace_ids)
        await self._run(self._delete, statements, parameters)
        # Then the recorded days of the rows gone (moved_rows.py): a failure before this
        # leaves extra days of hidden rows, never a live row without its days.
        ids_of = {"traces": list(trace_ids), "observations": [], "scores": []}
        for member in members:
            kind = "observations" if member.kind == EntityKind.OBSERVATION else "scores"
            ids_of[kind].append(member.entity_id)
        await self._run(self._forget_moves, project_id, ids_of)
        # After the delete: a daily rollup computed before it is then out of date.
        await self._run(self._rollup.mark_every_day, project_id)

    def _members(self, project_id: str, trace_ids: Sequence[str]) -> list[TraceMember]:
        parameters = {"project_id": project_id, "ids": list(trace_ids)}
        members: list[TraceMember] = []
        for kind, table in ((EntityKind.OBSERVATION, "observations"), (EntityKind.SCORE, "scores")):
            sql = (
                f"SELECT DISTINCT id, trace_id FROM {self._table(table)} "
                "WHERE project_id = {project_id:String} AND trace_id IN {ids:Array(String)}"
            )
            members.extend(
                TraceMember(kind=kind, entity_id=entity_id, trace_id=trace_id)
                for entity_id, trace_id in self._rows(sql, parameters)
            )
        return members

    async def members_of_traces(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> Sequence[TraceMember]:
        """The (live) observations and scores of these traces, each once, in any order."""
        if not trace_ids:
            return []
        return await self._run(self._members, project_id, trace_ids)

    async def purge_deleted(self) -> None:
        """Rewrite the parts holding deleted rows and drop the parts they replace.

        See ``storage.clickhouse.purge``: the rewrite runs in ClickHouse's background
        pool and is polled, so the connection's thread stays free for other calls.
        """
        names = ("traces", "observations", "scores", MOVED_ROWS_TABLE, TRACES_BY_USER_TABLE,
                 SCORES_BY_TRACE_TABLE, TRACE_METADATA_TABLE)  # fmt: skip
        tables = [self._table(name) for name in names]
        database = self._connection.database
        await self._run(apply_deleted_masks, self._client, tables)
        deadline = time.monotonic() + _PURGE_TIMEOUT_SECONDS
        while await self._run(unfinished_mutations, self._client, database, names):
            if time.monotonic() > deadline:
                raise StorageUnavailable("Purging deleted rows is taking too long; retried later")
            await asyncio.sleep(_PURGE_POLL_SECONDS)
        await self._run(drop_outdated_parts, self._client, tables)

    async def delete_scores(self, project_id: str, score_ids: Sequence[str]) -> None:
        """Delete scores. Unknown ids are a no-op."""
        if not score_ids:
            return
        statements = [
            f"DELETE FROM {self._table(table)} "
            "WHERE project_id = {project_id:String} AND id IN {ids:Array(String)}"
            for table in (SCORES_BY_TRACE_TABLE, "scores")  # the copy first, as above
        ]
        parameters = {"project_id": project_id, "ids": list(score_ids)}
        await self._run(self._delete, statements, parameters)
        await self._run(self._forget_moves, project_id, {"scores": list(score_ids)})

    def _forget_moves(self, project_id: str, ids_of: dict[str, list[str]]) -> None:
        """Delete the ``moved_rows`` entries of deleted rows, by kind (ids only remain)."""
        for kind, ids in ids_of.items():
            if ids:
                self._command(
                    f"DELETE FROM {self._table(MOVED_ROWS_TABLE)} WHERE project_id = "
                    "{project_id:String} AND kind = {kind:String} AND id IN {ids:Array(String)}",
                    {"project_id": project_id, "kind": kind, "ids": ids},
                )
