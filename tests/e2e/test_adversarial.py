"""A hostile tenant against a live ``spyglass serve``, while ``/health`` is polled every 50 ms.

Every probe of the hardening work runs in turn with a valid key: catastrophic regular
expressions, prompt expansion, a large OTLP export, 20-digit integers, JSON nested 5,000
levels, fidelity refusals, unknown Bearer keys, uploads of unannounced or finished media.
Each probe asserts its own answer; throughout, no health poll may take over 500 ms and
no response, to the prober or to the poller, may be a 500.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from .conftest import ServerFactory, SpyglassServer, poll
from .test_ingestion_durability import OTLP_HEADERS, make_export, run_id

pytestmark = [pytest.mark.e2e]

PUBLIC_KEY = "pk-lf-e2e-adversary"
SECRET_KEY = "sk-lf-e2e-adversary"
AUTH = (PUBLIC_KEY, SECRET_KEY)
HEALTH_BUDGET_SECONDS = 0.5
RETRY_FOR_SECONDS = 60.0
"""How long a probe answered 429 keeps retrying, as an SDK would."""
POLL_EVERY_SECONDS = 0.05
HUGE = "9" * 20
DEEP = "[" * 5000 + "]" * 5000


@dataclass
class HealthPoller:
    """Polls ``/health`` on its own thread and keeps every latency and status."""

    url: str
    phase: str = "start"
    """The probe running now, set by the test; each slow poll is blamed on it."""
    latencies: list[float] = field(default_factory=list)
    slow: list[tuple[str, float]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    status = client.get(self.url).status_code
                except httpx.HTTPError:
                    status = 0
                took = time.monotonic() - started
                self.latencies.append(took)
                self.statuses.append(status)
                if took >= HEALTH_BUDGET_SECONDS:
                    self.slow.append((self.phase, took))
                self._stop.wait(POLL_EVERY_SECONDS)

    def stop(self) -> None:
        self._stop.set()


@pytest.fixture
def server(spyglass_server: ServerFactory) -> SpyglassServer:
    return spyglass_server(
        env={
            "SPYGLASS_INIT_PROJECT_PUBLIC_KEY": PUBLIC_KEY,
            "SPYGLASS_INIT_PROJECT_SECRET_KEY": SECRET_KEY,
        }
    )


@pytest.fixture
def health(server: SpyglassServer) -> Iterator[HealthPoller]:
    poller = HealthPoller(f"{server.base_url}/api/public/health")
    thread = threading.Thread(target=poller.run, daemon=True)
    thread.start()
    yield poller
    poller.stop()
    thread.join(timeout=10)


class Prober:
    """Sends the probes and remembers every status, so a 500 anywhere fails the test."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=f"{base_url}/api/public", auth=AUTH, timeout=120)
        self.statuses: list[tuple[str, int]] = []

    def send(self, method: str, path: str, expect: int | set[int], **kwargs: Any) -> httpx.Response:
        """Send as an SDK does: a 429 is retried after its ``Retry-After`` (the 20,000-span
        export leaves the worker behind for a while), any other answer is checked."""
        deadline = time.monotonic() + RETRY_FOR_SECONDS
        while True:
            response = self.client.request(method, path, **kwargs)
            self.statuses.append((f"{method} {path[:60]}", response.status_code))
            if response.status_code != 429 or time.monotonic() > deadline:
                break
            assert response.headers.get("retry-after"), response.text[:200]
            time.sleep(float(response.headers["retry-after"]))
        allowed = {expect} if isinstance(expect, int) else expect
        assert response.status_code in allowed, (method, path, response.text[:500])
        return response


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _event(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "type": kind, "timestamp": _now(), "body": body}


def _probe_regular_expressions(probe: Prober) -> None:
    # A backreference needs backtracking: refused with a 400 that names the pattern.
    refused = probe.send(
        "POST",
        "/models",
        400,
        json={"modelName": "backref", "matchPattern": r"(a)\1", "unit": "TOKENS"},
    )
    assert "matchPattern" in refused.text
    # Catastrophic for a backtracking engine, linear here: accepted, then matched.
    probe.send(
        "POST",
        "/models",
        200,
        json={
            "modelName": "evil",
            "matchPattern": "^(a|a)*$",
            "unit": "TOKENS",
            "inputPrice": 1e-6,
        },
    )
    for model in ("a" * 25 + "b", "a" * 50_000 + "b"):
        generation = {"id": uuid.uuid4().hex, "traceId": uuid.uuid4().hex, "model": model}
        generation["usageDetails"] = {"input": 10}
        probe.send(
            "POST", "/ingestion", 207, json={"batch": [_event("generation-create", generation)]}
        )


def _probe_prompt_expansion(probe: Prober) -> None:
    def create(name: str, text: str, expect: int | set[int]) -> httpx.Response:
        body = {"name": name, "prompt": text, "type": "text", "labels": ["production"]}
        return probe.send("POST", "/v2/prompts", expect, json=body)

    create("leaf", "x" * 1000, {200, 201})
    middle = create(
        "mid", "@@@langfusePrompt:name=leaf|label=production@@@" * 1000, {200, 201, 400}
    )
    top = create("top", "@@@langfusePrompt:name=mid|label=production@@@" * 20, {200, 201, 400})
    assert 400 in (middle.status_code, top.status_code)  # expansion refused somewhere
    for name in ("leaf", "mid", "top"):
        fetched = probe.send("GET", f"/v2/prompts/{name}", {200, 400, 404})
        assert len(fetched.content) < 2 * 1024 * 1024


def _probe_large_otlp_export(probe: Prober) -> None:
    export = make_export(run_id(), 0, 20_000)
    probe.send("POST", "/otel/v1/traces", 200, content=export.body, headers=OTLP_HEADERS)


def _probe_bad_numbers_and_nesting(probe: Prober) -> None:
    probe.send("GET", f"/models?page={HUGE}", 400)
    probe.send("PATCH", f"/v2/prompts/leaf/versions/{HUGE}", 400, json={"newLabels": ["a"]})
    json_type = {"content-type": "application/json"}
    for path in ("/ingestion", "/scores", "/otel/v1/traces"):
        refused = probe.send("POST", path, 400, content=DEEP.encode(), headers=json_type)
        assert "levels" in refused.text, path


def _probe_fidelity(probe: Prober) -> None:
    long_name = _event("trace-create", {"id": uuid.uuid4().hex, "name": "n" * 1001})
    answer = probe.send("POST", "/ingestion", 207, json={"batch": [long_name]}).json()
    assert [error["status"] for error in answer["errors"]] == [400]
    probe.send("POST", "/scores", 400, json={"name": "orphan", "value": 1})
    clash = {
        "name": "clash",
        "type": "chat",
        "prompt": [
            {"role": "system", "content": "Hi {{history}}"},
            {"type": "placeholder", "name": "history"},
        ],
    }
    probe.send("POST", "/v2/prompts", 400, json=clash)


def _probe_unknown_keys_and_media(probe: Prober, base_url: str) -> None:
    with httpx.Client(base_url=f"{base_url}/api/public", timeout=10) as anonymous:
        for _ in range(50):
            bearer = {"authorization": f"Bearer pk-lf-{uuid.uuid4().hex}"}
            response = anonymous.get("/traces", headers=bearer)
            probe.statuses.append(("GET /traces (unknown Bearer)", response.status_code))
            assert response.status_code == 401
        unknown = anonymous.put(
            f"/media-upload/{uuid.uuid4().hex}/{uuid.uuid4().hex}",
            content=b"x" * 1024,
            headers={"content-type": "image/png"},
        )
        probe.statuses.append(("PUT /media-upload (unannounced)", unknown.status_code))
        assert unknown.status_code == 400


def test_a_hostile_tenant_never_stalls_health_nor_gets_a_500(
    server: SpyglassServer, health: HealthPoller
) -> None:
    probe = Prober(server.base_url)

    def _probe_unknown_keys_and_unannounced_media(probe: Prober) -> None:
        _probe_unknown_keys_and_media(probe, server.base_url)

    probes = [
        _probe_regular_expressions,
        _probe_prompt_expansion,
        _probe_large_otlp_export,
        _probe_bad_numbers_and_nesting,
        _probe_fidelity,
        _probe_unknown_keys_and_unannounced_media,
    ]
    try:
        for run in probes:
            health.phase = run.__name__
            run(probe)
        health.phase = "reading back"
        # The worker got through everything that was accepted, and still answers.
        poll(
            lambda: (
                probe.send("GET", "/traces?limit=1", 200).json()["meta"]["totalItems"] >= 3 or None
            ),
            timeout=60,
            what="the accepted traces to be readable",
        )
    finally:
        probe.client.close()
        health.stop()
    assert not [entry for entry in probe.statuses if entry[1] >= 500], probe.statuses
    assert health.statuses and set(health.statuses) == {200}
    assert not health.slow, f"health polls over budget (probe, seconds): {health.slow}"
    assert len(health.latencies) > 20
