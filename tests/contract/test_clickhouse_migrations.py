"""Schema migrations of the tracing tables upgrade a database made by an earlier version.

The database is built with the migrations that existed before the one under test, filled
through the store as that version wrote it (several versions of some rows, tombstones),
then upgraded; every read must answer as before, on the new schema.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import clickhouse_connect
import pytest
from msgspec.structs import replace

from spyglass_adapters.clickhouse.migrator import ClickHouseMigrator, load_migrations
from spyglass_core.domain.tracing import Observation, ObservationType
from spyglass_tracing.domain.queries import ObservationQuery
from spyglass_tracing.storage.clickhouse import ClickHouseAnalyticsStore
from spyglass_tracing.storage.clickhouse.store import (
    MIGRATIONS_PACKAGE,
    NAMESPACE,
    apply_tracing_migrations,
)

P1, P2 = "project-1", "project-2"
T0 = datetime(2026, 2, 27, 23, 0, tzinfo=UTC)
OBSERVATIONS_BY_DAY = "0005_observations_by_day"


def _client(dsn: str) -> Any:
    return clickhouse_connect.get_client(dsn=dsn)


def _migrate_before(dsn: str, database: str, version: str) -> None:
    earlier = [m for m in load_migrations(MIGRATIONS_PACKAGE) if m.version < version]
    client = _client(dsn)
    try:
        ClickHouseMigrator(client, database, NAMESPACE, earlier).apply()
    finally:
        client.close()


def _sorting_key(dsn: str, database: str, table: str) -> str:
    client = _client(dsn)
    try:
        rows = client.query(
            "SELECT sorting_key FROM system.tables "
            "WHERE database = {d:String} AND name = {t:String}",
            parameters={"d": database, "t": table},
        ).result_rows
        return str(rows[0][0])
    finally:
        client.close()


@pytest.fixture
async def database(chdb_dsn: str) -> AsyncIterator[str]:
    name = f"test_{uuid.uuid4().hex}"
    try:
        yield name
    finally:

        def drop() -> None:
            client = _client(chdb_dsn)
            try:
                client.command(f"DROP DATABASE IF EXISTS {name}")
            finally:
                client.close()

        await asyncio.to_thread(drop)


def _observation(i: int, start: datetime) -> Observation:
    return Observation(
        id=f"o{i}",
        trace_id=f"t{i % 5}",
        project_id=P1 if i % 10 else P2,
        type=ObservationType.GENERATION if i % 3 == 0 else ObservationType.SPAN,
        name=f"step-{i}",
        start_time=start,
        end_time=start + timedelta(hours=1),
        input=f'{{"q": {i}}}',
        output=f'{{"a": {i}}}',
        usage_details={"input": i, "output": 2 * i},
        provided_model_name="gpt-4o" if i % 3 == 0 else None,
        metadata={"k": str(i)},
        event_ts=T0,
    )


def _observations() -> tuple[list[Observation], list[Observation]]:
    """First versions of 30 observations over three days (and another project's), then
    newer versions of a few: renamed, moved a day later, retyped, deleted."""
    hour = timedelta(hours=1)
    first = [_observation(i, T0 + i * 2 * hour) for i in range(30)]
    later = T0 + timedelta(minutes=5)
    updates = [
        replace(first[1], name="renamed", event_ts=later),
        replace(first[2], start_time=T0 + timedelta(days=1), event_ts=later),
        replace(first[4], type=ObservationType.EVENT, event_ts=later),
        replace(first[5], is_deleted=True, event_ts=later),
    ]
    return first, updates


async def _everything(store: ClickHouseAnalyticsStore) -> dict[str, Any]:
    """What the reads answer about the observations, for a before/after comparison."""
    answers: dict[str, Any] = {}
    for project in (P1, P2):
        page = await store.find_observations(project, ObservationQuery(limit=100, with_total=True))
        answers[f"{project} list"] = [o.id for o in page.items]
        answers[f"{project} total"] = page.total
        answers[f"{project} rows"] = sorted(page.items, key=lambda o: o.id)
        by_type = await store.find_observations(
            project, ObservationQuery(limit=100, type="GENERATION")
        )
        answers[f"{project} generations"] = [o.id for o in by_type.items]
    answers["trace t1"] = [o.id for o in await store.list_observations(P1, "t1")]
    answers["by id"] = await store.get_observations(P1, ["o1", "o2", "o4", "o5", "o11"])
    return answers


async def _written_by_the_previous_version(dsn: str, database: str) -> dict[str, Any]:
    """A database on the migrations before 0005, filled through the store; its answers."""
    await asyncio.to_thread(_migrate_before, dsn, database, OBSERVATIONS_BY_DAY)
    assert _sorting_key(dsn, database, "observations").startswith("project_id, type")
    first, updates = _observations()
    old = await ClickHouseAnalyticsStore.open(dsn, database, migrate=False)
    try:
        await old.upsert_observations(first)
        await old.upsert_observations(updates)
        return await _everything(old)
    finally:
        await old.close()


async def test_observations_by_day_upgrades_existing_rows(chdb_dsn: str, database: str) -> None:
    before = await _written_by_the_previous_version(chdb_dsn, database)
    assert len(before[f"{P1} list"]) == 26  # 27 of the project's, one deleted

    upgraded = await ClickHouseAnalyticsStore.open(chdb_dsn, database)
    try:
        after = await _everything(upgraded)
    finally:
        await upgraded.close()

    assert _sorting_key(chdb_dsn, database, "observations") == (
        "project_id, toDate(start_time), type, id"
    )
    assert after == before
    assert "o5" not in after[f"{P1} list"] and "renamed" in {o.name for o in after["by id"]}


async def test_observations_by_day_can_run_again_after_a_crash(
    chdb_dsn: str, database: str
) -> None:
    """A process killed after the exchange, before the migration was recorded, runs the
    file again at the next start: the data stays whole and the key stays the new one."""
    before = await _written_by_the_previous_version(chdb_dsn, database)
    migration = next(
        m for m in load_migrations(MIGRATIONS_PACKAGE) if m.version == OBSERVATIONS_BY_DAY
    )
    statements = migration.statements(database)
    run: Callable[[list[str]], None] = lambda sqls: _run_all(chdb_dsn, sqls)  # noqa: E731
    exchange = next(i for i, sql in enumerate(statements) if sql.startswith("EXCHANGE"))
    await asyncio.to_thread(run, statements[: exchange + 1])  # killed before the DROP
    await asyncio.to_thread(apply_tracing_migrations_with, chdb_dsn, database)

    store = await ClickHouseAnalyticsStore.open(chdb_dsn, database)
    try:
        assert await _everything(store) == before
    finally:
        await store.close()
    assert _sorting_key(chdb_dsn, database, "observations").startswith("project_id, toDate")


def _run_all(dsn: str, statements: list[str]) -> None:
    client = _client(dsn)
    try:
        for sql in statements:
            client.command(sql)
    finally:
        client.close()


def apply_tracing_migrations_with(dsn: str, database: str) -> None:
    client = _client(dsn)
    try:
        assert OBSERVATIONS_BY_DAY.split("_")[0] in " ".join(
            apply_tracing_migrations(client, database)
        )
    finally:
        client.close()
