"""Ingestion durability against a real ``spyglass serve``: crash, overload, bad input.

- Crash: a client streams OTLP protobuf exports; the server is SIGKILLed mid-stream and
  restarted on the same data directory; the client retries whatever was not
  acknowledged. Every span of every acknowledged export is then stored exactly once.
- Overload: with a queue bound of 2, a burst of concurrent exports gets some 429/503
  answers with ``Retry-After``, no other error, and every accepted span is stored.
- Bad input: malformed bodies get a clear 4xx (per-event errors inside a 207 where the
  batch format allows), never a 500, and a valid event next to a bad one is stored.
"""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from .conftest import ServerFactory, SpyglassServer, poll

pytestmark = pytest.mark.e2e

PUBLIC_KEY = "pk-lf-e2e-durability"
SECRET_KEY = "sk-lf-e2e-durability"
AUTH = (PUBLIC_KEY, SECRET_KEY)
SERVER_ENV = {
    "SPYGLASS_INIT_PROJECT_ID": "proj-durability",
    "SPYGLASS_INIT_PROJECT_NAME": "Durability",
    "SPYGLASS_INIT_PROJECT_PUBLIC_KEY": PUBLIC_KEY,
    "SPYGLASS_INIT_PROJECT_SECRET_KEY": SECRET_KEY,
}
OTLP_PATH = "/api/public/otel/v1/traces"
OTLP_HEADERS = {"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}


# --------------------------------------------------------------------------- OTLP payloads


@dataclass(frozen=True)
class Export:
    """One OTLP request: one trace of ``spans`` spans with ids unique to the request."""

    index: int
    trace_id: str
    span_ids: tuple[str, ...]
    body: bytes


def _string(key: str, value: str) -> KeyValue:
    return KeyValue(key=key, value=AnyValue(string_value=value))


def make_export(run: int, index: int, spans: int) -> Export:
    """Export ``index`` of run ``run``: a root span and ``spans - 1`` children."""
    trace_id = struct.pack(">QQ", run, index + 1)
    span_ids = [struct.pack(">II", index + 1, n + 1) for n in range(spans)]
    start = time.time_ns()
    otel_spans = []
    for n, span_id in enumerate(span_ids):
        kind = "generation" if n % 3 == 1 else "span"
        attributes = [
            _string("langfuse.observation.type", kind),
            _string("langfuse.observation.input", json.dumps({"request": index, "span": n})),
        ]
        if kind == "generation":
            attributes += [
                _string("langfuse.observation.model.name", "gpt-4o"),
                _string("langfuse.observation.usage_details", '{"input": 100, "output": 20}'),
            ]
        otel_spans.append(
            Span(
                trace_id=trace_id,
                span_id=span_id,
                parent_span_id=b"" if n == 0 else span_ids[0],
                name=f"span-{n}",
                start_time_unix_nano=start + n * 1000,
                end_time_unix_nano=start + n * 1000 + 500_000,
                attributes=attributes,
            )
        )
    request = ExportTraceServiceRequest(
        resource_spans=[ResourceSpans(scope_spans=[ScopeSpans(spans=otel_spans)])]
    )
    request.resource_spans[0].scope_spans[0].scope.name = "langfuse-sdk"
    return Export(
        index=index,
        trace_id=trace_id.hex(),
        span_ids=tuple(span_id.hex() for span_id in span_ids),
        body=gzip.compress(request.SerializeToString()),
    )


def run_id() -> int:
    return int.from_bytes(os.urandom(7), "big") + 1


# --------------------------------------------------------------------------- read-back


def observation_ids(server: SpyglassServer, trace_id: str) -> list[str]:
    """Every observation row of a trace through ``/v2/observations`` (cursor paging)."""
    ids: list[str] = []
    cursor: str | None = None
    with httpx.Client(base_url=server.base_url, auth=AUTH, timeout=30) as client:
        while True:
            params: dict[str, Any] = {"traceId": trace_id, "fields": "core", "limit": 1000}
            if cursor:
                params["cursor"] = cursor
            response = client.get("/api/public/v2/observations", params=params)
            if response.status_code == 404:
                return ids
            assert response.status_code == 200, f"{response.status_code} {response.text[:2000]}"
            body = response.json()
            for row in body["data"]:
                assert row["traceId"] == trace_id, row
                ids.append(row["id"])
            cursor = body["meta"].get("cursor")
            if not cursor:
                return ids


def total_observations(server: SpyglassServer) -> int | None:
    """``meta.totalItems`` of ``/observations`` (the whole project); None if not served."""
    response = httpx.get(
        f"{server.base_url}/api/public/observations",
        params={"limit": 1},
        auth=AUTH,
        timeout=30,
    )
    if response.status_code != 200:
        return None
    return int(response.json()["meta"]["totalItems"])


def wait_until_stored(
    server: SpyglassServer, exports: list[Export], *, timeout: float
) -> dict[str, list[str]]:
    """Poll until every export's spans are there (or the count stops moving); the rows."""
    expected = sum(len(export.span_ids) for export in exports)
    last: dict[str, Any] = {"count": None, "since": time.monotonic()}

    def probe() -> bool | None:
        count = total_observations(server)
        if count != last["count"]:
            last.update(count=count, since=time.monotonic())
        if count is not None and count >= expected:
            return True
        # The count settled below the target for a long while: stop and report.
        if count is not None and count > 0 and time.monotonic() - last["since"] > 15:
            return False
        return None

    poll(
        probe,
        timeout=timeout,
        interval=0.5,
        what=f"{expected} observations queryable",
        detail=lambda: f"last count: {last['count']}\n--- server log\n{server.log()[-4000:]}",
    )
    return {export.trace_id: observation_ids(server, export.trace_id) for export in exports}


def assert_stored_exactly_once(
    stored: dict[str, list[str]], exports: list[Export], server: SpyglassServer
) -> None:
    missing: dict[int, int] = {}
    for export in exports:
        rows = stored[export.trace_id]
        duplicates = len(rows) - len(set(rows))
        assert duplicates == 0, (
            f"export {export.index}: {duplicates} span(s) stored more than once "
            f"({len(rows)} rows, {len(set(rows))} distinct)"
        )
        extra = set(rows) - set(export.span_ids)
        assert not extra, f"export {export.index}: spans nobody sent: {sorted(extra)[:5]}"
        lost = set(export.span_ids) - set(rows)
        if lost:
            missing[export.index] = len(lost)
    assert not missing, (
        f"acknowledged spans lost (export index: count): {missing}\n"
        f"--- server log\n{server.log()[-4000:]}"
    )
    total = total_observations(server)
    expected = sum(len(export.span_ids) for export in exports)
    assert total == expected, f"{total} observations in the project, {expected} sent"


# --------------------------------------------------------------------------- crash


def pending_batches(server: SpyglassServer) -> int:
    """Accepted batches not yet applied, read from the embedded SQLite database."""
    with closing(sqlite3.connect(server.data_dir / "spyglass.db", timeout=10)) as db:
        (count,) = db.execute(
            "SELECT count(*) FROM ingestion_batches WHERE processed_at IS NULL"
        ).fetchone()
    return int(count)


@dataclass
class Sender:
    """Posts exports from worker threads; retries anything unacknowledged until acked."""

    base_url: str
    exports: list[Export]
    deadline: float
    lock: threading.Lock = field(default_factory=threading.Lock)
    acked: set[int] = field(default_factory=set)
    attempts: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    stopped: threading.Event = field(default_factory=threading.Event)

    def url(self) -> str:
        with self.lock:
            return self.base_url + OTLP_PATH

    def point_at(self, base_url: str) -> None:
        with self.lock:
            self.base_url = base_url

    def send(self, export: Export) -> None:
        """Post one export until a 2xx or the deadline."""
        with httpx.Client(auth=AUTH, timeout=10) as client:
            while time.monotonic() < self.deadline and not self.stopped.is_set():
                with self.lock:
                    self.attempts[export.index] = self.attempts.get(export.index, 0) + 1
                try:
                    response = client.post(self.url(), content=export.body, headers=OTLP_HEADERS)
                except httpx.TransportError as error:
                    self._failed(export, f"{type(error).__name__}")
                    time.sleep(0.2)
                    continue
                with self.lock:
                    self.statuses[response.status_code] = (
                        self.statuses.get(response.status_code, 0) + 1
                    )
                if 200 <= response.status_code < 300:
                    with self.lock:
                        self.acked.add(export.index)
                    return
                self._failed(export, f"{response.status_code} {response.text[:200]}")
                retry_after = float(response.headers.get("retry-after", "0.2") or 0.2)
                time.sleep(min(retry_after, 1.0))

    def _failed(self, export: Export, reason: str) -> None:
        with self.lock:
            self.failures.append(f"export {export.index}: {reason}")

    def acked_count(self) -> int:
        with self.lock:
            return len(self.acked)


CRASH_EXPORTS = 60
CRASH_SPANS_PER_EXPORT = 50
CRASH_CONCURRENCY = 4


def test_sigkill_mid_stream_loses_no_acknowledged_span_and_duplicates_none(
    spyglass_server: ServerFactory,
) -> None:
    started = time.monotonic()
    server = spyglass_server({**SERVER_ENV, "SPYGLASS_LOG_LEVEL": "warning"})
    run = run_id()
    exports = [make_export(run, index, CRASH_SPANS_PER_EXPORT) for index in range(CRASH_EXPORTS)]
    sender = Sender(base_url=server.base_url, exports=exports, deadline=started + 110)

    pool = ThreadPoolExecutor(max_workers=CRASH_CONCURRENCY, thread_name_prefix="otlp-client")
    futures = [pool.submit(sender.send, export) for export in exports]
    try:
        poll(
            lambda: True if sender.acked_count() >= CRASH_EXPORTS // 3 else None,
            timeout=60,
            interval=0.01,
            what=f"{CRASH_EXPORTS // 3} exports acknowledged before the crash",
            detail=lambda: f"failures: {sender.failures[-10:]}\n{server.log()[-3000:]}",
        )
        acked_before_kill = sender.acked_count()
        assert server.process is not None
        pid = server.process.pid
        code = server.kill()
        assert code == -9, f"the server (pid {pid}) did not die of SIGKILL: {code}"
        pending_at_kill = pending_batches(server)
        time.sleep(0.5)  # the client keeps failing against the dead port meanwhile
        server.start()  # same data directory, new port
        sender.point_at(server.base_url)
        for future in futures:
            future.result(timeout=max(1.0, sender.deadline - time.monotonic() + 15))
    finally:
        sender.stopped.set()
        pool.shutdown(wait=True, cancel_futures=True)

    unacked = sorted(set(range(CRASH_EXPORTS)) - sender.acked)
    assert not unacked, (
        f"exports never acknowledged after the restart: {unacked}\n"
        f"last failures: {sender.failures[-10:]}\n--- server log\n{server.log()[-4000:]}"
    )
    assert acked_before_kill < CRASH_EXPORTS, "the kill came after the stream ended"
    retried = sum(1 for count in sender.attempts.values() if count > 1)
    assert retried > 0, f"no export needed a retry; statuses {sender.statuses}"
    assert not any(500 <= status < 600 and status != 503 for status in sender.statuses), (
        f"server errors while streaming: {sender.statuses}"
    )

    stored = wait_until_stored(server, exports, timeout=max(20.0, started + 170 - time.monotonic()))
    assert_stored_exactly_once(stored, exports, server)
    assert pending_batches(server) == 0, "batches still pending after everything was stored"
    print(
        f"crash: {acked_before_kill}/{CRASH_EXPORTS} exports acked before SIGKILL, "
        f"{pending_at_kill} batches pending at the kill, {retried} exports retried, "
        f"statuses {sender.statuses}"
    )
    assert time.monotonic() - started < 180


# --------------------------------------------------------------------------- overload


OVERLOAD_REQUESTS = 40
OVERLOAD_SPANS_PER_EXPORT = 200


def test_overload_answers_retry_after_and_keeps_every_accepted_span(
    spyglass_server: ServerFactory,
) -> None:
    server = spyglass_server(
        {
            **SERVER_ENV,
            "SPYGLASS_PLUGIN_TRACING_QUEUE_BOUND": "2",
            "SPYGLASS_LOG_LEVEL": "warning",
        }
    )
    run = run_id()
    exports = [
        make_export(run, index, OVERLOAD_SPANS_PER_EXPORT) for index in range(OVERLOAD_REQUESTS)
    ]
    gate = threading.Barrier(OVERLOAD_REQUESTS, timeout=30)

    def fire(export: Export) -> httpx.Response:
        with httpx.Client(auth=AUTH, timeout=60) as client:
            gate.wait()
            return client.post(
                f"{server.base_url}{OTLP_PATH}", content=export.body, headers=OTLP_HEADERS
            )

    with ThreadPoolExecutor(max_workers=OVERLOAD_REQUESTS) as pool:
        responses = list(pool.map(fire, exports, timeout=120))

    statuses = [response.status_code for response in responses]
    summary = {status: statuses.count(status) for status in set(statuses)}
    assert set(statuses) <= {200, 429, 503}, f"unexpected answers under overload: {summary}"
    refused = [r for r in responses if r.status_code in (429, 503)]
    assert refused, f"a queue bound of 2 refused nothing out of {OVERLOAD_REQUESTS}: {summary}"
    for response in refused:
        retry_after = response.headers.get("retry-after")
        assert retry_after is not None, f"{response.status_code} without Retry-After"
        assert retry_after.strip().isdigit() and int(retry_after) >= 1, retry_after
        assert response.headers.get("content-type", "").startswith("application/json"), (
            response.headers
        )
        assert response.json().get("message"), response.text
    accepted = [
        export
        for export, response in zip(exports, responses, strict=True)
        if response.status_code == 200
    ]
    assert accepted, f"nothing accepted: {summary}"

    stored = wait_until_stored(server, accepted, timeout=90)
    assert_stored_exactly_once(stored, accepted, server)
    print(f"overload: answers {summary}")
    # A refused export stored nothing: the client is told to retry it whole.
    for export, response in zip(exports, responses, strict=True):
        if response.status_code != 200:
            assert observation_ids(server, export.trace_id) == [], (
                f"export {export.index} was refused ({response.status_code}) but stored"
            )


# --------------------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def bad_input_server(module_spyglass_server: ServerFactory) -> Iterator[SpyglassServer]:
    yield module_spyglass_server(SERVER_ENV)


def post(server: SpyglassServer, path: str, content: bytes, **headers: str) -> httpx.Response:
    response = httpx.post(
        f"{server.base_url}{path}", content=content, headers=headers, auth=AUTH, timeout=30
    )
    assert response.status_code < 500, (
        f"POST {path} answered {response.status_code}: {response.text[:1000]}"
    )
    return response


def assert_json_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.text[:1000]}"
    )
    assert response.headers.get("content-type", "").startswith("application/json"), response.headers
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("message"), str) and body["message"], body
    return body


def _iso(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).isoformat().replace("+00:00", "Z")


def envelope(kind: str, body: Any, event_id: str | None = None) -> dict[str, Any]:
    return {"id": event_id or str(uuid.uuid4()), "type": kind, "timestamp": _iso(), "body": body}


def ingest(server: SpyglassServer, *events: dict[str, Any]) -> dict[str, Any]:
    """Post a batch; it must answer 207. The answer's body."""
    response = post(
        server,
        "/api/public/ingestion",
        json.dumps({"batch": list(events)}).encode(),
        **{"Content-Type": "application/json"},
    )
    assert response.status_code == 207, f"{response.status_code}: {response.text[:1000]}"
    result: dict[str, Any] = response.json()
    return result


def wait_for_trace(server: SpyglassServer, trace_id: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        response = httpx.get(
            f"{server.base_url}/api/public/traces/{trace_id}", auth=AUTH, timeout=10
        )
        return response.json() if response.status_code == 200 else None

    found: dict[str, Any] = poll(
        probe, timeout=20, what=f"trace {trace_id} queryable", detail=lambda: server.log()[-3000:]
    )
    return found


def test_malformed_otlp_bodies_get_400(bad_input_server: SpyglassServer) -> None:
    server = bad_input_server
    protobuf = {"Content-Type": "application/x-protobuf"}
    garbage = b"\xff\xff\xff\xff this is not protobuf \x00\x01"
    assert_json_error(post(server, OTLP_PATH, garbage, **protobuf), 400)
    gzipped_garbage = gzip.compress(garbage)
    assert_json_error(
        post(server, OTLP_PATH, gzipped_garbage, **protobuf, **{"Content-Encoding": "gzip"}), 400
    )
    # Claims gzip, is not.
    valid = ExportTraceServiceRequest().SerializeToString() + b"\x0a\x00"
    assert_json_error(
        post(server, OTLP_PATH, valid, **protobuf, **{"Content-Encoding": "gzip"}), 400
    )
    json_type = {"Content-Type": "application/json"}
    assert_json_error(post(server, OTLP_PATH, b'{"resourceSpans": [', **json_type), 400)
    assert_json_error(post(server, OTLP_PATH, b"hello", **{"Content-Type": "text/plain"}), 400)


def test_malformed_json_to_ingestion_gets_400(bad_input_server: SpyglassServer) -> None:
    server = bad_input_server
    headers = {"Content-Type": "application/json"}
    assert_json_error(post(server, "/api/public/ingestion", b'{"batch": [', **headers), 400)
    assert_json_error(post(server, "/api/public/ingestion", b"not json at all", **headers), 400)
    assert_json_error(post(server, "/api/public/ingestion", b'{"batch": 3}', **headers), 400)
    assert_json_error(post(server, "/api/public/ingestion", b"[]", **headers), 400)


def test_wrong_types_unknown_types_and_long_ids_fail_per_event(
    bad_input_server: SpyglassServer,
) -> None:
    server = bad_input_server
    trace_id = f"valid-{uuid.uuid4()}"
    valid = envelope("trace-create", {"id": trace_id, "name": "valid-next-to-bad"})
    valid_span = envelope(
        "span-create", {"id": f"{trace_id}-span", "traceId": trace_id, "name": "ok"}
    )
    bad = {
        "wrong-name-type": envelope("span-create", {"id": "s1", "traceId": trace_id, "name": 123}),
        "wrong-time-type": envelope(
            "span-create", {"id": "s2", "traceId": trace_id, "startTime": {"not": "a time"}}
        ),
        "wrong-level-type": envelope("span-create", {"id": "s4", "traceId": trace_id, "level": 7}),
        "wrong-score-value": envelope(
            "score-create", {"traceId": trace_id, "name": "bad", "value": {"not": "a value"}}
        ),
        "body-not-object": envelope("trace-create", ["a", "list"]),
        "unknown-type": envelope("made-up-create", {"id": "x", "traceId": trace_id}),
        "long-body-id": envelope("trace-create", {"id": "t" * 1001, "name": "too long"}),
        "long-trace-ref": envelope("span-create", {"id": "s3", "traceId": "t" * 1001}),
        "long-envelope-id": envelope("trace-create", {"id": "fine"}, event_id="e" * 1001),
    }
    answer = ingest(server, valid, *bad.values(), valid_span)

    successes = {item["id"] for item in answer["successes"]}
    assert successes == {valid["id"], valid_span["id"]}, answer
    errors = {item["id"]: item for item in answer["errors"]}
    for label, event in bad.items():
        assert event["id"] in errors, f"{label}: no per-event error in {answer}"
        error = errors[event["id"]]
        assert error["status"] == 400, (label, error)
        assert error.get("message"), (label, error)
    assert len(answer["errors"]) == len(bad), answer

    stored = wait_for_trace(server, trace_id)
    assert stored["name"] == "valid-next-to-bad", stored

    def span_there() -> bool | None:
        response = httpx.get(
            f"{server.base_url}/api/public/traces/{trace_id}", auth=AUTH, timeout=10
        )
        names = [row["name"] for row in response.json().get("observations", [])]
        return True if names == ["ok"] else None

    poll(span_there, timeout=20, what="only the valid span stored")


def test_oversized_ingestion_body_gets_413_with_json(bad_input_server: SpyglassServer) -> None:
    server = bad_input_server
    trace_id = f"big-{uuid.uuid4()}"
    big = json.dumps(
        {"batch": [envelope("trace-create", {"id": trace_id, "input": "x" * (5 * 1024 * 1024)})]}
    ).encode()
    assert len(big) > 4_500_000
    response = post(server, "/api/public/ingestion", big, **{"Content-Type": "application/json"})
    assert_json_error(response, 413)
    # Nothing of it was stored, and the server still answers.
    time.sleep(1.0)
    missing = httpx.get(f"{server.base_url}/api/public/traces/{trace_id}", auth=AUTH, timeout=10)
    assert missing.status_code == 404, missing.text[:500]
    health = httpx.get(f"{server.base_url}/api/public/health", timeout=10)
    assert health.status_code == 200
