"""What a ``GET /metrics/daily`` read costs as the days it covers change (in-process).

The daily rollup (``storage/clickhouse/daily_rollup.py``) computes again only the days
marked changed since it last did. ``scale_reads.py`` times the steady state over HTTP
(nothing changed between reads); this times the store's ``daily_metrics`` directly on a
loaded data directory (no server may have it open) in three states, each set up before
every timed read:

- nothing changed since the previous read;
- the newest day changed (what a read sees while ingestion runs);
- every day changed (the first read after an upgrade, or after a delete of traces).

```bash
uv run python benchmarks/scale_reads.py load --data-dir /tmp/scale-10m --observations 10000000
uv run python benchmarks/daily_rollup.py --data-dir /tmp/scale-10m --runs 10
```

The query is ``scale_reads.py``'s: the 30 days before now, from an arbitrary time, so the
oldest day is a partial one, computed on every read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from spyglass_tracing.domain.queries import MetricsQuery
from spyglass_tracing.storage.clickhouse import ClickHouseAnalyticsStore

DATABASE = "spyglass"


async def _timed(
    store: ClickHouseAnalyticsStore,
    project_id: str,
    prepare: Callable[[], None],
    runs: int,
) -> list[float]:
    query = MetricsQuery(from_timestamp=datetime.now(UTC) - timedelta(days=30))
    timings = []
    for _ in range(runs):
        await store._connection.run(prepare)
        started = time.perf_counter()
        await store.daily_metrics(project_id, query)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def main(data_dir: Path, project_id: str, runs: int) -> None:
    store = await ClickHouseAnalyticsStore.open(f"chdb://{data_dir / 'chdb'}", DATABASE)
    rollup = store._rollup
    today = datetime.now(UTC).date()
    states: dict[str, Callable[[], None]] = {
        "every day changed": lambda: rollup.mark_every_day(project_id),
        "newest day changed": lambda: rollup._mark([(project_id, today)]),
        "nothing changed": lambda: None,
    }
    try:
        await store.daily_metrics(project_id, MetricsQuery())  # the rollup, filled once
        print(f"{'state':<20} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}   ({runs} runs)")
        for label, prepare in states.items():
            timings = sorted(await _timed(store, project_id, prepare, runs))
            p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
            print(f"{label:<20} {statistics.median(timings):8.0f} {p95:8.0f} {timings[-1]:8.0f}")
    finally:
        await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    data_dir = Path(args.data_dir).resolve()
    project_id = json.loads((data_dir / "scale.json").read_text())["project_id"]
    asyncio.run(main(data_dir, project_id, args.runs))
