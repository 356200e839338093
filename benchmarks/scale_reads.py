"""Read latency of the public API at 100 k, 1 M and 10 M observations.

Two steps, so one loaded directory serves several measurements (before and after a
change, the "after" server upgrading the data with its migrations at start):

```bash
# a data directory with a project of N observations among ten (see scale_data.py)
uv run python benchmarks/scale_reads.py load --data-dir /tmp/scale-1m --observations 1000000
# start `spyglass serve` on it and time each read --runs times (after --warmup runs)
uv run python benchmarks/scale_reads.py measure --data-dir /tmp/scale-1m --runs 40
# the same with one trace ingested through the API before each read (not timed)
uv run python benchmarks/scale_reads.py measure --data-dir /tmp/scale-1m --write-between
```

``load`` starts the server once (it creates the project for the benchmark's keys and
the tables), stops it, then fills chDB directly with ``INSERT … SELECT`` statements.
``measure`` prints p50 / p95 / max per read, client-side over HTTP on 127.0.0.1 (the
client shares the two cores with the server), one request at a time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_data import LONG_SESSION, ScaleSpec, insert_statements

PUBLIC, SECRET = "pk-lf-scale", "sk-lf-scale"
DATABASE = "spyglass"
OTHER_PROJECTS = 9


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(data_dir: Path) -> Iterator[httpx.Client]:
    """``spyglass serve`` on ``data_dir`` (embedded defaults); an authenticated client."""
    port = _free_port()
    env = dict(
        os.environ,
        SPYGLASS_DATA_DIR=str(data_dir),
        SPYGLASS_INIT_PROJECT_PUBLIC_KEY=PUBLIC,
        SPYGLASS_INIT_PROJECT_SECRET_KEY=SECRET,
        SPYGLASS_LOG_LEVEL="warning",
    )
    spyglass = Path(sys.executable).parent / "spyglass"
    log = (data_dir / "server.log").open("ab")
    process = subprocess.Popen(
        [str(spyglass), "serve", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        deadline = started + 1800  # a migration may rewrite big tables
        while True:
            if process.poll() is not None:
                raise SystemExit(f"the server exited; see {data_dir / 'server.log'}")
            try:
                if httpx.get(f"{base}/api/public/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not become ready")
            time.sleep(0.2)
        print(f"server ready in {time.monotonic() - started:.1f} s (migrations included)")
        with httpx.Client(base_url=base, auth=(PUBLIC, SECRET), timeout=120) as client:
            yield client
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        log.close()


def _project_id(client: httpx.Client) -> str:
    response = client.get("/api/public/projects")
    response.raise_for_status()
    return str(response.json()["data"][0]["id"])


def load(args: argparse.Namespace) -> None:
    data_dir = Path(args.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    with server(data_dir) as client:
        project_id = _project_id(client)
    newest_ms = int(datetime.now(UTC).timestamp() * 1000) - 60_000
    specs = [ScaleSpec(project_id, args.observations, newest_ms)]
    specs += [
        ScaleSpec(f"other-{n}", max(10, args.observations // 10), newest_ms)
        for n in range(1, OTHER_PROJECTS + 1)
    ]
    import clickhouse_connect

    chdb = clickhouse_connect.get_client(dsn=f"chdb://{data_dir / 'chdb'}")
    started = time.monotonic()
    for what, sql in insert_statements(DATABASE, specs):
        step = time.monotonic()
        chdb.command(sql)
        print(f"{what:<40} {time.monotonic() - step:7.1f} s", flush=True)
    counts = {
        table: chdb.query(
            f"SELECT count() FROM {DATABASE}.{table} WHERE project_id = {{p:String}}",
            parameters={"p": project_id},
        ).result_rows[0][0]
        for table in ("traces", "observations", "scores")
    }
    size = chdb.query(
        f"SELECT sum(bytes_on_disk) FROM system.parts WHERE database = '{DATABASE}' AND active"
    ).result_rows[0][0]
    chdb.close()
    (data_dir / "scale.json").write_text(
        json.dumps({"project_id": project_id, "observations": args.observations})
    )
    print(
        f"loaded in {time.monotonic() - started:.0f} s; project {project_id}: "
        f"{counts} row versions; all ten projects {size / 2**20:.0f} MiB on disk"
    )


def _reads(client: httpx.Client) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, path, params) of each timed read, ids taken from the loaded data."""
    newest = client.get("/api/public/traces", params={"limit": 50, "fields": "core"}).json()
    if not newest["data"]:
        raise SystemExit("the project holds no traces: run `load` first")
    # The newest loaded trace's user (traces written by --write-between have none).
    user_id = next(trace["userId"] for trace in newest["data"] if trace.get("userId"))
    # Trace 1 of the first block holds 100 observations (see scale_data.py).
    detail_id = hashlib.md5(b"trace-1").hexdigest()
    month_ago = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    metadata_filter = json.dumps([
        {"type": "stringObject", "column": "metadata", "key": "customer",
         "operator": "=", "value": "c-42"},
    ])  # fmt: skip
    page = {"limit": 50}
    return [
        ("traces, 50 newest (default fields)", "/api/public/traces", page),
        ("traces, 50 newest, fields=core", "/api/public/traces", {**page, "fields": "core"}),
        ("traces by user", "/api/public/traces", {**page, "userId": user_id}),
        ("traces by tag", "/api/public/traces", {**page, "tags": "tag-3"}),
        ("traces by name", "/api/public/traces", {**page, "name": "workflow-7"}),
        ("traces by metadata key", "/api/public/traces", {**page, "filter": metadata_filter}),
        ("trace detail, 100 observations", f"/api/public/traces/{detail_id}", {}),
        ("/v2/observations first page", "/api/public/v2/observations", page),
        (
            "/v2/observations filtered",
            "/api/public/v2/observations",
            {**page, "type": "GENERATION", "name": "llm-call"},
        ),
        ("session with 50 traces", f"/api/public/sessions/{LONG_SESSION}", {}),
        ("daily metrics, 30 days", "/api/public/metrics/daily", {"fromTimestamp": month_ago}),
    ]


def measure(args: argparse.Namespace) -> None:
    data_dir = Path(args.data_dir).resolve()
    meta = json.loads((data_dir / "scale.json").read_text())
    with server(data_dir) as client:
        reads = _reads(client)
        rows = []
        for label, path, params in reads:
            if args.only and args.only not in label:
                continue
            times: list[float] = []
            for attempt in range(args.warmup + args.runs):
                if args.write_between:
                    _write_one_trace(client)
                started = time.perf_counter()
                response = client.get(path, params=params)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise SystemExit(f"{label}: {response.status_code} {response.text[:300]}")
                if attempt >= args.warmup:
                    times.append(elapsed)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            detail = _size_of(response.json())
            rows.append((label, statistics.median(times), p95, times[-1], detail))
    print(f"\n{meta['observations']:,} observations in the project, {args.runs} runs each")
    print(f"{'read':<36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  result")
    for label, p50, p95, worst, detail in rows:
        print(f"{label:<36} {p50:8.1f} {p95:8.1f} {worst:8.1f}  {detail}")
    if args.json:
        print(json.dumps([{"read": r[0], "p50": r[1], "p95": r[2], "max": r[3]} for r in rows]))


def _write_one_trace(client: httpx.Client) -> None:
    """Ingest one new trace through the API and wait until it can be read: what a read
    meets while ingestion runs (every write changes the tables' parts)."""
    trace_id = uuid.uuid4().hex
    now = datetime.now(UTC).isoformat()
    body = {"id": trace_id, "name": "written-between-reads", "timestamp": now}
    event = {"id": uuid.uuid4().hex, "type": "trace-create", "timestamp": now, "body": body}
    response = client.post("/api/public/ingestion", json={"batch": [event]})
    if response.status_code != 207:
        raise SystemExit(f"ingestion: {response.status_code} {response.text[:300]}")
    deadline = time.monotonic() + 30
    while client.get(f"/api/public/traces/{trace_id}").status_code != 200:
        if time.monotonic() > deadline:
            raise SystemExit("the written trace did not become readable in 30 s")
        time.sleep(0.02)


def _size_of(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return f"{len(body['data'])} items"
    if isinstance(body, dict) and "observations" in body:
        return f"{len(body['observations'])} observations"
    if isinstance(body, dict) and "traces" in body:
        return f"{len(body['traces'])} traces"
    return "ok"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    loading = sub.add_parser("load", help="create a data directory and fill it")
    loading.add_argument("--data-dir", required=True)
    loading.add_argument("--observations", type=int, default=1_000_000)
    measuring = sub.add_parser("measure", help="time the reads on a loaded directory")
    measuring.add_argument("--data-dir", required=True)
    measuring.add_argument("--runs", type=int, default=40)
    measuring.add_argument("--warmup", type=int, default=3)
    measuring.add_argument("--only", help="only the reads whose label contains this")
    measuring.add_argument("--json", action="store_true")
    measuring.add_argument(
        "--write-between", action="store_true",
        help="ingest one trace through the API before each read (not timed), as when "
        "ingestion runs: kept totals and caches go stale",
    )  # fmt: skip
    args = parser.parse_args()
    if args.command == "load":
        load(args)
    else:
        measure(args)


if __name__ == "__main__":
    main()
