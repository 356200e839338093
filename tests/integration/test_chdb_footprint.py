"""The embedded chDB engine starts with Spyglass's server settings and a smaller footprint.

Server settings apply when a process's engine starts, and the test process's engine is
shared by every chDB test, so the engine checks run in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from spyglass_adapters.clickhouse import ClickHouseConnection
from spyglass_adapters.clickhouse.embedded import (
    SERVER_SETTING_DEFAULTS,
    _clean_library_mappings,
    server_settings,
)

_PROBE = """
import asyncio, json, sys
from spyglass_adapters.clickhouse import ClickHouseConnection

async def main(dsn):
    conn = await ClickHouseConnection.open(
        dsn, "probe", chdb_settings={"mark_cache_size": "48MiB"}
    )
    rows = await conn.run(
        conn.client.query,
        "SELECT name, value FROM system.server_settings WHERE name IN "
        "('mark_cache_size', 'primary_index_cache_size', "
        "'max_server_memory_usage_to_ram_ratio', 'uncompressed_cache_size')",
    )
    # A query setting the engine starts with: every query's default.
    uses_cache = await conn.run(
        conn.client.command, "SELECT getSetting('use_uncompressed_cache')"
    )
    # After the library's start-up pages were released, the engine still runs queries.
    total = await conn.run(conn.client.command, "SELECT sum(number) FROM numbers(100000)")
    await conn.close()
    print(json.dumps({
        "settings": dict(rows.result_rows),
        "uses_cache": str(uses_cache),
        "sum": int(total),
        "pyarrow": "pyarrow" in sys.modules,
    }))

asyncio.run(main(sys.argv[1]))
"""


def _run_probe(script: str, tmp_path: Path) -> Any:
    """Run ``script`` in a fresh interpreter on a chDB under ``tmp_path``: its last JSON line."""
    result = subprocess.run(
        [sys.executable, "-c", script, f"chdb://{tmp_path / 'chdb'}"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_engine_starts_with_the_defaults_and_the_overrides(tmp_path: Path) -> None:
    probe = _run_probe(_PROBE, tmp_path)
    assert probe["settings"] == {
        "mark_cache_size": str(48 * 1024 * 1024),
        "primary_index_cache_size": SERVER_SETTING_DEFAULTS["primary_index_cache_size"],
        "max_server_memory_usage_to_ram_ratio": "0.5",
        "uncompressed_cache_size": str(64 * 1024 * 1024),
    }
    assert probe["uses_cache"] == "true"
    assert probe["sum"] == sum(range(100000))
    # chDB imports pyarrow only for Arrow results, which clickhouse-connect never asks for.
    assert probe["pyarrow"] is False


_DATAFRAME_PROBE = """
import asyncio, json, sys
from datetime import datetime, UTC
from spyglass_adapters.clickhouse import ClickHouseConnection

LIBRARIES = ("pandas", "numpy", "pyarrow")

async def main(dsn):
    conn = await ClickHouseConnection.open(dsn, "frames")
    client = conn.client
    await conn.run(client.command, "CREATE DATABASE IF NOT EXISTS frames")
    await conn.run(
        client.command,
        "CREATE TABLE frames.t (n Int64, x Nullable(Float64), at DateTime64(6, 'UTC'), s String)"
        " ENGINE = MergeTree ORDER BY n",
    )
    rows = [[1, 0.5, datetime(2024, 1, 1, tzinfo=UTC), "a"], [2, None, datetime.now(UTC), "b"]]
    await conn.run(client.insert, "frames.t", rows, ["n", "x", "at", "s"])
    read = await conn.run(client.query, "SELECT n, x, s FROM frames.t ORDER BY n")
    after_rows = [name for name in LIBRARIES if name in sys.modules]
    # Asked for, a DataFrame still comes (clickhouse-connect imports pandas then).
    frame = await conn.run(client.query_df, "SELECT sum(n) AS total FROM frames.t")
    await conn.close()
    print(json.dumps({
        "rows": [list(row) for row in read.result_rows],
        "after_rows": after_rows,
        "total": int(frame["total"][0]),
    }))

asyncio.run(main(sys.argv[1]))
"""


def test_rows_go_in_and_out_without_dataframe_libraries(tmp_path: Path) -> None:
    # clickhouse-connect probes for pandas and numpy on every insert; the probes must not
    # import them (~100 MB), while the DataFrame API still works when asked for.
    probe = _run_probe(_DATAFRAME_PROBE, tmp_path)
    assert probe["rows"] == [[1, 0.5, "a"], [2, None, "b"]]
    assert probe["after_rows"] == []
    assert probe["total"] == 3


async def test_an_invalid_setting_is_refused_before_connecting(chdb_dsn: str) -> None:
    with pytest.raises(ValueError, match="mark_cache_size must be a size in bytes"):
        await ClickHouseConnection.open(
            chdb_dsn, "refused", chdb_settings={"mark_cache_size": "-1"}
        )
    with pytest.raises(ValueError, match="unknown chDB setting 'mark_cach_size'"):
        await ClickHouseConnection.open(chdb_dsn, "refused", chdb_settings={"mark_cach_size": "1"})


def test_switches_are_zero_or_one() -> None:
    assert server_settings({"use_uncompressed_cache": " 0 "})["use_uncompressed_cache"] == "0"
    with pytest.raises(ValueError, match="use_uncompressed_cache must be 0 or 1"):
        server_settings({"use_uncompressed_cache": "yes"})


def test_sizes_take_binary_units() -> None:
    settings = server_settings({"mark_cache_size": "2 GiB", "index_mark_cache_size": "512k"})
    assert settings["mark_cache_size"] == str(2 * 1024**3)
    assert settings["index_mark_cache_size"] == str(512 * 1024)


_SMAPS = """\
7f0000000000-7f0000400000 r--p 00000000 08:01 12 /venv/chdb/_chdb.abi3.so
Rss:                4096 kB
Private_Dirty:         0 kB
Anonymous:             0 kB
Swap:                  0 kB
7f0000400000-7f0000800000 r-xp 00400000 08:01 12 /venv/chdb/_chdb.abi3.so
Rss:                2048 kB
Private_Dirty:         0 kB
Anonymous:             0 kB
Swap:                  0 kB
7f0000800000-7f0000900000 r--p 00800000 08:01 12 /venv/chdb/_chdb.abi3.so
Rss:                1024 kB
Private_Dirty:      1024 kB
Anonymous:          1024 kB
Swap:                  0 kB
7f0000900000-7f0000a00000 rw-p 00900000 08:01 12 /venv/chdb/_chdb.abi3.so
Rss:                1024 kB
Private_Dirty:         0 kB
Anonymous:             0 kB
Swap:                  0 kB
7f0000a00000-7f0000b00000 r-xp 00000000 08:01 13 /venv/other.so
Rss:                1024 kB
Private_Dirty:         0 kB
Anonymous:             0 kB
Swap:                  0 kB
7f0000b00000-7f0000c00000 r-xp 00c00000 08:01 12 /venv/chdb/_chdb.abi3.so
Rss:                   0 kB
Private_Dirty:         0 kB
Anonymous:             0 kB
Swap:                  0 kB
7f0000c00000-7f0000d00000 r--p 00d00000 08:01 12 /venv/chdb/_chdb.abi3.so
Rss:                   4 kB
Private_Dirty:         0 kB
Anonymous:             0 kB
Swap:               1020 kB
7f0000d00000-7f0000e00000 r--p 00e00000 08:01 12 /venv/chdb/_chdb.abi3.so
Rss:                   4 kB
Anonymous:             0 kB
"""


def test_only_clean_read_only_library_pages_are_released() -> None:
    # Relocated (private) pages, resident or swapped out, writable data, other libraries,
    # empty ranges and blocks missing a count stay.
    assert _clean_library_mappings(_SMAPS) == [
        (0x7F0000000000, 0x7F0000400000, 4096 * 1024),
        (0x7F0000400000, 0x7F0000800000, 2048 * 1024),
    ]
