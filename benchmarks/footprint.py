"""Memory footprint of ``spyglass serve``: idle, after N spans, after typical reads.

Starts a fresh embedded ``spyglass serve`` (SQLite + chDB + local blobs, default settings,
``SPYGLASS_LOG_LEVEL=warning``) in a temporary data directory on a free 127.0.0.1 port,
and reads ``/proc/<pid>/status`` of the server and of every process below it (the OTLP
decoding pool is a child process) at these points:

``started``     health answers
``warm``        after a few requests (an OTLP export of 10 spans, a trace and an
                observation list)
``ingested``    N spans sent through OTLP (Langfuse-SDK-like, ~2 KB each, see
                ``otlp_load.py``) and all of them counted by ``GET /api/public/observations``
``settled``     ``--settle`` seconds later (background merges done)
``read``        right after typical reads: trace, observation (v1, v2) and session lists,
                three traces, daily metrics; three rounds
``read_idle``   ``--settle`` seconds later (chDB's allocator has returned query memory)
``warm_quiet``, ``quiet``  ``--quiet`` seconds after ``warm`` and after ``read_idle``,
                with no request in between: once the server's quiet spell has let it
                give memory back (``SPYGLASS_RELEASE_ENGINE_CODE_QUIET_SECONDS``, 60 by
                default); ``--quiet 0`` skips them

Each row gives the server's RSS (split into anonymous and file-backed pages: chDB's
shared library text is file-backed), its peak RSS (VmHWM), and the total RSS of the server
and its children. The highest total seen while ingesting (sampled every second) is
reported too.

    uv run python benchmarks/footprint.py --spans 200000
    uv run python benchmarks/footprint.py --spans 1000000 --json
    uv run python benchmarks/footprint.py --spans 0            # idle only
    uv run python benchmarks/footprint.py --server-env SPYGLASS_CHDB_MARK_CACHE_SIZE=...
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from otlp_load import (  # sibling scripts, not a package
    PUBLIC,
    SECRET,
    _free_port,
    _wait_ready,
    observation_count,
    send_all,
    stop_server,
)
from otlp_payload import HEADERS, OTLP_PATH, Request, build_requests

MIB = 1024 * 1024
TEMPLATES = 40  # distinct prepared exports; the rest are copies with fresh ids


# --------------------------------------------------------------------------- /proc


def _status(pid: int) -> dict[str, int]:
    """The memory lines of ``/proc/<pid>/status`` in bytes (empty if the process is gone)."""
    values: dict[str, int] = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return values
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key.startswith(("Vm", "Rss")) and rest.strip().endswith("kB"):
            values[key] = int(rest.split()[0]) * 1024
    return values


def _children(pid: int) -> list[int]:
    """Every process below ``pid`` (all generations)."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                continue
            found += kids
            pending += kids
    return found


def memory(pid: int) -> dict[str, Any]:
    """RSS of the server (total, anonymous, file-backed, peak) and of its children, MiB."""
    server = _status(pid)
    kids = {child: _status(child) for child in _children(pid)}
    children_rss = sum(status.get("VmRSS", 0) for status in kids.values())
    return {
        "server_rss": round(server.get("VmRSS", 0) / MIB),
        "server_anon": round(server.get("RssAnon", 0) / MIB),
        "server_file": round(server.get("RssFile", 0) / MIB),
        "server_hwm": round(server.get("VmHWM", 0) / MIB),
        "children": len(kids),
        "children_rss": round(children_rss / MIB),
        "total_rss": round((server.get("VmRSS", 0) + children_rss) / MIB),
    }


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --------------------------------------------------------------------------- server


@contextmanager
def server_process(
    extra_env: dict[str, str], *, restart: bool = False
) -> Iterator[tuple[str, int]]:
    """A fresh embedded ``spyglass serve``: its base URL and pid (killed on exit).

    ``restart``: the data directory is first created, migrated and bootstrapped by a
    server that is stopped again; the one measured starts on it, as every start but the
    first does.
    """
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="spyglass-footprint-") as data_dir:
        env = dict(
            os.environ,
            SPYGLASS_DATA_DIR=data_dir,
            SPYGLASS_INIT_PROJECT_PUBLIC_KEY=PUBLIC,
            SPYGLASS_INIT_PROJECT_SECRET_KEY=SECRET,
            SPYGLASS_LOG_LEVEL="warning",
            **extra_env,
        )
        log_path = Path(data_dir) / "server.log"
        base = f"http://127.0.0.1:{port}"
        if restart:
            first = _start_server(env, port, log_path)
            try:
                _wait_ready(base, deadline_s=300)
            finally:
                stop_server(first)
        server = _start_server(env, port, log_path)
        try:
            _wait_ready(base, deadline_s=300)  # a loaded machine starts slowly
            yield base, server.pid
        finally:
            stop_server(server)
            errors = [
                line
                for line in log_path.read_text(errors="replace").splitlines()
                if "Traceback" in line or "ERROR" in line
            ]
            if errors:
                print(f"server log has {len(errors)} error lines, first: {errors[0]}")


def _start_server(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "spyglass"), "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


# --------------------------------------------------------------------------- load


class Exports:
    """Exports of 100 spans made from a few prepared ones by giving them fresh ids.

    Building an export from scratch costs ~25 ms; a million spans would take minutes of
    the two cores. Parsing a prepared one, swapping its trace and span ids (keeping the
    parent links) and serializing it again costs a few milliseconds.
    """

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._templates = [
            ExportTraceServiceRequest.FromString(gzip.decompress(request.body))
            for request in build_requests(TEMPLATES, 100, seed)
        ]

    def make(self, index: int) -> Request:
        message = self._templates[index % len(self._templates)]
        traces: dict[bytes, bytes] = {}
        spans: dict[bytes, bytes] = {}
        count = 0
        for resource in message.resource_spans:
            for scope in resource.scope_spans:
                for span in scope.spans:
                    span.trace_id = traces.setdefault(span.trace_id, self._rng.randbytes(16))
                    span.span_id = spans.setdefault(span.span_id, self._rng.randbytes(8))
                    if span.parent_span_id:
                        span.parent_span_id = spans.setdefault(
                            span.parent_span_id, self._rng.randbytes(8)
                        )
                    count += 1
        raw = message.SerializeToString()
        ids = [trace.hex() for trace in traces.values()]
        return Request(
            body=gzip.compress(raw, compresslevel=1),
            gzipped=True,
            trace_ids=ids,
            spans=count,
            raw_bytes=len(raw),
        )


async def ingest(
    client: httpx.AsyncClient, pid: int, spans: int, concurrency: int, seed: int
) -> dict[str, Any]:
    """Send ``spans`` in exports of 100 and wait until they are all counted; peak total RSS."""
    exports = Exports(seed)
    before = await observation_count(client)
    peak = {"total_rss": 0}
    stop = asyncio.Event()

    async def sample() -> None:
        while not stop.is_set():
            now = memory(pid)
            if now["total_rss"] > peak["total_rss"]:
                peak.update(now)
            await asyncio.sleep(1)

    sampler = asyncio.create_task(sample())
    started = time.perf_counter()
    accepted = 0
    chunk = 50
    requests_needed = (spans + 99) // 100
    for first in range(0, requests_needed, chunk):
        batch = [exports.make(i) for i in range(first, min(first + chunk, requests_needed))]
        stats = await send_all(client, batch, rate=0, concurrency=concurrency)
        accepted += stats.accepted_spans
        if stats.failed:
            raise SystemExit(f"{stats.failed} exports failed: {stats.statuses}")
        if (first // chunk) % 20 == 0:
            print(
                f"  sent {accepted:>9,} spans  {time.perf_counter() - started:6.0f} s  "
                f"total rss {memory(pid)['total_rss']} MiB  load {load_average()}",
                flush=True,
            )
    sent_seconds = time.perf_counter() - started
    count = before
    while count < before + accepted:
        count = await observation_count(client)
        if time.perf_counter() - started > 3600:
            break
        await asyncio.sleep(1)
    stop.set()
    await sampler
    return {
        "accepted_spans": accepted,
        "stored_spans": count - before,
        "send_seconds": round(sent_seconds),
        "queryable_seconds": round(time.perf_counter() - started),
        "peak_while_ingesting": peak,
    }


async def typical_reads(client: httpx.AsyncClient) -> None:
    """What the UI and SDK read most: trace and observation lists, one trace."""
    traces = (await client.get("/api/public/traces", params={"limit": 50})).json()
    await client.get("/api/public/observations", params={"limit": 50})
    await client.get("/api/public/v2/observations", params={"limit": 50, "fields": "core"})
    await client.get("/api/public/sessions", params={"limit": 50})
    for trace in traces.get("data", [])[:3]:
        await client.get(f"/api/public/traces/{trace['id']}")
    await client.get("/api/public/metrics/daily", params={"limit": 30})


async def run(args: argparse.Namespace, base: str, pid: int) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    await asyncio.sleep(args.settle)
    rows["started"] = memory(pid) | {"load": load_average()}
    async with httpx.AsyncClient(
        base_url=base, auth=(PUBLIC, SECRET), timeout=120, limits=httpx.Limits(max_connections=16)
    ) as client:
        first = Exports(args.seed + 1).make(0)
        small = await client.post(
            OTLP_PATH, content=first.body, headers={**HEADERS, "Content-Encoding": "gzip"}
        )
        small.raise_for_status()
        await typical_reads(client)
        await asyncio.sleep(args.settle)
        rows["warm"] = memory(pid) | {"load": load_average()}
        if args.quiet:
            await asyncio.sleep(args.quiet)
            rows["warm_quiet"] = memory(pid) | {"load": load_average()}
        result: dict[str, Any] = {"spans": args.spans}
        if args.spans:
            result["ingest"] = await ingest(client, pid, args.spans, args.concurrency, args.seed)
            rows["ingested"] = memory(pid) | {"load": load_average()}
            await asyncio.sleep(args.settle)
            rows["settled"] = memory(pid) | {"load": load_average()}
            for _ in range(3):
                await typical_reads(client)
            rows["read"] = memory(pid) | {"load": load_average()}
            await asyncio.sleep(args.settle)
            rows["read_idle"] = memory(pid) | {"load": load_average()}
            if args.quiet:
                await asyncio.sleep(args.quiet)
                rows["quiet"] = memory(pid) | {"load": load_average()}
    result["rows"] = rows
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--spans", type=int, default=1_000_000, help="spans to ingest (0: idle)")
    parser.add_argument("--concurrency", type=int, default=4, help="exports in flight")
    parser.add_argument("--settle", type=float, default=10, help="seconds before idle samples")
    parser.add_argument(
        "--quiet", type=float, default=70,
        help="seconds without requests before the quiet samples (0: none)",
    )  # fmt: skip
    parser.add_argument(
        "--server-env", action="append", default=[], metavar="KEY=VALUE",
        help="extra environment for the server (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--restart", action="store_true",
        help="measure a second start (the data directory already migrated and bootstrapped)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = parser.parse_args()
    extra = dict(item.split("=", 1) for item in args.server_env)
    with server_process(extra, restart=args.restart) as (base, pid):
        result = asyncio.run(run(args, base, pid))
    result["server_env"] = extra
    result["restart"] = args.restart
    if args.json:
        print(json.dumps(result))
        return
    if "ingest" in result:
        print(json.dumps(result["ingest"]))
    columns = ("server_rss", "server_anon", "server_file", "server_hwm", "children_rss")
    print(f"{'MiB':10}" + "".join(f"{c:>14}" for c in (*columns, "total_rss")) + "  load")
    for name, row in result["rows"].items():
        cells = "".join(f"{row[c]:>14}" for c in (*columns, "total_rss"))
        print(f"{name:10}{cells}  {row['load']}")


if __name__ == "__main__":
    main()
