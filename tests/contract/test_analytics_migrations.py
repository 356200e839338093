"""The analytics store's ClickHouse migrations: idempotent, namespaced, validated."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import clickhouse_connect
import pytest

from spyglass_adapters.clickhouse.migrator import ClickHouseMigrator, Migration, split_statements
from spyglass_core.domain.errors import StorageUnavailable
from spyglass_tracing.storage.clickhouse import ClickHouseAnalyticsStore
from spyglass_tracing.storage.clickhouse.store import apply_tracing_migrations as apply_migrations
from tests.contract.analytics_support import (
    drop_database,
)


async def test_migrations_are_idempotent(chdb_dsn: str) -> None:
    database = f"test_{uuid.uuid4().hex}"

    def migrate_twice() -> tuple[list[str], list[str]]:
        client = clickhouse_connect.get_client(dsn=chdb_dsn)
        try:
            return apply_migrations(client, database), apply_migrations(client, database)
        finally:
            client.close()

    try:
        first, second = await asyncio.to_thread(migrate_twice)
        assert first[:4] == ["0001_traces", "0002_observations", "0003_scores", "0004_read_indexes"]
        assert first == sorted(first)
        assert second == []
        store = await ClickHouseAnalyticsStore.open(chdb_dsn, database)
        await store.ping()
        await store.close()
    finally:
        await asyncio.to_thread(drop_database, chdb_dsn, database)


async def test_migration_records_are_namespaced_and_old_records_still_count(
    chdb_dsn: str,
) -> None:
    database = f"test_{uuid.uuid4().hex}"
    table = f"{database}.schema_migrations"

    def scenario() -> tuple[list[str], list[str], list[str], list[str]]:
        client = clickhouse_connect.get_client(dsn=chdb_dsn)
        try:
            first = apply_migrations(client, database)
            recorded = sorted(
                r[0] for r in client.query(f"SELECT version FROM {table}").result_rows
            )
            # Releases before namespaces recorded the bare file stem: such a database must
            # not be migrated twice.
            client.command(f"TRUNCATE TABLE {table}")
            client.insert(
                table,
                [[version, datetime.now(UTC)] for version in first],
                column_names=["version", "applied_at"],
            )
            again = apply_migrations(client, database)
            adopted = {r[0] for r in client.query(f"SELECT version FROM {table}").result_rows}
            assert {f"tracing:{version}" for version in first} <= adopted
            # Another namespace's files are its own, even under the same names.
            other = apply_namespace(client, database, "other", [Migration(first[0], "SELECT 1")])
            return first, recorded, again, other
        finally:
            client.close()

    try:
        first, recorded, again, other = await asyncio.to_thread(scenario)
        assert recorded == [f"tracing:{version}" for version in first]
        assert again == []
        assert other == [first[0]]
    finally:
        await asyncio.to_thread(drop_database, chdb_dsn, database)


async def test_invalid_database_name_is_rejected(chdb_dsn: str) -> None:
    with pytest.raises(ValueError):
        await ClickHouseAnalyticsStore.open(chdb_dsn, "x; DROP DATABASE y")


def test_split_statements_respects_quotes_and_comments() -> None:
    sql = "-- a; comment\nSELECT 'a;b' ; /* c; */ SELECT `x;y`;\n;\n  "
    assert split_statements(sql) == ["-- a; comment\nSELECT 'a;b'", "/* c; */ SELECT `x;y`"]


async def test_unreachable_clickhouse_raises_storage_unavailable() -> None:
    started = time.monotonic()
    with pytest.raises(StorageUnavailable):
        store = await ClickHouseAnalyticsStore.open(
            "http://default:secret@127.0.0.1:1", "spyglass", connect_timeout=1
        )
        await store.ping()
    assert time.monotonic() - started < 10


def apply_namespace(
    client: Any, database: str, namespace: str, migrations: list[Migration]
) -> list[str]:
    return ClickHouseMigrator(client, database, namespace, migrations).apply()
