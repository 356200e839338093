"""Bulk dataset import at scale, and what listing a large dataset costs afterwards.

Starts ``spyglass serve`` (embedded: SQLite) in a fresh data directory, signs in as the
bootstrap user and:

1. imports a generated JSONL of ``--items`` items (small chat-style input, expected output
   and metadata) in ONE request to the internal route
   ``POST /api/internal/projects/{p}/datasets/{d}/items/import``, and reports items/s;
2. times ``--runs`` requests of ``GET /api/public/dataset-items?datasetName=…`` (Langfuse's
   numbered pages: OFFSET) for the first page and the last page (p50/p95);
3. times the keyset path: the JSONL export stream of every item (keyset pages of 1,000),
   then, with the server stopped, ``DatasetItemRepository.find`` on the same SQLite file:
   the first page, a page ``after=`` the last-but-50 item, and the same position by offset.

Usage: ``uv run python benchmarks/dataset_import.py [--items 100000] [--runs 50]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from spyglass.runtime import open_runtime
from spyglass.settings import load_settings
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_datasets.domain.datasets import ItemCursor, ItemFilter
from spyglass_datasets.ports import DatasetItemRepository, DatasetRepository

PROJECT = "bench-project"
EMAIL, PASSWORD = "bench@example.com", "bench password 1"
KEYS = ("pk-lf-bench", "sk-lf-bench")
DATASET = "bench/qa"
PAGE = 50


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPYGLASS_", "LANGFUSE_"))}
    env.update(
        SPYGLASS_DATA_DIR=str(data_dir),
        SPYGLASS_LOG_LEVEL="warning",
        SPYGLASS_INIT_PROJECT_ID=PROJECT,
        SPYGLASS_INIT_PROJECT_NAME="Bench",
        SPYGLASS_INIT_PROJECT_PUBLIC_KEY=KEYS[0],
        SPYGLASS_INIT_PROJECT_SECRET_KEY=KEYS[1],
        SPYGLASS_INIT_USER_EMAIL=EMAIL,
        SPYGLASS_INIT_USER_PASSWORD=PASSWORD,
    )
    return env


def generate(count: int) -> bytes:
    """``count`` JSONL rows of a question-answering dataset, about 300 bytes each."""
    topics = ("billing", "shipping", "returns", "accounts", "privacy")
    lines = []
    for n in range(count):
        topic = topics[n % len(topics)]
        row = {
            "input": {
                "messages": [
                    {"role": "system", "content": f"You answer {topic} questions briefly."},
                    {"role": "user", "content": f"Question {n}: how do I change my {topic}?"},
                ]
            },
            "expectedOutput": {
                "answer": f"Open settings, then {topic}, then edit ({n}).",
                "ok": True,
            },
            "metadata": {"topic": topic, "split": "test" if n % 10 == 0 else "train"},
        }
        lines.append(json.dumps(row, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def timed(runs: int, call: Callable[[], Any]) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return percentiles(samples)


async def atimed(runs: int, call: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return percentiles(samples)


def memory_mb(pid: int, field: str) -> float:
    """``VmRSS`` (resident now) or ``VmHWM`` (peak resident) of the process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def over_http(base_url: str, body: bytes, items: int, runs: int, pid: int) -> list[str]:
    rows = []
    with httpx.Client(base_url=base_url, timeout=600) as client:
        signed = client.post(
            "/api/internal/auth/sign-in", json={"email": EMAIL, "password": PASSWORD}
        )
        signed.raise_for_status()
        csrf = {"x-csrf-token": signed.json()["csrfToken"]}
        created = client.post("/api/public/v2/datasets", json={"name": DATASET}, auth=KEYS)
        created.raise_for_status()
        resident, peak = memory_mb(pid, "VmRSS"), memory_mb(pid, "VmHWM")
        items_path = f"/api/internal/projects/{PROJECT}/datasets/{created.json()['id']}/items"

        start = time.perf_counter()
        response = client.post(
            f"{items_path}/import",
            content=body,
            headers={"content-type": "application/x-ndjson", **csrf},
        )
        elapsed = time.perf_counter() - start
        response.raise_for_status()
        assert response.json() == {"imported": items}, response.text
        rows.append(f"| import, one request | {elapsed:.1f} s | {items / elapsed:,.0f} items/s |")
        rows.append(
            f"| server memory before: resident {resident:.0f} MB, peak {peak:.0f} MB "
            f"| peak after the import {memory_mb(pid, 'VmHWM'):.0f} MB | |"
        )

        last = (items + PAGE - 1) // PAGE
        for label, page in (("first", 1), ("middle", last // 2), ("last", last)):

            def listing(page: int = page) -> None:
                params = {"datasetName": DATASET, "page": page, "limit": PAGE}
                client.get("/api/public/dataset-items", params=params, auth=KEYS).raise_for_status()

            p50, p95 = timed(runs, listing)
            rows.append(
                f"| public list, {label} page (page={page}, offset {(page - 1) * PAGE:,}) "
                f"| p50 {p50:.1f} ms | p95 {p95:.1f} ms |"
            )

        start = time.perf_counter()
        first_byte = None
        lines = 0
        with client.stream("GET", f"{items_path}/export") as stream:
            for chunk in stream.iter_bytes():
                first_byte = first_byte or time.perf_counter() - start
                lines += chunk.count(b"\n")
        elapsed = time.perf_counter() - start
        assert lines == items, lines
        rows.append(
            f"| export stream (keyset pages of 1,000) | {elapsed:.1f} s, first byte "
            f"{(first_byte or 0) * 1000:.0f} ms | {items / elapsed:,.0f} items/s |"
        )
    return rows


async def keyset(data_dir: Path, runs: int) -> list[str]:
    """Repository pages on the stored data, with the server stopped (one SQLite reader)."""
    async with open_runtime(load_settings(_env(data_dir))) as runtime:
        factory = await runtime.container.get(UnitOfWorkFactory)
        async with factory() as uow:
            dataset = await uow.repository(DatasetRepository).get_by_name(PROJECT, DATASET)
            assert dataset is not None
            where = ItemFilter(dataset_id=dataset.id)
            repo = uow.repository(DatasetItemRepository)
            total = await repo.count(PROJECT, where)
            (anchor,) = await repo.find(PROJECT, where, offset=total - PAGE - 1, limit=1)
            cursor = ItemCursor(created_at=anchor.created_at, id=anchor.id)

            async def first() -> None:
                await repo.find(PROJECT, where, limit=PAGE)

            async def deep_keyset() -> None:
                assert len(await repo.find(PROJECT, where, after=cursor, limit=PAGE)) == PAGE

            async def deep_offset() -> None:
                await repo.find(PROJECT, where, offset=total - PAGE, limit=PAGE)

            async def counting() -> None:
                await repo.count(PROJECT, where)

            rows = []
            for label, call in (
                ("repository find, first page", first),
                (f"repository find, after= item {total - PAGE:,} (keyset)", deep_keyset),
                (f"repository find, offset={total - PAGE:,}", deep_offset),
                ("repository count (every public list page runs it)", counting),
            ):
                p50, p95 = await atimed(runs, call)
                rows.append(f"| {label} | p50 {p50:.1f} ms | p95 {p95:.1f} ms |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--port", type=int, default=3397)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="spyglass-bench-datasets-"))
    body = generate(args.items)
    print(f"{args.items:,} items, {len(body) / 1e6:.1f} MB of JSONL, data in {data_dir}")
    spyglass = Path(sys.executable).parent / "spyglass"
    server = subprocess.Popen(
        [str(spyglass), "serve", "--port", str(args.port)],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(f"{base_url}/api/public/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        rows = over_http(base_url, body, args.items, args.runs, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows += asyncio.run(keyset(data_dir, args.runs))
    print(f"\n| what ({args.items:,} items, {args.runs} runs each) | time | rate |")
    print("|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
