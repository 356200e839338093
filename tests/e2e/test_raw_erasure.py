"""Deleted means deleted: no file under the data directory keeps a deleted trace's input.

A real ``spyglass serve`` on the embedded defaults (SQLite, chDB, local blobs) in a data
directory of its own. A unique marker goes into one trace's input, output, observation
and score through the batch API or OTLP, next to another trace in the same request
(the same raw batch file). Once it is applied the trace is deleted, and within a bounded
time no file anywhere under the data directory holds the marker's bytes (the raw
batch files, SQLite and its WAL, chDB's parts), while the other trace is intact both in
reads and in the rewritten batch file.
"""

from __future__ import annotations

import gzip
import json
import os
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

from .conftest import ServerFactory, SpyglassServer, poll

pytestmark = pytest.mark.e2e

PUBLIC_KEY = "pk-lf-e2e-erasure"
SECRET_KEY = "sk-lf-e2e-erasure"
AUTH = (PUBLIC_KEY, SECRET_KEY)
SERVER_ENV = {
    "SPYGLASS_INIT_PROJECT_ID": "proj-erasure",
    "SPYGLASS_INIT_PROJECT_NAME": "Erasure",
    "SPYGLASS_INIT_PROJECT_PUBLIC_KEY": PUBLIC_KEY,
    "SPYGLASS_INIT_PROJECT_SECRET_KEY": SECRET_KEY,
}
ERASE_WITHIN_SECONDS = 30.0


@pytest.fixture
def server(spyglass_server: ServerFactory) -> Iterator[SpyglassServer]:
    yield spyglass_server(env=SERVER_ENV)


def files_holding(root: Path, needle: bytes) -> list[str]:
    """Every file under ``root`` whose bytes contain ``needle``."""
    found = []
    # os.walk skips a directory that disappears while it walks (chDB's temporary mutation
    # parts come and go); Path.rglob raises instead.
    for directory, _, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            try:
                if needle in path.read_bytes():
                    found.append(str(path.relative_to(root)))
            except (FileNotFoundError, PermissionError, IsADirectoryError):
                continue  # removed (or locked) while we walked
    return found


def trace_of(server: SpyglassServer, trace_id: str) -> dict[str, Any] | None:
    response = httpx.get(f"{server.base_url}/api/public/traces/{trace_id}", auth=AUTH, timeout=10)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return dict(response.json())


def applied(server: SpyglassServer, trace_id: str, observations: int) -> dict[str, Any] | None:
    found = trace_of(server, trace_id)
    if found is None or len(found["observations"]) < observations:
        return None
    return found


def delete_and_wait_for_erasure(
    server: SpyglassServer,
    doomed: str,
    secret: str,
    survivor: str,
    kept: str,
    *,
    in_analytics_parts: bool,
) -> None:
    """Delete ``doomed``; the marker leaves every file while ``kept`` stays where it was.

    ``in_analytics_parts``: check that the marker's bytes are in chDB's parts before
    (whether compression leaves them readable depends on the rows around them).
    """
    data_dir = server.data_dir
    before = files_holding(data_dir, secret.encode())
    assert any(name.startswith("blobs/ingestion/") for name in before), before
    if in_analytics_parts:
        assert any(name.startswith("chdb/") for name in before), before
    started = time.monotonic()
    response = httpx.delete(f"{server.base_url}/api/public/traces/{doomed}", auth=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    assert time.monotonic() - started < 5  # the erasure runs in the background
    assert trace_of(server, doomed) is None

    poll(
        lambda: True if not files_holding(data_dir, secret.encode()) else None,
        timeout=ERASE_WITHIN_SECONDS,
        interval=0.5,
        what="the erasure of the deleted trace's input from every file",
        detail=lambda: "\n".join(files_holding(data_dir, secret.encode())) + "\n" + server.log(),
    )

    survived = trace_of(server, survivor)
    assert survived is not None and kept in json.dumps(survived)
    raw = [name for name in files_holding(data_dir, kept.encode()) if name.startswith("blobs/")]
    assert len(raw) == 1, raw  # the shared batch file, rewritten with the other trace only
    assert trace_of(server, doomed) is None


def test_a_trace_deleted_after_batch_ingestion_leaves_no_file_holding_its_input(
    server: SpyglassServer,
) -> None:
    secret, kept = f"secret-{uuid.uuid4().hex}", f"kept-{uuid.uuid4().hex}"
    doomed, survivor = f"doomed-{uuid.uuid4().hex}", f"survivor-{uuid.uuid4().hex}"
    now = datetime.now(UTC).isoformat()

    def event(kind: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"id": uuid.uuid4().hex, "type": kind, "timestamp": now, "body": body}

    batch = [
        event("trace-create", {"id": doomed, "name": "doomed", "input": {"q": secret}}),
        event(
            "span-create",
            {"id": f"{doomed}-span", "traceId": doomed, "input": secret, "startTime": now},
        ),
        event("span-update", {"id": f"{doomed}-span", "output": {"a": secret}}),
        event(
            "score-create",
            {
                "id": f"{doomed}-score",
                "traceId": doomed,
                "name": "q",
                "value": 1,
                "comment": secret,
            },
        ),
        event("trace-create", {"id": survivor, "name": "survivor", "input": {"q": kept}}),
        event(
            "span-create",
            {"id": f"{survivor}-span", "traceId": survivor, "input": kept, "startTime": now},
        ),
    ]
    response = httpx.post(
        f"{server.base_url}/api/public/ingestion", json={"batch": batch}, auth=AUTH, timeout=10
    )
    assert response.status_code == 207, response.text
    assert len(response.json()["successes"]) == len(batch), response.text
    poll(lambda: applied(server, doomed, 1), what="the batch to be applied")
    poll(lambda: applied(server, survivor, 1), what="the batch to be applied")

    delete_and_wait_for_erasure(server, doomed, secret, survivor, kept, in_analytics_parts=True)


def _span(trace_id: bytes, span_id: bytes, name: str, text: str) -> Span:
    start = time.time_ns()
    attributes = [
        KeyValue(key="langfuse.trace.input", value=AnyValue(string_value=json.dumps({"q": text}))),
        KeyValue(key="langfuse.observation.input", value=AnyValue(string_value=text)),
    ]
    return Span(
        trace_id=trace_id,
        span_id=span_id,
        name=name,
        start_time_unix_nano=start,
        end_time_unix_nano=start + 1_000_000,
        attributes=attributes,
    )


def test_a_trace_deleted_after_otlp_ingestion_leaves_no_file_holding_its_input(
    server: SpyglassServer,
) -> None:
    secret, kept = f"secret-{uuid.uuid4().hex}", f"kept-{uuid.uuid4().hex}"
    doomed, survivor = uuid.uuid4().bytes, uuid.uuid4().bytes
    request = ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                scope_spans=[
                    ScopeSpans(
                        spans=[
                            _span(doomed, b"\x01" * 8, "doomed", secret),
                            _span(survivor, b"\x02" * 8, "survivor", kept),
                        ]
                    )
                ]
            )
        ]
    )
    response = httpx.post(
        f"{server.base_url}/api/public/otel/v1/traces",
        content=gzip.compress(request.SerializeToString()),
        headers={"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"},
        auth=AUTH,
        timeout=10,
    )
    assert response.status_code == 200, response.text
    poll(lambda: applied(server, doomed.hex(), 1), what="the export to be applied")
    poll(lambda: applied(server, survivor.hex(), 1), what="the export to be applied")

    delete_and_wait_for_erasure(
        server, doomed.hex(), secret, survivor.hex(), kept, in_analytics_parts=False
    )
