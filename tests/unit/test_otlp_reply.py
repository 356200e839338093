"""The hand-written OTLP export answer is what protobuf's generated class writes."""

from __future__ import annotations

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

from spyglass_tracing.otlp.reply import export_response


def _generated(rejected: int, message: str) -> bytes:
    reply = ExportTraceServiceResponse()
    if rejected:
        reply.partial_success.rejected_spans = rejected
        reply.partial_success.error_message = message
    return reply.SerializeToString()


@pytest.mark.parametrize(
    ("rejected", "message"),
    [
        (0, ""),
        (1, "abc: missing span id"),
        (127, ""),
        (128, "x" * 200),  # two-byte varints for the count and both lengths
        (300_000, "span 7: name is not UTF-8 — €"),
        (2**40, "; ".join(f"{n:016x}: too deep" for n in range(20))),
    ],
)
def test_the_answer_matches_protobuf(rejected: int, message: str) -> None:
    encoded = export_response(rejected, message)
    assert encoded == _generated(rejected, message)
    decoded = ExportTraceServiceResponse.FromString(encoded)
    assert decoded.partial_success.rejected_spans == rejected
    assert decoded.partial_success.error_message == (message if rejected else "")
