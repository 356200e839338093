"""How fast the web UI's traces table answers on embedded chDB, by page and by order.

Loads ``--traces`` traces with ``--observations`` observations each (and a score for
every fifth trace) straight into a ``ClickHouseAnalyticsStore`` on a fresh chDB
directory, through the store's upserts, then times ``find_trace_rows`` (the query behind
``GET /api/internal/projects/{id}/traces``) and the other list reads, ``--runs`` times
each, and prints p50/p95:

- the first page and the 20th page (reached by following cursors) in the default order
  (timestamp desc): the keyset scan, whose cost must not grow with the page number;
- the first page with a level filter, and the first page ordered by cost and by name
  (these sort every matching trace);
- the filter options (all time and the last 7 days) and the first users page;
- for comparison, the public API's offset page 20 (deduplicates and counts every trace).

Usage: ``uv run python benchmarks/ui_traces_list.py [--traces 100000] [--observations 10]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from spyglass_core.domain.tracing import (
    Observation,
    ObservationLevel,
    ObservationType,
    Score,
    ScoreDataType,
    Trace,
)
from spyglass_tracing.domain.queries import TraceQuery
from spyglass_tracing.domain.ui_lists import TraceListQuery, UserQuery
from spyglass_tracing.storage.clickhouse import ClickHouseAnalyticsStore

PROJECT = "bench"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=30)
"""The traces' timestamps spread evenly over this much time."""
MODELS = ("gpt-4o", "gpt-4o-mini", "claude-sonnet", "llama-3", "mistral-large")


def _trace(i: int, total: int) -> Trace:
    return Trace(
        id=f"trace-{i:08d}",
        project_id=PROJECT,
        timestamp=T0 + SPAN * (i / total),
        name=f"pipeline-{i % 20}",
        user_id=f"user-{i % 1000}",
        session_id=f"session-{i % 10_000}",
        environment="production" if i % 10 else "staging",
        tags=["bench", f"tier-{i % 3}"],
        release="1.0.0",
        input='{"messages": [{"role": "user", "content": "' + "q" * 400 + '"}]}',
        output='{"content": "' + "a" * 400 + '"}',
    )


def _observations(trace: Trace, i: int, per_trace: int) -> Iterator[Observation]:
    for n in range(per_trace):
        start = trace.timestamp + timedelta(milliseconds=100 * n)
        generation = n % 2 == 1
        level = ObservationLevel.DEFAULT
        if n == 0 and i % 100 == 0:
            level = ObservationLevel.ERROR
        elif n == 1 and i % 50 == 0:
            level = ObservationLevel.WARNING
        yield Observation(
            id=f"obs-{i:08d}-{n:02d}",
            trace_id=trace.id,
            project_id=PROJECT,
            type=ObservationType.GENERATION if generation else ObservationType.SPAN,
            start_time=start,
            end_time=start + timedelta(milliseconds=50 + (i * 7 + n) % 900),
            name=f"step-{n}",
            level=level,
            provided_model_name=MODELS[(i + n) % len(MODELS)] if generation else None,
            usage_details={"input": 100 + n, "output": 20 + n, "total": 120 + 2 * n}
            if generation
            else {},
            total_cost=0.0001 * ((i + n) % 37) if generation else None,
            input='{"prompt": "' + "p" * 200 + '"}',
        )


def _score(trace: Trace, i: int) -> Score:
    return Score(
        id=f"score-{i:08d}",
        project_id=PROJECT,
        timestamp=trace.timestamp,
        name="quality",
        value=(i % 10) / 10,
        data_type=ScoreDataType.NUMERIC,
        trace_id=trace.id,
    )


async def load(store: ClickHouseAnalyticsStore, total: int, per_trace: int, batch: int) -> None:
    """Upsert the data set in batches of ``batch`` traces (one insert per table each)."""
    started = time.perf_counter()
    for first in range(0, total, batch):
        traces = [_trace(i, total) for i in range(first, min(first + batch, total))]
        observations = [
            obs
            for offset, trace in enumerate(traces)
            for obs in _observations(trace, first + offset, per_trace)
        ]
        scores = [_score(t, first + o) for o, t in enumerate(traces) if (first + o) % 5 == 0]
        await store.upsert_traces(traces)
        await store.upsert_observations(observations)
        await store.upsert_scores(scores)
        done = first + len(traces)
        print(f"  loaded {done:,} traces ({time.perf_counter() - started:.0f} s)", flush=True)


async def timed(call: Callable[[], Awaitable[Any]], runs: int) -> tuple[float, float]:
    """(p50, p95) in milliseconds of ``runs`` calls, after one warm-up call."""
    await call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


async def main(args: argparse.Namespace) -> None:
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="spyglass-bench-ui-")
    store = await ClickHouseAnalyticsStore.open(f"chdb://{data_dir}", "bench_ui")
    print(f"chDB in {data_dir}: {args.traces:,} traces x {args.observations} observations")
    if args.no_load:
        print("  (reusing the data already in --data-dir)")
    else:
        await load(store, args.traces, args.observations, args.batch)

    limit = args.page_size
    first = TraceListQuery(limit=limit)
    after = None
    for _ in range(19):  # follow the cursors to the 20th page
        page = await store.find_trace_rows(PROJECT, msgspec.structs.replace(first, after=after))
        after = page.next_after
    twentieth = msgspec.structs.replace(first, after=after)
    week = (T0 + SPAN - timedelta(days=7), T0 + SPAN)
    cases: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
        ("traces page 1 (timestamp desc)", lambda: store.find_trace_rows(PROJECT, first)),
        ("traces page 20 (timestamp desc)", lambda: store.find_trace_rows(PROJECT, twentieth)),
        (
            "traces page 1, level=ERROR",
            lambda: store.find_trace_rows(
                PROJECT, TraceListQuery(limit=limit, levels=[ObservationLevel.ERROR])
            ),
        ),
        (
            "traces page 1, orderBy=totalCost",
            lambda: store.find_trace_rows(
                PROJECT, TraceListQuery(limit=limit, order_by="totalCost")
            ),
        ),
        (
            "traces page 1, orderBy=name",
            lambda: store.find_trace_rows(PROJECT, TraceListQuery(limit=limit, order_by="name")),
        ),
        ("filter options (all time)", lambda: store.trace_filter_options(PROJECT, None, None)),
        ("filter options (last 7 days)", lambda: store.trace_filter_options(PROJECT, *week)),
        ("users page 1", lambda: store.find_users(PROJECT, UserQuery(limit=limit))),
        (
            "for comparison: public API find_traces page 20 (offset, with total)",
            lambda: store.find_traces(PROJECT, TraceQuery(limit=limit, offset=19 * limit)),
        ),
    ]
    rows = []
    for label, call in cases:
        p50, p95 = await timed(call, args.runs)
        rows.append((label, p50, p95))
        print(f"  {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
    await store.close()

    print(f"\n| read ({args.traces:,} traces, {args.runs} runs, {limit} rows) | p50 | p95 |")
    print("|---|---|---|")
    for label, p50, p95 in rows:
        print(f"| {label} | {p50:.1f} ms | {p95:.1f} ms |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=100_000)
    parser.add_argument("--observations", type=int, default=10, help="per trace")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--batch", type=int, default=5_000, help="traces per insert")
    parser.add_argument("--data-dir", help="chDB directory (default: a new temporary one)")
    parser.add_argument(
        "--no-load", action="store_true", help="time the data a previous run left in --data-dir"
    )
    asyncio.run(main(parser.parse_args()))
