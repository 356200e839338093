"""Migrations ``0011_traces_by_user`` to ``0013_trace_metadata`` on existing data.

A database the previous version made and wrote, with traces that changed user, a
tombstoned trace and scores with several versions, answers a user's list and a page's
score ids after the upgrade exactly as a database this version wrote does; also after
the migrations ran again (a crash before they were recorded).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import clickhouse_connect
from msgspec.structs import replace

from spyglass_adapters.clickhouse.migrator import ClickHouseMigrator, load_migrations
from spyglass_core.domain.tracing import Score, Trace
from spyglass_tracing.domain.queries import FilterCondition, TraceQuery
from spyglass_tracing.storage.clickhouse import ClickHouseAnalyticsStore
from spyglass_tracing.storage.clickhouse.mapping import (
    SCORE_COLUMNS,
    TRACE_COLUMNS,
    score_to_row,
    trace_to_row,
)
from spyglass_tracing.storage.clickhouse.store import MIGRATIONS_PACKAGE, NAMESPACE
from tests.contract.test_clickhouse_migrations import databases

__all__ = ("databases",)  # the fixture, used by name

P1 = "project-1"
T0 = datetime(2026, 2, 27, 23, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=5)
FIRST_LOOKUP = "0011_traces_by_user"
USERS = ("u1", "u2", "u3")


def _writes() -> list[tuple[list[Trace], list[Score]]]:
    """Two rounds of writes: first versions, then updates."""
    traces = [
        Trace(id=f"t{i}", project_id=P1, timestamp=T0 + timedelta(hours=i), event_ts=T0,
              user_id=None if i == 3 else "u1", metadata={"customer": "c1"})
        for i in range(5)
    ]  # fmt: skip
    scores = [
        Score(id=f"s{i}", project_id=P1, trace_id=f"t{i % 3}", name="quality", value=1.0,
              timestamp=T0 + timedelta(minutes=i), event_ts=T0)
        for i in range(5)
    ]  # fmt: skip
    trace_updates = [
        replace(traces[1], user_id="u2", name="moved", event_ts=LATER),
        replace(traces[2], user_id="u3", metadata={"customer": "c2"}, event_ts=LATER),
        replace(traces[3], user_id="u1", event_ts=LATER),
        replace(traces[4], is_deleted=True, event_ts=LATER),
    ]
    score_updates = [
        replace(scores[0], timestamp=T0 + timedelta(hours=1), event_ts=LATER),
        replace(scores[4], is_deleted=True, event_ts=LATER),
    ]
    return [(traces, scores), (trace_updates, score_updates)]


async def _answers(store: ClickHouseAnalyticsStore) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for user_id in USERS:
        page = await store.find_traces(P1, TraceQuery(user_id=user_id))
        answers[user_id] = [(t.id, t.name, t.user_id) for t in page.items]
        answers[f"{user_id} total"] = page.total
    answers["score ids"] = await store.score_ids_of_traces(P1, ["t0", "t1", "t2", "t9"])
    for value in ("c1", "c2"):
        holding = FilterCondition(column="metadata", type="stringObject", operator="=",
                                  key="customer", value=value)  # fmt: skip
        page = await store.find_traces(P1, TraceQuery(filters=[holding], limit=2))
        answers[value] = ([t.id for t in page.items], page.total)
    return answers


def _insert_as_before(dsn: str, database: str) -> None:
    """The previous version's database: its migrations, then the rows as they are."""
    earlier = [m for m in load_migrations(MIGRATIONS_PACKAGE) if m.version < FIRST_LOOKUP]
    client = clickhouse_connect.get_client(dsn=dsn)
    try:
        ClickHouseMigrator(client, database, NAMESPACE, earlier).apply()
        at = datetime.now(UTC)
        for traces, scores in _writes():
            rows = [trace_to_row(t, default_event_ts=at) for t in traces]
            client.insert(f"{database}.traces", rows, column_names=list(TRACE_COLUMNS))
            rows = [score_to_row(s, default_event_ts=at) for s in scores]
            client.insert(f"{database}.scores", rows, column_names=list(SCORE_COLUMNS))
    finally:
        client.close()


def _run_lookup_migrations_again(dsn: str, database: str) -> None:
    client = clickhouse_connect.get_client(dsn=dsn)
    try:
        for migration in load_migrations(MIGRATIONS_PACKAGE):
            if migration.version >= FIRST_LOOKUP:
                for statement in migration.statements(database):
                    client.command(statement)
    finally:
        client.close()


async def test_lookup_tables_answer_for_existing_rows_as_for_rows_written_now(
    chdb_dsn: str, databases: Callable[[], str]
) -> None:
    store = await ClickHouseAnalyticsStore.open(chdb_dsn, databases())
    try:
        for traces, scores in _writes():
            await store.upsert_traces(traces)
            await store.upsert_scores(scores)
        expected = await _answers(store)
    finally:
        await store.close()
    assert expected["u1"] == [("t3", None, "u1"), ("t0", None, "u1")]
    assert expected["u2"] == [("t1", "moved", "u2")]
    assert expected["score ids"] == {"t0": ["s3", "s0"], "t1": ["s1"], "t2": ["s2"], "t9": []}
    assert expected["c1"] == (["t3", "t1"], 3)  # t4 tombstoned, t2 moved to c2
    assert expected["c2"] == (["t2"], 1)

    database = databases()
    await asyncio.to_thread(_insert_as_before, chdb_dsn, database)
    store = await ClickHouseAnalyticsStore.open(chdb_dsn, database)  # upgrades
    try:
        assert await _answers(store) == expected
        await asyncio.to_thread(_run_lookup_migrations_again, chdb_dsn, database)
        assert await _answers(store) == expected
    finally:
        await store.close()


async def test_traces_by_user_holds_every_column_of_traces(
    chdb_dsn: str, databases: Callable[[], str]
) -> None:
    """A migration that adds a column to ``traces`` must add it to ``traces_by_user`` and
    recreate its view, or a user's list would lose it: this fails until it does."""
    database = databases()
    store = await ClickHouseAnalyticsStore.open(chdb_dsn, database)
    await store.close()
    client = clickhouse_connect.get_client(dsn=chdb_dsn)
    try:
        sql = (
            "SELECT table, name, type FROM system.columns WHERE database = {database:String} "
            "AND table IN ('traces', 'traces_by_user', 'traces_by_user_mv') ORDER BY position"
        )
        columns: dict[str, list[tuple[str, str]]] = {}
        for table, name, column_type in client.query(sql, {"database": database}).result_rows:
            columns.setdefault(table, []).append((name, column_type))
    finally:
        client.close()
    expected = [
        (name, "String" if name == "user_id" else column_type)
        for name, column_type in columns["traces"]
    ]
    assert columns["traces_by_user"] == expected
    assert columns["traces_by_user_mv"] == expected
