"""What erasing a deleted trace costs: the raw-file scan, the worker's check, the chDB purge.

- scan: one erasure over a project's raw batch files in a local blob store (list, read
  and decode the ids of every file, rewrite the one holding the trace, read it again);
- worker check: ``DeletedTraces.drop_deleted`` on a group of batches with SQLite and a
  thousand recorded deletions (the lookup every applied group now makes);
- purge: ``ALTER TABLE … APPLY DELETED MASK`` on chDB after deleting one trace, for a
  part of the given number of rows (the rewrite is the size of the parts holding it).

Usage: ``uv run python benchmarks/erasure_cost.py [--files 2000] [--events 50] [--rows 300000]``
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import clickhouse_connect
import msgspec

import spyglass_tracing
from spyglass.plugins import make_plugin_manager, register_plugins
from spyglass.runtime import migrate_sql
from spyglass.settings import Settings
from spyglass.storage import collect_storage, memory_repositories, sql_repositories
from spyglass_adapters.blobs import ObstoreBlobStore
from spyglass_adapters.memory.clock import FixedClock
from spyglass_adapters.memory.task_queue import MemoryTaskQueue
from spyglass_adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from spyglass_adapters.sql import SqlUnitOfWorkFactory, create_engine
from spyglass_tracing.domain.ingestion import (
    BatchRecord,
    EntityEvent,
    IngestionBatch,
    ObservationBody,
    TraceBody,
)
from spyglass_tracing.options import TracingOptions
from spyglass_tracing.ports.repositories import IngestionBatchRepository, TraceDeletionRepository
from spyglass_tracing.services.deletion import ERASE_TRACES_TASK, DeletedTraces
from spyglass_tracing.services.erasure import RawEraser
from spyglass_tracing.storage.memory_analytics import MemoryAnalyticsStore
from spyglass_tracing.storage.spec import storage_spec

P = "bench"
T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _batch(index: int, events: int) -> IngestionBatch:
    """A batch of ``events`` spans over five traces, each with about 1 KB of input."""
    body = []
    for n in range(events):
        trace_id = f"t{index:05d}-{n % 5}"
        if n < 5:
            body.append(
                EntityEvent(
                    id=uuid.uuid4().hex,
                    type="trace-create",
                    timestamp=T0,
                    trace=TraceBody(id=trace_id, input={"text": "x" * 1000}),
                )
            )
        else:
            body.append(
                EntityEvent(
                    id=uuid.uuid4().hex,
                    type="span-create",
                    timestamp=T0,
                    observation=ObservationBody(
                        id=uuid.uuid4().hex, trace_id=trace_id, input={"text": "y" * 1000}
                    ),
                )
            )
    return IngestionBatch(
        id=f"b{index:05d}", project_id=P, source="otel", received_at=T0, events=body
    )


async def scan(root: Path, files: int, events: int) -> str:
    blobs = ObstoreBlobStore.from_url(f"file://{root}")
    uow = MemoryUnitOfWorkFactory(repositories=memory_repositories([storage_spec()]))
    size = 0
    for index in range(files):
        data = msgspec.json.encode(_batch(index, events))
        size += len(data)
        key = f"ingestion/{P}/{T0:%Y/%m/%d}/{index % 24:02d}/b{index:05d}.json"
        await blobs.put(key, data)
        async with uow() as unit:
            record = BatchRecord(
                id=f"b{index:05d}",
                project_id=P,
                blob_key=key,
                source="otel",
                received_at=T0,
                event_count=events,
                processed_at=T0,
            )
            await unit.repository(IngestionBatchRepository).add(record, [])
            await unit.commit()
    clock = FixedClock(T0 + timedelta(hours=25))
    analytics = MemoryAnalyticsStore()
    eraser = RawEraser(uow, blobs, analytics, clock, TracingOptions())
    async with uow() as unit:
        deleted_at = clock.now() - timedelta(seconds=2)  # no burst to wait out
        await unit.repository(TraceDeletionRepository).record(P, ["t00007-3"], deleted_at)
        await unit.commit()
    started = time.perf_counter()
    assert await eraser.erase(P)
    elapsed = time.perf_counter() - started
    return (
        f"| scan | {files} files, {size / 1e6:.0f} MB | {elapsed:.2f} s | "
        f"{size / 1e6 / elapsed:.0f} MB/s, {files / elapsed:,.0f} files/s |"
    )


async def worker_check(root: Path, batches: int, events: int) -> str:
    settings = Settings(data_dir=str(root), salt="bench")
    pm = make_plugin_manager(load_entrypoints=False)
    register_plugins(pm, [spyglass_tracing])
    await migrate_sql(settings, pm)
    engine = create_engine(settings.sql_url)
    uow = SqlUnitOfWorkFactory(
        engine, sql_repositories(collect_storage(pm, settings.plugin_config))
    )
    async with uow() as unit:
        ids = [f"deleted-{n}" for n in range(1000)]
        await unit.repository(TraceDeletionRepository).record(P, ids, T0)
        await unit.commit()
    queue = MemoryTaskQueue({ERASE_TRACES_TASK: lambda project_id: asyncio.sleep(0)})
    deleted = DeletedTraces(uow, MemoryAnalyticsStore(), queue, FixedClock(T0))
    group = [_batch(index, events) for index in range(batches)]
    rounds = 50
    started = time.perf_counter()
    for _ in range(rounds):
        await deleted.drop_deleted(group)
    elapsed = (time.perf_counter() - started) / rounds
    await engine.dispose()
    return (
        f"| worker check | group of {batches} batches of {events} events, 1,000 deletions "
        f"| {elapsed * 1000:.1f} ms per group | |"
    )


def purge(root: Path, rows: int) -> str:
    client = clickhouse_connect.get_client(dsn=f"chdb://{root}")
    client.command("CREATE DATABASE IF NOT EXISTS bench")
    client.command(
        "CREATE TABLE bench.t (id String, project_id String, timestamp DateTime64(3), "
        "input Nullable(String) CODEC(ZSTD(3)), event_ts DateTime64(3), is_deleted UInt8) "
        "ENGINE = ReplacingMergeTree(event_ts, is_deleted) PARTITION BY toYYYYMM(timestamp) "
        "ORDER BY (project_id, toDate(timestamp), id)"
    )
    client.command(
        "INSERT INTO bench.t SELECT toString(number), 'p', "
        "toDateTime64('2026-01-01 00:00:00', 3) + number % 86400, "
        f"concat(randomPrintableASCII(1000), toString(number)), now64(3), 0 FROM numbers({rows})"
    )
    client.command("OPTIMIZE TABLE bench.t FINAL")
    size = client.command(
        "SELECT sum(bytes_on_disk) FROM system.parts WHERE database = 'bench' AND active"
    )
    client.command("DELETE FROM bench.t WHERE project_id = 'p' AND id IN ['5']")
    started = time.perf_counter()
    client.command("ALTER TABLE bench.t APPLY DELETED MASK SETTINGS mutations_sync = 2")
    client.command("ALTER TABLE bench.t DROP PARTITION ID 'none'")
    elapsed = time.perf_counter() - started
    mb = int(size) / 1e6
    rate = mb / elapsed
    return f"| purge | one part, {rows:,} rows, {mb:.0f} MB | {elapsed:.2f} s | {rate:.0f} MB/s |"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--batches", type=int, default=64, help="batches per worker group")
    parser.add_argument("--rows", type=int, default=300_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path.home()) as scratch:
        base = Path(scratch)
        (base / "sql").mkdir()
        rows = [
            await scan(base / "blobs", args.files, args.events),
            await worker_check(base / "sql", args.batches, 20),
            await asyncio.to_thread(purge, base / "chdb", args.rows),
        ]
    print("| step | size | time | rate |")
    print("|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    asyncio.run(main())
