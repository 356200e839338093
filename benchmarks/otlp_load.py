"""OTLP load generator: LLM-like spans into ``spyglass serve``, measured end to end.

Sends ``POST /api/public/otel/v1/traces`` the way the Langfuse v5 SDK does (gzip
protobuf, Basic auth, ``langfuse.*`` attributes): about 2 KB per span (``--io-chars``
sets the input plus output text per span; 1,585 gives the 2.35 KB of "Performance at
scale"), 10 spans per trace, a third of them generations with a model and usage;
``--no-gzip`` sends uncompressed protobuf. Two measurements:

``throughput``
    Offer ``--rate`` spans/s (0 = as fast as ``--concurrency`` allows) for
    ``--duration`` seconds, then wait until every accepted span is queryable. Reports
    the accepted rate and the end-to-end rate: accepted spans divided by the time from
    the first request until the last span could be read back, and how long requests
    took to be answered (accepted or refused with 429). ``--prompt-poll`` fetches a
    cached prompt every that many seconds meanwhile (from a process of its own) and
    reports those fetches' latency.

``latency``
    Offer a fixed ``--rate`` (default 1,000 spans/s). ``--markers-per-second`` times a
    second (default once) one trace of the outgoing request is a marker; a poller reads
    ``/api/public/v2/observations?traceId=`` until all its spans are there. Reports
    ingest-to-queryable delay percentiles, measured from the moment the request was
    sent (so it includes the request itself).

By default a fresh ``spyglass serve`` is started in a temporary data directory (the
console script next to ``sys.executable``, embedded mode). ``--url`` targets a running
server instead (with ``--public-key``/``--secret-key``).

    uv run python benchmarks/otlp_load.py throughput --rate 0 --duration 30
    uv run python benchmarks/otlp_load.py latency --rate 1000 --duration 60
    uv run python benchmarks/otlp_load.py throughput --batch-size 200 --io-chars 1585 \
        --no-gzip --concurrency 16 --prompt-poll 0.02
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from otlp_payload import (
    HEADERS,
    OTLP_PATH,
    SPANS_PER_TRACE,
    Request,
    build_requests,
)
from prompt_poller import PromptPoller  # sibling scripts, not a package

PUBLIC, SECRET = "pk-lf-bench", "sk-lf-bench"


# --------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if the server has not exited 30 s later."""
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=30)


@contextmanager
def local_server(extra_env: dict[str, str]) -> Iterator[str]:
    """A fresh embedded ``spyglass serve`` in a temporary data directory; its base URL."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="spyglass-otlp-bench-") as data_dir:
        env = dict(
            os.environ,
            SPYGLASS_DATA_DIR=data_dir,
            SPYGLASS_INIT_PROJECT_PUBLIC_KEY=PUBLIC,
            SPYGLASS_INIT_PROJECT_SECRET_KEY=SECRET,
            SPYGLASS_LOG_LEVEL="warning",
            **extra_env,
        )
        spyglass = Path(sys.executable).parent / "spyglass"
        log_path = Path(data_dir) / "server.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                [str(spyglass), "serve", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base)
            print(f"server       pid {server.pid}, {base}, data {data_dir}", flush=True)
            yield base
        finally:
            stop_server(server)
            errors = [
                line
                for line in log_path.read_text(errors="replace").splitlines()
                if "Traceback" in line or "ERROR" in line
            ]
            if errors:
                print(f"server log has {len(errors)} error lines, first: {errors[0]}")


def _wait_ready(base: str, deadline_s: float = 60) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/public/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become ready")


# --------------------------------------------------------------------------- sending


@dataclass
class SendStats:
    accepted_spans: int = 0
    accepted_requests: int = 0
    refused: int = 0  # 429/503 answers (retried)
    failed: int = 0  # other answers or transport errors (not retried)
    statuses: dict[int, int] = field(default_factory=dict)
    request_seconds: list[float] = field(default_factory=list)
    answer_seconds: list[float] = field(default_factory=list)  # every answer, 429s too
    first_sent: float = 0.0
    last_acked: float = 0.0


async def _post(
    client: httpx.AsyncClient, request: Request, stats: SendStats, deadline: float
) -> bool:
    """Post until accepted, honouring Retry-After on 429/503 like the SDK's exporter."""
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        try:
            headers = {**HEADERS, "Content-Encoding": "gzip"} if request.gzipped else HEADERS
            response = await client.post(OTLP_PATH, content=request.body, headers=headers)
        except httpx.HTTPError:
            stats.failed += 1
            return False
        stats.answer_seconds.append(time.perf_counter() - started)
        stats.statuses[response.status_code] = stats.statuses.get(response.status_code, 0) + 1
        if response.status_code == 200:
            stats.request_seconds.append(time.perf_counter() - started)
            stats.accepted_spans += request.spans
            stats.accepted_requests += 1
            stats.last_acked = time.perf_counter()
            return True
        if response.status_code in (429, 503):
            stats.refused += 1
            await asyncio.sleep(float(response.headers.get("retry-after", "1") or 1))
            continue
        stats.failed += 1
        return False
    return False


async def send_all(
    client: httpx.AsyncClient,
    requests: list[Request],
    *,
    rate: float,
    concurrency: int,
    on_send: Callable[[int, Request], None] | None = None,
) -> SendStats:
    """Send ``requests`` paced at ``rate`` spans/s (0: unpaced) with bounded concurrency."""
    stats = SendStats()
    slots = asyncio.Semaphore(concurrency)
    tasks: set[asyncio.Task[bool]] = set()
    start = time.perf_counter()
    stats.first_sent = start
    sent_spans = 0
    deadline = start + 3600
    for index, request in enumerate(requests):
        if rate > 0:
            due = start + sent_spans / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        await slots.acquire()
        if on_send is not None:
            on_send(index, request)
        task = asyncio.create_task(_post(client, request, stats, deadline))
        task.add_done_callback(lambda _task: slots.release())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        sent_spans += request.spans
    if tasks:
        await asyncio.gather(*tasks)
    return stats


async def observation_count(client: httpx.AsyncClient) -> int:
    response = await client.get("/api/public/observations", params={"limit": 1})
    response.raise_for_status()
    return int(response.json()["meta"]["totalItems"])


# --------------------------------------------------------------------------- modes


def _client(base: str, args: argparse.Namespace) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base,
        auth=(args.public_key, args.secret_key),
        timeout=60,
        limits=httpx.Limits(max_connections=args.concurrency + 8),
    )


def _pct(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _prompt_summary(poller: PromptPoller) -> dict[str, Any]:
    values = poller.seconds
    return {
        "prompt_fetches": len(values),
        "prompt_failures": poller.failures,
        "prompt_p50_ms": round(_pct(values, 50) * 1000, 1) if values else None,
        "prompt_p99_ms": round(_pct(values, 99) * 1000, 1) if values else None,
        "prompt_max_ms": round(max(values) * 1000, 1) if values else None,
    }


def _request_count(args: argparse.Namespace) -> int:
    rate = float(args.rate if args.rate > 0 else args.max_rate)
    return max(1, round(rate * float(args.duration) / int(args.batch_size)))


async def run_throughput(
    base: str, args: argparse.Namespace, requests: list[Request]
) -> dict[str, Any]:
    poller = PromptPoller(args.prompt_poll) if args.prompt_poll > 0 else None
    async with _client(base, args) as client:
        before = await observation_count(client)
        if poller is not None:
            await poller.prepare(client)
            await asyncio.to_thread(poller.start, base, (args.public_key, args.secret_key))
        stats = await send_all(client, requests, rate=args.rate, concurrency=args.concurrency)
        if poller is not None:
            await poller.stop()
        send_seconds = stats.last_acked - stats.first_sent
        target = before + stats.accepted_spans
        deadline = time.perf_counter() + args.drain_timeout
        count = before
        while time.perf_counter() < deadline:
            count = await observation_count(client)
            if count >= target:
                break
            await asyncio.sleep(0.25)
        queryable_at = time.perf_counter()
    stored = count - before
    e2e_seconds = queryable_at - stats.first_sent
    return {
        "mode": "throughput",
        "offered_rate": args.rate,
        "batch_size": args.batch_size,
        "concurrency": args.concurrency,
        "requests": len(requests),
        "accepted_spans": stats.accepted_spans,
        "stored_spans": stored,
        "statuses": stats.statuses,
        "refused_429_503": stats.refused,
        "failed": stats.failed,
        "send_seconds": round(send_seconds, 2),
        "accepted_rate": round(stats.accepted_spans / send_seconds, 1),
        "drain_seconds_after_send": round(queryable_at - stats.last_acked, 2),
        "end_to_end_seconds": round(e2e_seconds, 2),
        "end_to_end_rate": round(stored / e2e_seconds, 1),
        "all_queryable": stored >= stats.accepted_spans,
        "request_p50_ms": round(_pct(stats.request_seconds, 50) * 1000, 1),
        "request_p99_ms": round(_pct(stats.request_seconds, 99) * 1000, 1),
        "answer_p50_ms": round(_pct(stats.answer_seconds, 50) * 1000, 1),
        "answer_p99_ms": round(_pct(stats.answer_seconds, 99) * 1000, 1),
        "answer_max_ms": round(max(stats.answer_seconds) * 1000, 1),
        **(_prompt_summary(poller) if poller is not None else {}),
    }


async def _watch_marker(
    client: httpx.AsyncClient, trace_id: str, sent_at: float, poll_s: float, out: list[float]
) -> None:
    deadline = sent_at + 60
    params: dict[str, str | int] = {"traceId": trace_id, "fields": "core", "limit": 100}
    while time.perf_counter() < deadline:
        response = await client.get("/api/public/v2/observations", params=params)
        if response.status_code == 200 and len(response.json()["data"]) >= SPANS_PER_TRACE:
            out.append(time.perf_counter() - sent_at)
            return
        await asyncio.sleep(poll_s)
    out.append(float("inf"))


async def run_latency(
    base: str, args: argparse.Namespace, requests: list[Request]
) -> dict[str, Any]:
    delays: list[float] = []
    watchers: list[asyncio.Task[None]] = []
    requests_per_second = args.rate / args.batch_size
    marker_every = max(1, round(requests_per_second / args.markers_per_second))
    async with _client(base, args) as client, _client(base, args) as reader:

        def on_send(index: int, request: Request) -> None:
            if index % marker_every == 0:
                watchers.append(
                    asyncio.create_task(
                        _watch_marker(
                            reader,
                            request.trace_ids[-1],
                            time.perf_counter(),
                            args.poll_interval,
                            delays,
                        )
                    )
                )

        stats = await send_all(
            client, requests, rate=args.rate, concurrency=args.concurrency, on_send=on_send
        )
        await asyncio.gather(*watchers)
    send_seconds = stats.last_acked - stats.first_sent
    finite = sorted(delay for delay in delays if delay != float("inf"))
    return {
        "mode": "latency",
        "offered_rate": args.rate,
        "accepted_rate": round(stats.accepted_spans / send_seconds, 1),
        "batch_size": args.batch_size,
        "concurrency": args.concurrency,
        "statuses": stats.statuses,
        "refused_429_503": stats.refused,
        "failed": stats.failed,
        "markers": len(delays),
        "markers_never_seen": len(delays) - len(finite),
        "latency_p50_ms": round(_pct(finite, 50) * 1000, 1) if finite else None,
        "latency_p95_ms": round(_pct(finite, 95) * 1000, 1) if finite else None,
        "latency_p99_ms": round(_pct(finite, 99) * 1000, 1) if finite else None,
        "latency_max_ms": round(finite[-1] * 1000, 1) if finite else None,
        "request_p50_ms": round(_pct(stats.request_seconds, 50) * 1000, 1),
        "request_p99_ms": round(_pct(stats.request_seconds, 99) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("mode", choices=("throughput", "latency"))
    parser.add_argument(
        "--rate", type=float, default=None, help="offered spans/s; 0 = unpaced (throughput)"
    )
    parser.add_argument("--duration", type=float, default=30, help="seconds of sending")
    parser.add_argument("--batch-size", type=int, default=100, help="spans per request")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight")
    parser.add_argument(
        "--max-rate",
        type=float,
        default=4000,
        help="with --rate 0: spans/s used only to size the prepared load (rate x duration)",
    )
    parser.add_argument(
        "--markers-per-second", type=float, default=1, help="latency: marker traces per second"
    )
    parser.add_argument("--poll-interval", type=float, default=0.05, help="marker poll, s")
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--url", help="a running server instead of a fresh local one")
    parser.add_argument("--public-key", default=PUBLIC)
    parser.add_argument("--secret-key", default=SECRET)
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the local server (repeatable)",
    )
    parser.add_argument(
        "--io-chars",
        type=int,
        default=1300,
        help="input + output characters per span (1300: about 2 KB a span, 1585: 2.35 KB)",
    )
    parser.add_argument("--no-gzip", action="store_true", help="send uncompressed protobuf bodies")
    parser.add_argument(
        "--prompt-poll",
        type=float,
        default=0,
        metavar="SECONDS",
        help="throughput: fetch a cached prompt this often during the run (0: never)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the result as JSON only")
    args = parser.parse_args()
    if args.rate is None:
        args.rate = 0.0 if args.mode == "throughput" else 1000.0
    if args.mode == "latency" and args.rate <= 0:
        parser.error("latency mode needs a fixed --rate")

    count = _request_count(args)
    prepared = time.perf_counter()
    requests = build_requests(
        count, args.batch_size, args.seed, io_chars=args.io_chars, gzipped=not args.no_gzip
    )
    raw = sum(request.raw_bytes for request in requests)
    spans = sum(request.spans for request in requests)
    if not args.json:
        print(
            f"prepared     {count} requests, {spans} spans, "
            f"{raw / spans:,.0f} B/span raw, "
            f"{sum(len(r.body) for r in requests) / count / 1024:,.0f} KiB/request "
            f"{'raw' if args.no_gzip else 'gzip'} "
            f"in {time.perf_counter() - prepared:.1f} s",
            flush=True,
        )

    run = run_throughput if args.mode == "throughput" else run_latency
    if args.url:
        result = asyncio.run(run(args.url.rstrip("/"), args, requests))
    else:
        extra = dict(item.split("=", 1) for item in args.server_env)
        with local_server(extra) as base:
            result = asyncio.run(run(base, args, requests))
    result["bytes_per_span"] = round(raw / spans)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:26} {value}")


if __name__ == "__main__":
    main()
