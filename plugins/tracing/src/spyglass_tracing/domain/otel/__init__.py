"""OpenTelemetry spans as Langfuse ingestion events: the pure half of the OTLP endpoint.

The HTTP layer decodes an ``ExportTraceServiceRequest`` (protobuf or OTLP/JSON) into
``OtelSpan``s; this package turns each span into the ``EntityEvent``s it stands for, the
way Langfuse's ``OtelIngestionProcessor`` does: one ``observation-create`` per span and,
for a root span or a span carrying trace-level attributes, one ``trace-create``.

Every body is a patch that sets only what the span says, so the trace events of many
spans of one trace merge without clearing each other. Event ids derive from the trace
and span ids, so a re-sent span gives identical events. Nothing here raises on odd
attribute values: an attribute of the wrong type is skipped (or stringified where a
string is expected), and a span the mapping cannot read at all still becomes a bare
observation.

The package is split by concern: ``spans`` (the Structs), ``values`` (plain value
coercion), ``validation``, ``types`` (observation type), ``io`` (input and output),
``generation`` (model, parameters, usage, cost, prompt), ``metadata``, ``trace``
(trace-level fields) and ``mapping`` (the assembly of the events).
"""

from __future__ import annotations

from spyglass_tracing.domain.otel.mapping import span_to_events, spans_to_events
from spyglass_tracing.domain.otel.spans import LANGFUSE_SCOPE, OtelSpan, OtelSpanEvent
from spyglass_tracing.domain.otel.validation import validate_span

__all__ = (
    "LANGFUSE_SCOPE",
    "OtelSpan",
    "OtelSpanEvent",
    "span_to_events",
    "spans_to_events",
    "validate_span",
)
