"""What "acknowledged means on disk" costs: fsynced blob writes and SQLite synchronous=FULL.

Measures, on this machine's disk, the two writes that acknowledge an ingestion batch:

- a batch file through ``ObstoreBlobStore.put`` (write, rename, fsync of the file and of
  each directory up to the root) against obstore's plain put (write and rename only);
- a pending-record insert committed in SQLite WAL mode with ``synchronous=FULL`` against
  ``NORMAL``.

Usage: ``uv run python benchmarks/durability_cost.py [--count 500] [--size 20000]``
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import obstore

from spyglass_adapters.blobs import ObstoreBlobStore


def _key(index: int) -> str:
    return f"ingestion/p1/2026/12/02/{index:02d}/{uuid.uuid4().hex}.json"


async def blob_writes(root: Path, count: int, size: int, durable: bool) -> list[float]:
    store = ObstoreBlobStore.from_url(f"file://{root}")
    payload = b"x" * size
    timings = []
    for index in range(count):
        started = time.perf_counter()
        if durable:
            await store.put(_key(index % 24), payload)
        else:  # what put did before: obstore's write and rename, no fsync
            await obstore.put_async(store._store, _key(index % 24), payload)
        timings.append(time.perf_counter() - started)
    return timings


def sqlite_commits(path: Path, count: int, synchronous: str) -> list[float]:
    """Insert-and-commit, one row per transaction, as Spyglass's engine sets SQLite up."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("CREATE TABLE records (id TEXT PRIMARY KEY, body TEXT)")
    timings = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO records VALUES (?, ?)", (uuid.uuid4().hex, "pending"))
            conn.execute("COMMIT")
            timings.append(time.perf_counter() - started)
    finally:
        conn.close()
    return timings


def _summary(name: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
    rate = len(ordered) / sum(ordered)
    return f"| {name} | {p50:.2f} ms | {p99:.2f} ms | {rate:,.0f}/s |"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--size", type=int, default=20_000, help="bytes per batch file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path.home()) as scratch:
        base = Path(scratch)
        rows = [
            _summary(
                "blob put, rename only", await blob_writes(base / "a", args.count, args.size, False)
            ),
            _summary(
                "blob put, fsynced", await blob_writes(base / "b", args.count, args.size, True)
            ),
            _summary("SQLite commit, NORMAL", sqlite_commits(base / "n.db", args.count, "NORMAL")),
            _summary("SQLite commit, FULL", sqlite_commits(base / "f.db", args.count, "FULL")),
        ]
    print(f"{args.count} writes of each kind, {args.size} B batch files, under {Path.home()}")
    print("| write | p50 | p99 | sequential rate |")
    print("|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    asyncio.run(main())
