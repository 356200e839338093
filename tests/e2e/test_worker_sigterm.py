"""``spyglass worker`` on a Redis queue stops promptly on SIGTERM without losing a task.

A real worker process runs a plugin task that sleeps; SIGTERM arrives while it runs.
The worker must exit within ``EXIT_WITHIN`` seconds, and the task must either have
finished (its message acknowledged) or, past the drain timeout, be left
unacknowledged in the stream's pending list, from which Redis redelivers it.

The test plugin is "installed" the ordinary way: a module and a ``.dist-info`` with a
``spyglass.plugins`` entry point in a directory on the worker's ``PYTHONPATH``. The
queue lives in a Redis database of its own (``SPYGLASS_TEST_WORKER_REDIS_URL``), as
the worker always uses the stream ``spyglass``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from spyglass_adapters.queue import TaskiqTaskQueue, redis_broker
from spyglass_adapters.queue.consumer import DRAIN_TIMEOUT_SECONDS

from .conftest import SPYGLASS_BIN, STARTUP_TIMEOUT_SECONDS, _clean_env, poll

pytestmark = [pytest.mark.e2e]

REDIS_URL = os.environ.get("SPYGLASS_TEST_WORKER_REDIS_URL", "redis://127.0.0.1:6379/14")
STREAM = "spyglass"  # the worker's queue name
GROUP = "spyglass-workers"
TASK_NAME = "e2e_worker.sleep_then_mark"
EXIT_WITHIN = 10.0

PLUGIN_MODULE = '''
"""Test plugin: one task that marks its start, sleeps, then marks its end."""
import asyncio
from pathlib import Path

from spyglass_core.hookspecs import TaskSpec, hookimpl


async def sleep_then_mark(marker_dir: str, name: str, seconds: float) -> None:
    (Path(marker_dir) / f"{name}.started").touch()
    await asyncio.sleep(seconds)
    (Path(marker_dir) / f"{name}.finished").touch()


@hookimpl
def register_tasks():
    return [TaskSpec(name="e2e_worker.sleep_then_mark", func=sleep_then_mark)]
'''


@dataclass
class Worker:
    """A ``spyglass worker`` subprocess and its log."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def terminate_and_time(self) -> float:
        """Send SIGTERM; return the seconds until the process exited (fail past the bound)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=EXIT_WITHIN)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=EXIT_WITHIN)
            pytest.fail(f"the worker still ran {EXIT_WITHIN} s after SIGTERM:\n{self.log()}")
        return time.monotonic() - started


def install_test_plugin(directory: Path) -> Path:
    """Write the plugin module and its entry-point metadata into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "spyglass_e2e_worker_plugin.py").write_text(textwrap.dedent(PLUGIN_MODULE))
    dist_info = directory / "spyglass_e2e_worker_plugin-0.1.dist-info"
    dist_info.mkdir(exist_ok=True)
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: spyglass-e2e-worker-plugin\nVersion: 0.1\n"
    )
    (dist_info / "entry_points.txt").write_text(
        "[spyglass.plugins]\ne2e_worker = spyglass_e2e_worker_plugin\n"
    )
    return directory


def clear_queue(client: redis.Redis) -> None:
    """Drop the stream (and its consumer group) a previous run may have left behind."""
    client.delete(STREAM, f"autoclaim:{GROUP}:{STREAM}")


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    clear_queue(client)
    try:
        yield client
    finally:
        clear_queue(client)
        client.close()


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Any]:
    """A factory of worker processes; any still running are killed at teardown."""
    plugin_dir = install_test_plugin(tmp_path / "plugin")
    workers: list[Worker] = []

    def start() -> Worker:
        index = len(workers)
        log_path = tmp_path / f"worker-{index}.log"
        env = _clean_env(
            {
                "SPYGLASS_DATA_DIR": str(tmp_path / f"data-{index}"),
                "SPYGLASS_QUEUE_URL": REDIS_URL,
                "PYTHONPATH": str(plugin_dir),
            }
        )
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [str(SPYGLASS_BIN), "worker"],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=str(tmp_path),
            )
        worker = Worker(process, log_path)
        workers.append(worker)
        poll(
            lambda: True if "waiting for tasks" in worker.log() else None,
            timeout=STARTUP_TIMEOUT_SECONDS,
            what="the worker start",
            detail=worker.log,
        )
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.kill()
                worker.process.wait(timeout=EXIT_WITHIN)


def enqueue_sleep(marker_dir: Path, name: str, seconds: float) -> None:
    """Put one task on the worker's queue, as the API would."""

    async def stand_in(**_: Any) -> None:  # only its name matters to the sender
        raise AssertionError("runs in the worker")

    async def send() -> None:
        broker, depth = redis_broker(REDIS_URL)
        queue = TaskiqTaskQueue(broker, depth)
        queue.register({TASK_NAME: stand_in})
        await broker.startup()
        try:
            await queue.enqueue(
                TASK_NAME, {"marker_dir": str(marker_dir), "name": name, "seconds": seconds}
            )
        finally:
            await broker.shutdown()

    asyncio.run(send())


def wait_until_started(marker_dir: Path, name: str, worker: Worker) -> None:
    poll(
        lambda: True if (marker_dir / f"{name}.started").exists() else None,
        timeout=30,
        what=f"the start of task {name}",
        detail=worker.log,
    )


def pending(client: redis.Redis) -> list[dict[str, Any]]:
    """The group's delivered but unacknowledged messages."""
    entries: list[dict[str, Any]] = client.xpending_range(STREAM, GROUP, "-", "+", 10)
    return entries


def test_sigterm_lets_the_running_task_finish(
    start_worker: Any, redis_client: redis.Redis, tmp_path: Path
) -> None:
    worker = start_worker()
    name = f"short-{uuid.uuid4().hex[:8]}"
    enqueue_sleep(tmp_path, name, seconds=1.5)
    wait_until_started(tmp_path, name, worker)

    took = worker.terminate_and_time()

    assert worker.process.returncode == 0, worker.log()
    assert took < EXIT_WITHIN
    assert (tmp_path / f"{name}.finished").exists(), worker.log()
    assert pending(redis_client) == [], "the finished task's message was not acknowledged"


def test_sigterm_leaves_a_task_past_the_drain_timeout_for_redelivery(
    start_worker: Any, redis_client: redis.Redis, tmp_path: Path
) -> None:
    worker = start_worker()
    name = f"long-{uuid.uuid4().hex[:8]}"
    enqueue_sleep(tmp_path, name, seconds=DRAIN_TIMEOUT_SECONDS + 60)
    wait_until_started(tmp_path, name, worker)

    took = worker.terminate_and_time()

    assert worker.process.returncode == 0, worker.log()
    assert DRAIN_TIMEOUT_SECONDS <= took < EXIT_WITHIN, worker.log()
    assert not (tmp_path / f"{name}.finished").exists()
    # Still pending, delivered once: Redis hands it to another worker once it has been
    # idle for the broker's idle_timeout (XAUTOCLAIM), instead of it being lost.
    entries = pending(redis_client)
    assert len(entries) == 1, json.dumps(entries, default=str)
    assert entries[0]["times_delivered"] == 1
    fields = redis_client.xrange(STREAM, entries[0]["message_id"], entries[0]["message_id"])
    assert name.encode() in fields[0][1][b"data"]
