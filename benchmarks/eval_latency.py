"""Does online evaluation slow ingestion? Ingest-to-queryable latency with and without a rule.

For each variant a fresh embedded ``spyglass serve`` (temporary data directory, 127.0.0.1,
stopped at the end) gets the same LLM connection and LLM-as-a-judge evaluator, pointed
at the fake OpenAI-compatible provider of ``tests/support/fake_llm.py`` (run by this
script on 127.0.0.1), which sleeps ``--judge-seconds`` (5 s) before every answer. Then
``--traces`` traces named ``qa`` are sent at a steady ``--rate``, one
``POST /api/public/ingestion`` batch each (a trace and one generation with model and
usage, about 2 KB), open loop: a send is never held back by a slow answer. For every
trace a poller reads ``GET /api/public/traces/{id}`` every ``--poll`` seconds until it
answers 200; the latency runs from the moment the POST was sent.

Variants (``--variants``, in order, alternated ``--runs`` times):

- ``none``: the plugin is loaded, no rule exists.
- ``rule``: an active rule on traces named ``qa`` (sampling 1) runs the slow judge on
  every trace, so judge calls are in flight and executions queue up during the whole run.
- ``unmatched``: an active rule whose filter matches no trace (the planning alone).
- ``fast``: the ``rule`` variant with the judge answering at once (the work per
  execution without the waiting, at the rate the runner reaches).

Reports p50/p95/max of the ingest-to-queryable latency, the POST's own latency, the
server's CPU time while sending, and how many executions exist and completed by then.

    uv run python benchmarks/eval_latency.py            # --traces 200 --rate 2 --runs 1
    uv run python benchmarks/eval_latency.py --runs 2 --variants none,rule,unmatched,fast
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from otlp_load import PUBLIC, SECRET, _free_port, _wait_ready, stop_server

# The fake provider lives with the tests; this script runs from a checkout.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.fake_llm import FakeLLM, fake_llm

AUTH = (PUBLIC, SECRET)
PROVIDER_KEY = "sk-bench-judge-0123456789"
RULES = "/api/public/unstable/evaluation-rules"


@dataclass
class Variant:
    """The numbers of one run of one variant."""

    name: str
    queryable: list[float] = field(default_factory=list)
    posts: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    executions: Counter[str] = field(default_factory=Counter)
    judge_calls: int = 0
    seconds: float = 0.0
    server_cpu: float = 0.0


VARIANTS = {
    "none": "no rule",
    "rule": "active rule, slow judge",
    "unmatched": "active rule matching no trace",
    "fast": "active rule, judge answering at once",
}


@contextmanager
def embedded_server() -> Iterator[tuple[str, int]]:
    """A fresh embedded ``spyglass serve`` on 127.0.0.1 in a temporary data directory,
    stopped on exit; its base URL and process id."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="spyglass-eval-bench-") as data_dir:
        env = dict(
            os.environ,
            SPYGLASS_DATA_DIR=data_dir,
            SPYGLASS_INIT_PROJECT_PUBLIC_KEY=PUBLIC,
            SPYGLASS_INIT_PROJECT_SECRET_KEY=SECRET,
            SPYGLASS_LOG_LEVEL="warning",
        )
        spyglass = Path(sys.executable).parent / "spyglass"
        log_path = Path(data_dir) / "server.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                [str(spyglass), "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base)
            print(f"server pid {server.pid}, {base}", flush=True)
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


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def trace_batch(trace_id: str, n: int) -> dict[str, Any]:
    """One trace named ``qa`` with a generation, as an SDK would send it."""
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    question = f"question {n}: how do I reset my password? " * 8
    answer = f"answer {n}: open the settings page and choose 'reset password'. " * 8
    return {
        "batch": [
            {
                "id": uuid.uuid4().hex,
                "type": "trace-create",
                "timestamp": now,
                "body": {
                    "id": trace_id,
                    "name": "qa",
                    "timestamp": now,
                    "input": question,
                    "output": answer,
                    "userId": f"user-{n % 17}",
                    "metadata": {"n": n},
                },
            },
            {
                "id": uuid.uuid4().hex,
                "type": "generation-create",
                "timestamp": now,
                "body": {
                    "id": f"{trace_id}-gen",
                    "traceId": trace_id,
                    "name": "answer",
                    "startTime": now,
                    "endTime": now,
                    "model": "gpt-4o-mini",
                    "input": [{"role": "user", "content": question}],
                    "output": {"role": "assistant", "content": answer},
                    "usageDetails": {"input": 120, "output": 80},
                },
            },
        ]
    }


async def setup(client: httpx.AsyncClient, provider: FakeLLM, variant: str) -> str | None:
    """The connection and the judge, and the variant's rule; the rule's id, if any."""

    async def call(method: str, path: str, expected: int, body: dict[str, Any]) -> Any:
        response = await client.request(method, path, json=body)
        if response.status_code != expected:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
        return response.json()

    await call(
        "PUT",
        "/api/public/llm-connections",
        200,
        {
            "provider": "fake",
            "adapter": "openai",
            "secretKey": PROVIDER_KEY,
            "baseURL": provider.base_url,
        },
    )
    evaluator = await call(
        "POST",
        "/api/public/unstable/evaluators",
        201,
        {
            "name": "helpfulness",
            "prompt": "Question: {{question}}\nAnswer: {{answer}}\nHow helpful is it?",
            "outputDefinition": {"dataType": "NUMERIC", "minValue": 0, "maxValue": 1},
            "modelConfig": {"provider": "fake", "model": "judge-model"},
            "variableMapping": [
                {"variable": "question", "source": "input"},
                {"variable": "answer", "source": "output"},
            ],
        },
    )
    if variant == "none":
        return None
    name = "nothing" if variant == "unmatched" else "qa"
    filters = [{"type": "stringOptions", "column": "name", "operator": "any of", "value": [name]}]
    rule = await call(
        "POST",
        RULES,
        201,
        {
            "name": "qa helpfulness",
            "enabled": True,
            "target": "trace",
            "sampling": 1,
            "filter": filters,
            "evaluatorAssignments": [{"evaluatorId": evaluator["id"]}],
        },
    )
    return str(rule["id"])


async def send_one(
    client: httpx.AsyncClient, n: int, poll: float, result: Variant, give_up: float
) -> None:
    trace_id = f"bench-{uuid.uuid4().hex}"
    body = trace_batch(trace_id, n)
    sent = time.perf_counter()
    try:
        response = await client.post("/api/public/ingestion", json=body)
    except httpx.HTTPError as error:
        result.failures[f"POST {type(error).__name__}"] += 1
        return
    result.posts.append(time.perf_counter() - sent)
    if response.status_code != 207 or response.json().get("errors"):
        result.failures[f"POST {response.status_code}"] += 1
        return
    while time.perf_counter() - sent < give_up:
        try:
            found = await client.get(f"/api/public/traces/{trace_id}")
        except httpx.HTTPError as error:
            result.failures[f"GET {type(error).__name__}"] += 1
            found = None
        if found is not None and found.status_code == 200:
            result.queryable.append(time.perf_counter() - sent)
            return
        await asyncio.sleep(poll)
    result.failures["not queryable in time"] += 1


async def executions(client: httpx.AsyncClient, rule_id: str) -> Counter[str]:
    """The rule's executions by status."""
    statuses: Counter[str] = Counter()
    cursor: str | None = None
    while True:
        params = {"limit": "100"} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"{RULES}/{rule_id}/executions", params=params)).json()
        statuses.update(row["status"] for row in page["data"])
        cursor = page["meta"].get("cursor")
        if not cursor:
            return statuses


async def run_variant(
    base: str, pid: int, provider: FakeLLM, args: argparse.Namespace, variant: str
) -> Variant:
    result = Variant(VARIANTS[variant])
    provider.delay_seconds = 0.0 if variant == "fast" else args.judge_seconds
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, auth=AUTH, timeout=30, limits=limits) as client:
        rule_id = await setup(client, provider, variant)
        calls_before = len(provider.requests)
        cpu_before = cpu_seconds(pid)
        started = time.perf_counter()
        tasks: list[asyncio.Task[None]] = []
        for n in range(args.traces):
            # Open loop: each send starts on its own schedule, whatever the others do.
            delay = started + n / args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send_one(client, n, args.poll, result, args.give_up)))
        await asyncio.gather(*tasks)
        result.seconds = time.perf_counter() - started
        result.server_cpu = cpu_seconds(pid) - cpu_before
        result.judge_calls = len(provider.requests) - calls_before
        if rule_id is not None:
            result.executions = await executions(client, rule_id)
    return result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def report(result: Variant, args: argparse.Namespace) -> None:
    lat, posts = result.queryable, result.posts
    print(f"{result.name}: {len(lat)}/{args.traces} traces queryable in {result.seconds:.1f} s")
    if lat:
        print(
            f"  ingest-to-queryable  p50 {ms(statistics.median(lat))}"
            f"  p95 {ms(percentile(lat, 0.95))}  max {ms(max(lat))}"
        )
    if posts:
        print(
            f"  POST /ingestion      p50 {ms(statistics.median(posts))}"
            f"  p95 {ms(percentile(posts, 0.95))}  max {ms(max(posts))}"
        )
    print(f"  server CPU while sending: {result.server_cpu:.1f} s")
    if result.executions:
        print(
            f"  executions at the end: {dict(result.executions)};"
            f" judge calls started: {result.judge_calls}"
        )
    if result.failures:
        print(f"  failures: {dict(result.failures)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--traces", type=int, default=200, help="traces per variant")
    parser.add_argument("--rate", type=float, default=2.0, help="traces sent per second")
    parser.add_argument("--poll", type=float, default=0.05, help="seconds between reads")
    parser.add_argument("--judge-seconds", type=float, default=5.0, help="provider delay")
    parser.add_argument("--give-up", type=float, default=60.0, help="seconds to wait per trace")
    parser.add_argument("--runs", type=int, default=1, help="alternate the variants this often")
    parser.add_argument(
        "--variants",
        default="none,rule",
        help="comma-separated, in order: " + ", ".join(f"{k} ({v})" for k, v in VARIANTS.items()),
    )
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants: {', '.join(unknown)}")
    print(
        f"{args.traces} traces at {args.rate}/s per variant, reads every {ms(args.poll)},"
        f" judge sleeping {args.judge_seconds} s per call"
    )
    with fake_llm(expected_key=PROVIDER_KEY) as provider:
        for run in range(args.runs):
            for variant in variants:
                with embedded_server() as (base, pid):
                    result = asyncio.run(run_variant(base, pid, provider, args, variant))
                print(f"run {run + 1}, ", end="")
                report(result, args)


if __name__ == "__main__":
    main()
