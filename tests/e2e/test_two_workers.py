"""Two processes merging the same trace: ``spyglass serve`` and ``spyglass worker``.

Both consume one Redis queue, share one PostgreSQL and one analytics store (a ClickHouse
HTTP front over chDB, ``tests/support/chdb_http.py``, since no ClickHouse server runs
here and a chDB path belongs to one process). Many small batches update the same trace
and the same observations at once, each adding its own metadata key and tag; merging
reads the stored row and writes a new version, so two processes merging concurrently
without the cross-process merge lock lose some of those keys. Every key must survive.
"""

from __future__ import annotations

import concurrent.futures
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from .conftest import (
    REPO_ROOT,
    SPYGLASS_BIN,
    STARTUP_TIMEOUT_SECONDS,
    ServerFactory,
    _clean_env,
    free_port,
    poll,
)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

REDIS_URL = "redis://127.0.0.1:6379/13"  # a database of its own: flushed by this test
PUBLIC_KEY = "pk-lf-e2e-two-workers"
SECRET_KEY = "sk-lf-e2e-two-workers"
OBSERVATIONS = 4
BATCHES = 48
IN_FLIGHT = 8
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def shared_analytics(tmp_path: Path) -> Iterator[str]:
    """A ClickHouse HTTP endpoint both processes use; yields its DSN."""
    port = free_port()
    front = subprocess.Popen(
        [
            sys.executable,
            str(REPO_ROOT / "tests" / "support" / "chdb_http.py"),
            str(tmp_path / "chdb"),
            str(port),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert front.stdout is not None and front.stdout.readline().strip() == "ready"
        yield f"http://default:@127.0.0.1:{port}"
    finally:
        front.kill()
        front.wait()


@pytest.fixture
def redis_queue() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


def _batch(trace_id: str, round_: int) -> dict[str, Any]:
    at = (T0 + timedelta(seconds=round_)).isoformat()
    events: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4().hex,
            "type": "trace-create",
            "timestamp": at,
            "body": {
                "id": trace_id,
                "name": "shared",
                "tags": [f"tag-{round_}"],
                "metadata": {f"trace-key-{round_}": round_},
            },
        }
    ]
    for index in range(OBSERVATIONS):
        events.append(
            {
                "id": uuid.uuid4().hex,
                "type": "span-update" if round_ else "span-create",
                "timestamp": at,
                "body": {
                    "id": f"{trace_id}-obs-{index}",
                    "traceId": trace_id,
                    "name": f"span-{index}",
                    "startTime": T0.isoformat(),
                    "metadata": {f"key-{round_}": round_},
                },
            }
        )
    return {"batch": events}


def _start_worker(env: dict[str, str], data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [str(SPYGLASS_BIN), "worker"],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=_clean_env({**env, "SPYGLASS_DATA_DIR": str(data_dir)}),
            cwd=str(data_dir),
        )


def test_two_processes_merging_one_trace_lose_no_update(
    spyglass_server: ServerFactory,
    postgres_url: str,
    shared_analytics: str,
    redis_queue: str,
    tmp_path: Path,
) -> None:
    env = {
        "SPYGLASS_DATABASE_URL": postgres_url,
        "SPYGLASS_QUEUE_URL": redis_queue,
        "SPYGLASS_CACHE_URL": redis_queue,
        "SPYGLASS_ANALYTICS_URL": shared_analytics,
        # Raw batches must be readable by whichever process takes them (S3 in production).
        "SPYGLASS_BLOB_URL": f"file://{tmp_path / 'shared-blobs'}",
        "SPYGLASS_AUTO_MIGRATE": "true",
        "SPYGLASS_SALT": "e2e-two-workers-salt",
        "SPYGLASS_INIT_PROJECT_PUBLIC_KEY": PUBLIC_KEY,
        "SPYGLASS_INIT_PROJECT_SECRET_KEY": SECRET_KEY,
    }
    server = spyglass_server(env=env)
    worker_dir = tmp_path / "worker"
    worker_dir.mkdir()
    worker_log = tmp_path / "worker.log"
    worker = _start_worker(env, worker_dir, worker_log)
    try:
        poll(
            lambda: "waiting for tasks" in worker_log.read_text(errors="replace") or None,
            timeout=STARTUP_TIMEOUT_SECONDS,
            what="the worker to start",
            detail=lambda: worker_log.read_text(errors="replace"),
        )
        trace_id = uuid.uuid4().hex
        url = f"{server.base_url}/api/public/ingestion"

        def send(round_: int) -> int:
            response = httpx.post(
                url, json=_batch(trace_id, round_), auth=(PUBLIC_KEY, SECRET_KEY), timeout=30
            )
            return response.status_code

        assert send(0) == 207  # the creates first, so every later batch is an update
        with concurrent.futures.ThreadPoolExecutor(IN_FLIGHT) as pool:
            statuses = list(pool.map(send, range(1, BATCHES)))
        assert statuses == [207] * (BATCHES - 1)

        def merged() -> dict[str, Any] | None:
            response = httpx.get(
                f"{server.base_url}/api/public/traces/{trace_id}",
                auth=(PUBLIC_KEY, SECRET_KEY),
                timeout=10,
            )
            if response.status_code != 200:
                return None
            status = httpx.get(
                f"{server.base_url}/api/public/health", timeout=10
            )  # keep the poll honest about liveness too
            assert status.status_code == 200
            trace: dict[str, Any] = response.json()
            return trace if len(trace["tags"]) == BATCHES else None

        trace = poll(
            merged,
            timeout=STARTUP_TIMEOUT_SECONDS,
            what="every batch merged",
            detail=lambda: server.log() + worker_log.read_text(errors="replace"),
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    rounds = range(BATCHES)
    assert sorted(trace["tags"]) == sorted(f"tag-{n}" for n in rounds)
    assert trace["metadata"] == {f"trace-key-{n}": n for n in rounds}
    assert trace["name"] == "shared"
    observations = {obs["id"]: obs for obs in trace["observations"]}
    assert sorted(observations) == sorted(f"{trace_id}-obs-{i}" for i in range(OBSERVATIONS))
    for index in range(OBSERVATIONS):
        observation = observations[f"{trace_id}-obs-{index}"]
        assert observation["metadata"] == {f"key-{n}": n for n in rounds}, observation["id"]
        assert observation["name"] == f"span-{index}"
        assert observation["traceId"] == trace_id
    # Both processes took part: each log names batches it applied.
    applied = "Executing task tracing.process_batch"
    assert applied in server.log()
    assert applied in worker_log.read_text(errors="replace")
