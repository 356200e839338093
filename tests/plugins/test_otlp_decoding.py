"""OTLP exports decoded in a worker process: same answers, a bound, crash recovery, cleanup.

The app is the real embedded one; its ``OtlpDecoder`` spawns real decoding processes,
which these tests count (``multiprocessing.active_children``) and kill.
"""

from __future__ import annotations

import asyncio
import gzip
import multiprocessing
import os
import signal
import struct
from collections.abc import AsyncIterator
from multiprocessing.process import BaseProcess
from pathlib import Path

import httpx
import msgspec
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.proto.trace.v1.trace_pb2 import Span

import spyglass_tracing
from spyglass.settings import load_settings
from spyglass_core.hookspecs import PluginConfig
from spyglass_tracing.options import tracing_options
from spyglass_tracing.services.otlp_decoding import OtlpDecoder
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings
from tests.plugins.test_tracing_ingest import ROOT_ID, TRACE_ID, export_request, otlp_span, settle

OTLP_PATH = "/api/public/otel/v1/traces"
PROTOBUF_GZIP = {"content-type": "application/x-protobuf", "content-encoding": "gzip"}
LARGE_EXPORT_SPANS = 5_000
"""Enough spans to keep a decoding process busy for a good fraction of a second."""


def large_export(spans: int = LARGE_EXPORT_SPANS) -> bytes:
    """One gzip protobuf export of ``spans`` children of the test trace's root span."""
    children = []
    for n in range(spans):
        span = otlp_span(ROOT_ID, ROOT_ID, f"child-{n}", **{"langfuse.observation.input": "x"})
        span.span_id = struct.pack(">Q", n + 1)
        children.append(span)
    return gzip.compress(export_request(*children))


async def post_export(app: EmbeddedApp, body: bytes) -> httpx.Response:
    return await app.client.post(OTLP_PATH, content=body, headers=PROTOBUF_GZIP, auth=app.auth())


def small_export(span_id: str = ROOT_ID) -> bytes:
    span: Span = otlp_span(span_id, None, "root")
    return gzip.compress(export_request(span))


def decoding_processes(before: set[BaseProcess]) -> list[BaseProcess]:
    """Processes this test process started since ``before`` that are still alive."""
    return [child for child in multiprocessing.active_children() if child not in before]


async def wait_for_pending(decoder: OtlpDecoder, count: int) -> None:
    """Wait (up to 30 s) until ``count`` exports are in the decoder's hands."""
    for _ in range(3000):
        if decoder.pending == count:
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"the decoder never had {count} export(s) pending (has {decoder.pending})")


@pytest.fixture
async def app(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[EmbeddedApp]:
    async with embedded_app(
        embedded_settings(tmp_path, chdb_dsn), plugins=[spyglass_tracing]
    ) as running:
        yield running


async def test_decoding_processes_start_on_the_first_export_and_stop_with_the_app(
    tmp_path: Path, chdb_dsn: str
) -> None:
    before = set(multiprocessing.active_children())
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, plugins=[spyglass_tracing]) as app:
        health = await app.client.get("/api/public/health")
        assert health.status_code == 200
        assert decoding_processes(before) == [], "a process started before any export"
        response = await post_export(app, small_export())
        assert response.status_code == 200, response.text
        assert len(decoding_processes(before)) == 1  # otlp_decode_workers defaults to 1
        store = await settle(app)
        assert await store.get_observation(app.project.id, ROOT_ID) is not None
    assert decoding_processes(before) == [], "the decoding process outlived its app"


async def test_bodies_that_do_not_decode_keep_their_400_messages(app: EmbeddedApp) -> None:
    # The messages InvalidInput carried when the handler decoded on the event loop; raised
    # in the decoding process now, they must come back unchanged.
    span = {"traceId": TRACE_ID, "spanId": ROOT_ID, "attributes": {"a": 1}}
    bad_attributes = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    cases = [
        (
            b"\xff\xff\x00garbage",
            {"content-type": "application/x-protobuf"},
            "Body is not a valid OTLP protobuf message: Error parsing message with type "
            "'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest': "
            "Wire format was corrupt",
        ),
        (
            b"not json",
            {"content-type": "application/json"},
            "Body is not valid JSON: JSON is malformed: invalid character (byte 4)",
        ),
        (
            b"not gzip",
            {"content-type": "application/x-protobuf", "content-encoding": "gzip"},
            "Body is not valid gzip: Error -3 while decompressing data: incorrect header check",
        ),
        (
            b"x",
            {"content-type": "application/x-protobuf", "content-encoding": "br"},
            "Unsupported Content-Encoding 'br'",
        ),
        (
            msgspec.json.encode(bad_attributes),
            {"content-type": "application/json"},
            "OTLP attributes must be a list of {key, value}",
        ),
        (
            b"[1]",
            {"content-type": "application/json"},
            "An OTLP/JSON body must be an object with resourceSpans",
        ),
    ]
    for body, headers, message in cases:
        response = await app.client.post(OTLP_PATH, content=body, headers=headers, auth=app.auth())
        assert response.status_code == 400, (body, response.text)
        assert response.json() == {"message": message, "error": "InvalidRequestError"}
    decoder = await app.container.get(OtlpDecoder)
    assert decoder.pending == 0


async def test_past_the_decoding_bound_an_export_is_refused_at_once(
    tmp_path: Path, chdb_dsn: str
) -> None:
    options = {"otlp_decode_queue": "1", "retry_after_seconds": "4"}
    settings = embedded_settings(
        tmp_path, chdb_dsn, plugin_config=PluginConfig(sections={"tracing": options})
    )
    async with embedded_app(settings, plugins=[spyglass_tracing]) as app:
        decoder = await app.container.get(OtlpDecoder)
        large = asyncio.create_task(post_export(app, large_export()))
        await wait_for_pending(decoder, 1)
        refused = await post_export(app, small_export(ROOT_ID))
        assert refused.status_code == 429, refused.text
        assert refused.headers["retry-after"] == "4"
        assert refused.json()["error"] == "TooManyRequestsError"
        accepted = await large
        assert accepted.status_code == 200, accepted.text
        assert decoder.pending == 0
        again = await post_export(app, small_export(ROOT_ID))
        assert again.status_code == 200, again.text
        store = await settle(app)
        observations = await store.list_observations(app.project.id, TRACE_ID)
        assert len(observations) == LARGE_EXPORT_SPANS + 1  # the children and the root


async def test_a_killed_decoding_process_costs_one_503_and_is_replaced(app: EmbeddedApp) -> None:
    before = set(multiprocessing.active_children())
    decoder = await app.container.get(OtlpDecoder)
    assert (await post_export(app, small_export())).status_code == 200  # starts the pool
    (process,) = decoding_processes(before)

    in_flight = asyncio.create_task(post_export(app, large_export()))
    await wait_for_pending(decoder, 1)
    assert process.pid is not None
    os.kill(process.pid, signal.SIGKILL)
    crashed = await in_flight
    assert crashed.status_code == 503, crashed.text
    assert crashed.headers["retry-after"]
    assert crashed.json()["message"] == "The OTLP decoding process stopped; retry the export"
    assert decoder.pending == 0

    retried = await post_export(app, large_export())
    assert retried.status_code == 200, retried.text
    reply = ExportTraceServiceResponse.FromString(retried.content)
    assert reply.partial_success.rejected_spans == 0
    (replacement,) = decoding_processes(before)
    assert replacement.pid != process.pid
    store = await settle(app)
    observations = await store.list_observations(app.project.id, TRACE_ID)
    assert len(observations) == LARGE_EXPORT_SPANS + 1


def test_decoding_settings_come_from_the_environment() -> None:
    settings = load_settings(
        {
            "SPYGLASS_PLUGIN_TRACING_OTLP_DECODE_WORKERS": "3",
            "SPYGLASS_PLUGIN_TRACING_OTLP_DECODE_QUEUE": "20",
        }
    )
    options = tracing_options(settings.plugin_config)
    assert (options.otlp_decode_workers, options.otlp_decode_queue) == (3, 20)
    defaults = tracing_options(PluginConfig())
    assert (defaults.otlp_decode_workers, defaults.otlp_decode_queue) == (1, 2)
