"""Time to first data in a real browser: the traces page and a 1,000-observation trace.

Builds a data directory whose embedded chDB holds ``--traces`` traces of
``--observations`` observations each (the generator of ``ui_traces_list.py``, through
the analytics store's upserts) plus one trace of ``--big`` observations in a tree, starts
``spyglass serve`` on it, signs in with Debian's chromium (Playwright) and measures, over
``--runs`` page loads each:

- traces page: from navigation to the first table row on screen;
- trace detail: from navigation to the observation tree's rows on screen (the page loads
  the first 1,000 light nodes and the trace, never the observations' input/output);
- observation detail: from a click on a node to its input on screen.

Usage: ``uv run python benchmarks/ui_pages.py [--traces 100000] [--observations 10]``
(1 M observations stored by default).
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
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from ui_traces_list import PROJECT, T0, load

from spyglass.runtime import open_runtime, run_account_bootstrap, run_bootstrap
from spyglass.settings import load_settings
from spyglass_core.domain.tracing import Observation, ObservationType, Trace
from spyglass_tracing.ports.analytics import AnalyticsStore

EMAIL, PASSWORD = "bench@example.com", "bench password 1"
BIG_TRACE = "trace-big"


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPYGLASS_", "LANGFUSE_"))}
    env.update(
        SPYGLASS_DATA_DIR=str(data_dir),
        SPYGLASS_INIT_PROJECT_ID=PROJECT,
        SPYGLASS_INIT_PROJECT_NAME="Bench",
        SPYGLASS_INIT_PROJECT_PUBLIC_KEY="pk-lf-bench",
        SPYGLASS_INIT_PROJECT_SECRET_KEY="sk-lf-bench",
        SPYGLASS_INIT_USER_EMAIL=EMAIL,
        SPYGLASS_INIT_USER_PASSWORD=PASSWORD,
    )
    return env


def _big_trace(size: int) -> tuple[Trace, list[Observation]]:
    """One trace of ``size`` observations: 10 agent steps, each with its own children."""
    trace = Trace(id=BIG_TRACE, project_id=PROJECT, timestamp=T0, name="agent-run", user_id="u1")
    observations = []
    steps = 10
    for n in range(size):
        parent = None if n < steps else f"big-{n % steps:05d}"
        start = T0 + timedelta(milliseconds=20 * n)
        generation = n >= steps and n % 3 == 0
        observations.append(
            Observation(
                id=f"big-{n:05d}",
                trace_id=BIG_TRACE,
                project_id=PROJECT,
                type=ObservationType.GENERATION if generation else ObservationType.SPAN,
                parent_observation_id=parent,
                start_time=start,
                end_time=start + timedelta(milliseconds=15 + n % 50),
                name=f"step-{n}",
                provided_model_name="gpt-4o" if generation else None,
                usage_details={"input": 500, "output": 80} if generation else {},
                input='{"messages": [{"role": "user", "content": "' + "x" * 2000 + '"}]}',
                output='{"role": "assistant", "content": "' + "y" * 1000 + '"}',
            )
        )
    return trace, observations


async def build(data_dir: Path, args: argparse.Namespace) -> None:
    settings = load_settings(_env(data_dir))
    async with open_runtime(settings) as runtime:
        await run_bootstrap(runtime)
        await run_account_bootstrap(runtime)
        store = await runtime.container.get(AnalyticsStore)
        await load(store, args.traces, args.observations, args.batch)  # type: ignore[arg-type]
        trace, observations = _big_trace(args.big)
        await store.upsert_traces([trace])
        await store.upsert_observations(observations)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))
    ]


def _timed(runs: int, once: Callable[[], None]) -> Iterator[float]:
    for _ in range(runs):
        started = time.perf_counter()
        once()
        yield (time.perf_counter() - started) * 1000


def measure(base_url: str, runs: int, chromium: str) -> list[tuple[str, float, float, float]]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page: Page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{base_url}/sign-in")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/project/**")
        traces_url = f"{base_url}/project/{PROJECT}/traces"
        trace_url = f"{base_url}/project/{PROJECT}/traces/{BIG_TRACE}"

        def traces_page() -> None:
            page.goto(traces_url)
            page.locator(".dt-body .dt-row").first.wait_for()

        def trace_detail() -> None:
            page.goto(trace_url)
            page.get_by_role("treeitem").nth(20).wait_for()

        clicked = iter(range(2, 200))

        def observation_detail() -> None:
            # A different node each time: its detail is fetched, not already on screen.
            node = page.get_by_role("treeitem").nth(next(clicked))
            name = node.locator(".tree-name").inner_text()
            started = time.perf_counter()
            node.click()
            page.locator(".trace-right h2", has_text=name).wait_for()
            page.locator(".trace-right .content-view").first.wait_for()
            click_times.append((time.perf_counter() - started) * 1000)

        click_times: list[float] = []
        results = []
        for label, once in [
            ("traces page: first rows on screen", traces_page),
            (f"trace of {BIG_TRACE}: tree on screen", trace_detail),
            ("observation detail after a click", observation_detail),
        ]:
            cold = next(iter(_timed(1, once)))
            samples = list(_timed(runs, once))
            if click_times:  # time from the click, not from reading the node's name
                cold, samples = click_times[0], click_times[1:]
            p50, p95 = _percentiles(samples)
            results.append((label, cold, p50, p95))
            print(f"  {label}: first {cold:.0f} ms, p50 {p50:.0f} ms, p95 {p95:.0f} ms", flush=True)
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=100_000)
    parser.add_argument("--observations", type=int, default=10, help="per trace")
    parser.add_argument("--big", type=int, default=1_000, help="observations of the big trace")
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--port", type=int, default=3399)
    parser.add_argument("--data-dir", type=Path, help="reuse a directory a previous run built")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="spyglass-bench-ui-pages-"))
    if not (data_dir / "chdb").exists():
        print(f"building {data_dir}: {args.traces:,} traces x {args.observations} + {args.big}")
        asyncio.run(build(data_dir, args))
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
        results = measure(base_url, args.runs, args.chromium)
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = args.traces * args.observations + args.big
    print(f"\n| page ({stored:,} observations stored, {args.runs} loads) | first | p50 | p95 |")
    print("|---|---|---|---|")
    for label, cold, p50, p95 in results:
        print(f"| {label} | {cold:.0f} ms | {p50:.0f} ms | {p95:.0f} ms |")


if __name__ == "__main__":
    main()
