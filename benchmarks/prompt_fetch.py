"""Load test: cached ``GET /api/public/v2/prompts/{name}`` against a real ``spyglass serve``.

Starts an embedded server in a temporary data directory with bootstrap keys, creates a
prompt, warms the cache, then runs closed-loop clients for a fixed time and reports
requests per second and latency percentiles. Client and server share this machine's
cores, so the numbers are a floor for the server alone.

    uv run python benchmarks/prompt_fetch.py --seconds 20 --concurrency 32 --processes 2
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PUBLIC, SECRET = "pk-lf-bench", "sk-lf-bench"
Result = tuple[list[float], int]
AUTH = "Basic " + base64.b64encode(f"{PUBLIC}:{SECRET}".encode()).decode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_server(data_dir: str, port: int) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        SPYGLASS_DATA_DIR=data_dir,
        SPYGLASS_INIT_PROJECT_PUBLIC_KEY=PUBLIC,
        SPYGLASS_INIT_PROJECT_SECRET_KEY=SECRET,
        SPYGLASS_LOG_LEVEL="warning",
    )
    spyglass = Path(sys.executable).parent / "spyglass"
    return subprocess.Popen(
        [str(spyglass), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


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


async def _worker(url: str, stop_at: float, latencies: list[float]) -> int:
    errors = 0
    async with httpx.AsyncClient(headers={"Authorization": AUTH}, timeout=10) as client:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            response = await client.get(url)
            latencies.append(time.perf_counter() - started)
            errors += response.status_code != 200
    return errors


def _client_process(
    url: str, seconds: float, concurrency: int, queue: multiprocessing.Queue[Result]
) -> None:
    async def run() -> tuple[list[float], int]:
        latencies: list[float] = []
        stop_at = time.perf_counter() + seconds
        errors = await asyncio.gather(
            *(_worker(url, stop_at, latencies) for _ in range(concurrency))
        )
        return latencies, sum(errors)

    queue.put(asyncio.run(run()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--concurrency", type=int, default=32, help="connections per client process"
    )
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    args = parser.parse_args()

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data_dir:
        server = _start_server(data_dir, port)
        try:
            _wait_ready(base)
            headers = {"Authorization": AUTH}
            created = httpx.post(
                f"{base}/api/public/v2/prompts",
                json={"name": "bench/greet", "prompt": "Hello {{name}}", "labels": ["production"]},
                headers=headers,
            )
            created.raise_for_status()
            url = f"{base}/api/public/v2/prompts/bench%2Fgreet"
            for _ in range(50):  # warm the cache and the connection path
                httpx.get(url, headers=headers).raise_for_status()

            queue: multiprocessing.Queue[Result] = multiprocessing.Queue()
            clients = [
                multiprocessing.Process(
                    target=_client_process, args=(url, args.seconds, args.concurrency, queue)
                )
                for _ in range(args.processes)
            ]
            for client in clients:
                client.start()
            results = [queue.get() for _ in clients]
            for client in clients:
                client.join()
        finally:
            server.terminate()
            server.wait(timeout=30)

    latencies = sorted(lat for lats, _ in results for lat in lats)
    errors = sum(err for _, err in results)
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"requests     {len(latencies)} in {args.seconds:.0f} s ({errors} non-200)")
    print(f"throughput   {len(latencies) / args.seconds:,.0f} req/s")
    print(f"latency p50  {quantiles[49] * 1000:.2f} ms")
    print(f"latency p99  {quantiles[98] * 1000:.2f} ms")
    print(f"clients      {args.processes} processes x {args.concurrency} connections")


if __name__ == "__main__":
    main()
