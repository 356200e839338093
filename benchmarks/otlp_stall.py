"""Does one large OTLP export stall everyone else? /health and a prompt fetch during it.

Starts a fresh ``spyglass serve`` (embedded, temporary data directory, through
``otlp_load.local_server``), creates a prompt, then posts large exports one at a time (by
default two of 20,000 small spans each, gzip protobuf, about 320 KB on the wire, like the
reported export of 20,000 spans in 176 KB that held the server for seconds; the first also
starts the decoding process) while two pollers, every ``--poll-interval`` seconds, call
``GET /api/public/health`` and ``GET /api/public/v2/prompts/{name}`` (cached after the
first call). Per export it reports:

- ``accept``: how long the export took to be answered (200 = stored durably);
- the slowest /health and prompt answers while the export was being accepted;
- the same from the answer until all of its spans were queryable: the worker applying
  the batch (in ``serve`` the worker shares the process and its event loop).

    uv run python benchmarks/otlp_stall.py --spans 20000
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span
from otlp_load import PUBLIC, SECRET, local_server, observation_count
from otlp_payload import HEADERS, OTLP_PATH, SPANS_PER_TRACE, kv

PROMPT_NAME = "bench-stall"


def build_export(spans: int, seed: int) -> bytes:
    """One gzip protobuf export of ``spans`` small spans, traces of 10, a third generations."""
    start = time.time_ns()
    otel_spans = []
    for n in range(spans):
        # Ids count up from the seed (an SDK's are random) so that they compress, as they
        # must have in the reported export (176 KB for 20,000 spans).
        trace, position = divmod(n, SPANS_PER_TRACE)
        trace_id = struct.pack(">QQ", seed, trace + 1)
        root_id = struct.pack(">HIH", seed, trace + 1, 1)
        kind = "generation" if n % 3 == 1 else "span"
        attributes = [
            kv("langfuse.observation.type", kind),
            kv("langfuse.observation.input", json.dumps({"question": n})),
        ]
        if kind == "generation":
            attributes += [
                kv("langfuse.observation.model.name", "gpt-4o"),
                kv("langfuse.observation.usage_details", '{"input": 100, "output": 20}'),
            ]
        otel_spans.append(
            Span(
                trace_id=trace_id,
                span_id=struct.pack(">HIH", seed, trace + 1, position + 1),
                parent_span_id=b"" if position == 0 else root_id,
                name=f"{kind}-{position}",
                start_time_unix_nano=start + n * 1000,
                end_time_unix_nano=start + n * 1000 + 500_000,
                attributes=attributes,
            )
        )
    scope = ScopeSpans(spans=otel_spans)
    scope.scope.name = "langfuse-sdk"
    request = ExportTraceServiceRequest(resource_spans=[ResourceSpans(scope_spans=[scope])])
    return gzip.compress(request.SerializeToString())


@dataclass
class Poller:
    """Latencies of one GET repeated every ``interval`` seconds: (sent at, seconds)."""

    path: str
    interval: float
    samples: list[tuple[float, float]] = field(default_factory=list)
    failures: int = 0

    async def run(self, client: httpx.AsyncClient, stop: asyncio.Event) -> None:
        while not stop.is_set():
            sent = time.perf_counter()
            response = await client.get(self.path)
            self.samples.append((sent, time.perf_counter() - sent))
            self.failures += response.status_code != 200
            await asyncio.sleep(max(0.0, self.interval - (time.perf_counter() - sent)))

    def worst_ms(self, since: float, until: float) -> float:
        """The slowest answer to a request sent in ``[since, until]``, in ms."""
        window = [seconds for sent, seconds in self.samples if since <= sent <= until]
        return round(max(window, default=0.0) * 1000, 1)


async def measure(
    base: str, bodies: list[bytes], spans: int, interval: float
) -> list[dict[str, Any]]:
    """Post each export in turn (the next once the previous one is queryable)."""
    auth = (PUBLIC, SECRET)
    async with (
        httpx.AsyncClient(base_url=base, auth=auth, timeout=120) as client,
        httpx.AsyncClient(base_url=base, auth=auth, timeout=120) as health_client,
        httpx.AsyncClient(base_url=base, auth=auth, timeout=120) as prompt_client,
    ):
        created = await client.post(
            "/api/public/v2/prompts",
            json={"name": PROMPT_NAME, "prompt": "Hello {{name}}", "labels": ["production"]},
        )
        created.raise_for_status()
        prompt_path = f"/api/public/v2/prompts/{PROMPT_NAME}"
        (await prompt_client.get(prompt_path)).raise_for_status()  # warm the cache
        health = Poller("/api/public/health", interval)
        prompt = Poller(prompt_path, interval)
        stop = asyncio.Event()
        pollers = [
            asyncio.create_task(health.run(health_client, stop)),
            asyncio.create_task(prompt.run(prompt_client, stop)),
        ]
        results = []
        for index, body in enumerate(bodies):
            await asyncio.sleep(0.5)  # a quiet stretch before each export
            quiet_since = time.perf_counter() - 0.5
            before = await observation_count(client)
            sent = time.perf_counter()
            response = await client.post(OTLP_PATH, content=body, headers=HEADERS)
            acked = time.perf_counter()
            while await observation_count(client) < before + spans:
                if time.perf_counter() - acked > 300:
                    raise SystemExit("the export's spans were not queryable within 300 s")
                await asyncio.sleep(0.25)
            queryable = time.perf_counter()
            results.append(
                {
                    "export": f"{index + 1} ({'pool starts' if index == 0 else 'warm'})",
                    "status": response.status_code,
                    "accept_ms": round((acked - sent) * 1000, 1),
                    "queryable_after_send_s": round(queryable - sent, 2),
                    "health_max_ms_quiet": health.worst_ms(quiet_since, sent),
                    "health_max_ms_during_accept": health.worst_ms(sent, acked),
                    "prompt_max_ms_during_accept": prompt.worst_ms(sent, acked),
                    "health_max_ms_after_accept": health.worst_ms(acked, queryable),
                    "prompt_max_ms_after_accept": prompt.worst_ms(acked, queryable),
                }
            )
        stop.set()
        await asyncio.gather(*pollers)
    if health.failures or prompt.failures:
        raise SystemExit(f"{health.failures + prompt.failures} polls did not answer 200")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--spans", type=int, default=20_000, help="spans in the export")
    parser.add_argument("--exports", type=int, default=2, help="exports posted one after the other")
    parser.add_argument("--poll-interval", type=float, default=0.05, help="seconds")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the server (repeatable)",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    bodies = [build_export(args.spans, args.seed + n) for n in range(args.exports)]
    print(
        f"exports      {args.exports} x {args.spans} spans, "
        f"{len(bodies[0]) / 1024:,.0f} KiB gzip each",
        flush=True,
    )
    extra = dict(item.split("=", 1) for item in args.server_env)
    with local_server(extra) as base:
        results = asyncio.run(measure(base, bodies, args.spans, args.poll_interval))
    for result in results:
        print()
        for key, value in result.items():
            print(f"{key:30} {value}")


if __name__ == "__main__":
    main()
