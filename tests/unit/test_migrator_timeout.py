"""Migrations run without an HTTP read timeout (a table copy may take minutes)."""

from __future__ import annotations

from typing import Any

from urllib3.util import Timeout

from spyglass_adapters.clickhouse.migrator import ClickHouseMigrator, Migration


class _Result:
    result_rows: list[Any] = []


class FakeHttpClient:
    """Records the read timeout each statement ran under."""

    def __init__(self) -> None:
        self.timeout = Timeout(connect=5, read=30)
        self.read_timeouts: dict[str, float | None] = {}

    def command(self, sql: str, **_: Any) -> None:
        self.read_timeouts[sql] = self.timeout.read_timeout

    def query(self, sql: str, **_: Any) -> _Result:
        return _Result()

    def insert(self, *_: Any, **__: Any) -> None:
        pass


def test_statements_run_without_a_read_timeout_and_it_is_restored() -> None:
    client = FakeHttpClient()
    copy = "INSERT INTO db.copy SELECT * FROM db.t"
    ClickHouseMigrator(client, "db", "tracing", [Migration("0001_copy", copy)]).apply()
    assert client.read_timeouts[copy] is None
    assert client.timeout.read_timeout == 30 and client.timeout.connect_timeout == 5
