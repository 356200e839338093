"""``spyglass serve`` on the scale-out services: PostgreSQL and a Redis (taskiq) queue.

The real v5 SDK sends a trace; the batch goes through Redis streams to the worker loop
that ``serve`` runs with a shared queue, and lands in the analytics store. chDB stays
the analytics engine: no ClickHouse server can run on these machines.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import ServerFactory, poll, run_sdk

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

REDIS_URL = os.environ.get("SPYGLASS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PUBLIC_KEY = "pk-lf-e2e-scale-out"
SECRET_KEY = "sk-lf-e2e-scale-out"

SDK_SCRIPT = r"""
import json
from langfuse import Langfuse, propagate_attributes

client = Langfuse()
with propagate_attributes(user_id="u-redis", session_id="s-redis"):
    with client.start_as_current_observation(name="root", input={"q": 1}) as root:
        with client.start_as_current_observation(
            as_type="generation", name="llm", model="gpt-4o",
            usage_details={"input": 100, "output": 10},
        ) as generation:
            generation.update(output="ok")
        root.score_trace(name="quality", value=0.5)
        trace_id = root.trace_id
client.flush()
print(json.dumps({"trace_id": trace_id}))
"""


def test_serve_on_postgres_and_redis_makes_sdk_traces_queryable(
    spyglass_server: ServerFactory, langfuse_python: Path, postgres_url: str, tmp_path: Path
) -> None:
    server = spyglass_server(
        env={
            "SPYGLASS_DATABASE_URL": postgres_url,
            "SPYGLASS_QUEUE_URL": REDIS_URL,
            "SPYGLASS_CACHE_URL": REDIS_URL,
            "SPYGLASS_AUTO_MIGRATE": "true",
            "SPYGLASS_SALT": "e2e-scale-out-salt",
            "SPYGLASS_INIT_PROJECT_PUBLIC_KEY": PUBLIC_KEY,
            "SPYGLASS_INIT_PROJECT_SECRET_KEY": SECRET_KEY,
        }
    )
    done = run_sdk(langfuse_python, SDK_SCRIPT, server.sdk_env(PUBLIC_KEY, SECRET_KEY))
    assert done.returncode == 0, done.stderr
    trace_id = json.loads(done.stdout.strip().splitlines()[-1])["trace_id"]

    def complete() -> dict[str, Any] | None:
        response = httpx.get(
            f"{server.base_url}/api/public/traces/{trace_id}",
            auth=(PUBLIC_KEY, SECRET_KEY),
            timeout=5,
        )
        if response.status_code != 200:
            return None
        trace: dict[str, Any] = response.json()
        if len(trace["observations"]) < 2 or not trace["scores"]:
            return None
        return trace

    trace = poll(complete, timeout=30, what="the trace via Redis", detail=server.log)
    assert trace["userId"] == "u-redis" and trace["sessionId"] == "s-redis"
    generation = next(obs for obs in trace["observations"] if obs["name"] == "llm")
    assert generation["totalCost"] == pytest.approx(100 * 2.5e-6 + 10 * 1e-5)
    assert [score["name"] for score in trace["scores"]] == ["quality"]
