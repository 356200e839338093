"""The OTLP exports the load benchmarks send: LLM-like traces as protobuf requests.

Shaped like the Langfuse v5 SDK's exports (``langfuse.*`` attributes, its headers): 10
spans per trace, a third of them generations with a model and usage, ``io_chars`` of
input and output text per span. Used by ``otlp_load.py``, ``otlp_stall.py`` and
``footprint.py``.
"""

from __future__ import annotations

import gzip
import json
import random
import time
from dataclasses import dataclass

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span

__all__ = ("HEADERS", "OTLP_PATH", "SPANS_PER_TRACE", "Request", "build_requests", "kv")

OTLP_PATH = "/api/public/otel/v1/traces"
SPANS_PER_TRACE = 10
HEADERS = {
    "Content-Type": "application/x-protobuf",
    "x-langfuse-sdk-name": "python",
    "x-langfuse-sdk-version": "5.0.4",
    "x-langfuse-ingestion-version": "4",
}

_VOCABULARY = (
    "the model answers questions about invoices shipping refunds accounts orders "
    "please summarize the following document and list the key risks with a short "
    "explanation for each one customer support agent policy context retrieval tool "
    "search result citation paragraph table revenue quarter growth forecast margin"
)
WORDS = _VOCABULARY.split()


def _text(rng: random.Random, size: int) -> str:
    """About ``size`` characters of English-like words (compresses like real prompts)."""
    return " ".join(rng.choices(WORDS, k=size // 5))[:size]


def kv(key: str, value: str | int | bool | list[str]) -> KeyValue:
    """One OTLP attribute (string, int, bool or a list of strings)."""
    if isinstance(value, bool):
        return KeyValue(key=key, value=AnyValue(bool_value=value))
    if isinstance(value, int):
        return KeyValue(key=key, value=AnyValue(int_value=value))
    if isinstance(value, list):
        any_value = AnyValue()
        any_value.array_value.values.extend(AnyValue(string_value=item) for item in value)
        return KeyValue(key=key, value=any_value)
    return KeyValue(key=key, value=AnyValue(string_value=value))


def _trace_spans(
    rng: random.Random, trace_id: bytes, start_ns: int, io_chars: int = 1300
) -> list[Span]:
    """One trace: a root span and 9 children, every third one a generation.

    ``io_chars`` characters of input and output text per span (54/46); 1,300 make a
    span of about 2 KB.
    """
    span_ids = [rng.randbytes(8) for _ in range(SPANS_PER_TRACE)]
    user, session = f"user-{rng.randrange(500)}", f"session-{rng.randrange(2000)}"
    shared = [
        kv("user.id", user),
        kv("session.id", session),
        kv("langfuse.trace.name", "support-chat"),
        kv("langfuse.trace.tags", ["bench", "support"]),
        kv("langfuse.trace.metadata.tenant", '"acme"'),
        kv("langfuse.environment", "production"),
        kv("langfuse.release", "bench-1"),
    ]
    spans = []
    for n, span_id in enumerate(span_ids):
        generation = n % 3 == 1
        kind = "generation" if generation else ("tool" if n % 3 == 2 else "span")
        question = _text(rng, io_chars * 7 // 13)
        answer = _text(rng, io_chars - io_chars * 7 // 13)
        attributes = [
            *shared,
            kv("langfuse.observation.type", kind),
            kv(
                "langfuse.observation.input",
                json.dumps(
                    [
                        {"role": "system", "content": "You are a helpful support agent."},
                        {"role": "user", "content": question},
                    ]
                ),
            ),
            kv("langfuse.observation.output", json.dumps({"role": "assistant", "content": answer})),
            kv("langfuse.observation.metadata.step", str(n)),
            kv("langfuse.observation.metadata.component", f'"{kind}-{n}"'),
        ]
        if n == 0:
            attributes.append(kv("langfuse.internal.is_app_root", True))
        if generation:
            usage_in, usage_out = rng.randrange(200, 4000), rng.randrange(20, 800)
            attributes += [
                kv("langfuse.observation.model.name", rng.choice(["gpt-4o", "gpt-4o-mini"])),
                kv(
                    "langfuse.observation.model.parameters",
                    '{"temperature": 0.2, "max_tokens": 1024}',
                ),
                kv(
                    "langfuse.observation.usage_details",
                    json.dumps(
                        {"input": usage_in, "output": usage_out, "total": usage_in + usage_out}
                    ),
                ),
                kv(
                    "langfuse.observation.completion_start_time",
                    '"2026-01-01T00:00:00.100000Z"',
                ),
            ]
        begin = start_ns + n * 2_000_000
        spans.append(
            Span(
                trace_id=trace_id,
                span_id=span_id,
                parent_span_id=b"" if n == 0 else span_ids[0],
                name=f"{kind}-{n}",
                kind=Span.SpanKind.SPAN_KIND_INTERNAL,
                start_time_unix_nano=begin,
                end_time_unix_nano=begin + rng.randrange(1_000_000, 900_000_000),
                attributes=attributes,
            )
        )
    return spans


@dataclass
class Request:
    """One prepared export: its body, the traces in it, its span count."""

    body: bytes
    gzipped: bool
    trace_ids: list[str]
    spans: int
    raw_bytes: int


def build_requests(
    count: int, batch_size: int, seed: int, *, io_chars: int = 1300, gzipped: bool = True
) -> list[Request]:
    """``count`` exports of ``batch_size`` spans (whole traces of 10), protobuf."""
    rng = random.Random(seed)
    traces_per_request = max(1, batch_size // SPANS_PER_TRACE)
    resource = Resource(
        attributes=[
            kv("service.name", "otlp-bench"),
            kv("telemetry.sdk.language", "python"),
            kv("langfuse.environment", "production"),
        ]
    )
    requests = []
    now = time.time_ns()
    for _ in range(count):
        trace_ids = [rng.randbytes(16) for _ in range(traces_per_request)]
        spans = [
            span for trace_id in trace_ids for span in _trace_spans(rng, trace_id, now, io_chars)
        ]
        scope = ScopeSpans(spans=spans)
        scope.scope.name = "langfuse-sdk"
        scope.scope.version = "5.0.4"
        message = ExportTraceServiceRequest(
            resource_spans=[ResourceSpans(resource=resource, scope_spans=[scope])]
        )
        raw = message.SerializeToString()
        requests.append(
            Request(
                body=gzip.compress(raw, compresslevel=6) if gzipped else raw,
                gzipped=gzipped,
                trace_ids=[trace_id.hex() for trace_id in trace_ids],
                spans=len(spans),
                raw_bytes=len(raw),
            )
        )
    return requests
