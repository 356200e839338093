"""OTLP/HTTP trace export bodies (protobuf or JSON) decoded into core ``OtelSpan``s.

Protobuf goes through ``opentelemetry-proto``'s generated classes. OTLP/JSON is walked by
hand rather than with protobuf's JSON mapping, because OTLP/JSON writes trace and span
ids as hex while protobuf's mapping expects base64 for bytes.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import zlib
from typing import Any

import msgspec
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.input_limits import check_json_depth
from spyglass_tracing.domain.otel import OtelSpan, OtelSpanEvent

__all__ = ("decode_body", "decompress", "spans_from_json", "spans_from_protobuf")

MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024
"""The SDK drops batches above 64 MiB itself; anything larger is refused, not inflated."""


def decompress(body: bytes, content_encoding: str) -> bytes:
    """Undo ``Content-Encoding`` (gzip, deflate or none), refusing bombs.

    Raises:
        InvalidInput: an unknown encoding or a corrupt or oversized stream.
    """
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise InvalidInput(f"Unsupported Content-Encoding '{content_encoding}'")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
    try:
        raw = inflater.decompress(body, MAX_DECOMPRESSED_BYTES)
    except (zlib.error, gzip.BadGzipFile) as error:
        raise InvalidInput(f"Body is not valid {encoding}: {error}") from None
    if inflater.unconsumed_tail:
        raise InvalidInput("Decompressed body exceeds 64 MiB")
    return raw


def decode_body(body: bytes, content_type: str) -> list[OtelSpan]:
    """Spans of an ``ExportTraceServiceRequest`` in protobuf or OTLP/JSON.

    Raises:
        InvalidInput: an unsupported content type or a body that does not decode.
    """
    kind = content_type.lower()
    if "protobuf" in kind:
        return spans_from_protobuf(body)
    if "json" in kind:
        return spans_from_json(body)
    raise InvalidInput("Invalid content type", details="Invalid content type")


# -- protobuf ----------------------------------------------------------------------------


def _any_value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    if kind == "int_value":
        return value.int_value
    if kind == "double_value":
        return value.double_value
    if kind == "array_value":
        return [_any_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return {item.key: _any_value(item.value) for item in value.kvlist_value.values}
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return None


def _attributes(items: Any) -> dict[str, Any]:
    return {item.key: _any_value(item.value) for item in items}


def spans_from_protobuf(body: bytes) -> list[OtelSpan]:
    """Decode a binary ``ExportTraceServiceRequest``.

    Raises:
        InvalidInput: the bytes are not a valid message.
    """
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(body)
    except (DecodeError, ValueError) as error:
        raise InvalidInput(f"Body is not a valid OTLP protobuf message: {error}") from None
    spans: list[OtelSpan] = []
    for resource_spans in request.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            scope = scope_spans.scope
            for span in scope_spans.spans:
                spans.append(
                    OtelSpan(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex() or None,
                        name=span.name,
                        start_time_unix_nano=span.start_time_unix_nano,
                        end_time_unix_nano=span.end_time_unix_nano,
                        attributes=_attributes(span.attributes),
                        resource_attributes=resource,
                        scope_name=scope.name or None,
                        scope_version=scope.version or None,
                        status_code=span.status.code,
                        status_message=span.status.message or None,
                        events=[
                            OtelSpanEvent(
                                name=event.name,
                                time_unix_nano=event.time_unix_nano,
                                attributes=_attributes(event.attributes),
                            )
                            for event in span.events
                        ],
                    )
                )
    return spans


# -- OTLP/JSON ---------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if not isinstance(value, dict):
        raise InvalidInput("An OTLP attribute value must be an AnyValue object")
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "intValue" in value:
        return int(value["intValue"])
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "arrayValue" in value:
        return [_json_value(item) for item in (value["arrayValue"] or {}).get("values", [])]
    if "kvlistValue" in value:
        return _json_attributes((value["kvlistValue"] or {}).get("values", []))
    if "bytesValue" in value:
        return base64.b64decode(value["bytesValue"]).hex()
    return None


def _json_attributes(items: Any) -> dict[str, Any]:
    # Langfuse rejects attributes sent as a plain object: it is usually OTLP logs or
    # metrics posted to the traces endpoint.
    if not isinstance(items, list):
        raise InvalidInput("OTLP attributes must be a list of {key, value}")
    result: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            raise InvalidInput("OTLP attributes must be a list of {key, value}")
        result[item["key"]] = _json_value(item.get("value", {}))
    return result


def _json_id(value: Any, size: int) -> str:
    """OTLP/JSON ids are hex; tolerate base64 (protobuf's own JSON mapping) too."""
    if not value:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("Span ids must be strings")
    if len(value) == size * 2:
        return value.lower()
    try:
        return base64.b64decode(value, validate=True).hex()
    except (binascii.Error, ValueError):
        raise InvalidInput(f"Span id '{value[:40]}' is neither hex nor base64") from None


def spans_from_json(body: bytes) -> list[OtelSpan]:
    """Decode an OTLP/JSON ``ExportTraceServiceRequest``.

    Raises:
        InvalidInput: malformed JSON, JSON nested deeper than ``MAX_JSON_DEPTH``, or a
            structure that is not an export request.
    """
    check_json_depth(body)
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError as error:
        raise InvalidInput(f"Body is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise InvalidInput("An OTLP/JSON body must be an object with resourceSpans")
    try:
        return list(_walk_json(document))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InvalidInput(f"Malformed OTLP/JSON: {error}") from None


def _walk_json(document: dict[str, Any]) -> Any:
    for resource_spans in document.get("resourceSpans") or []:
        resource = _json_attributes((resource_spans.get("resource") or {}).get("attributes", []))
        for scope_spans in resource_spans.get("scopeSpans") or []:
            scope = scope_spans.get("scope") or {}
            for span in scope_spans.get("spans") or []:
                trace_id = _json_id(span.get("traceId"), 16)
                span_id = _json_id(span.get("spanId"), 8)
                if not trace_id or not span_id:
                    raise InvalidInput("Every span needs a traceId and a spanId")
                status = span.get("status") or {}
                yield OtelSpan(
                    trace_id=trace_id,
                    span_id=span_id,
                    parent_span_id=_json_id(span.get("parentSpanId"), 8) or None,
                    name=str(span.get("name", "")),
                    start_time_unix_nano=int(span.get("startTimeUnixNano") or 0),
                    end_time_unix_nano=int(span.get("endTimeUnixNano") or 0),
                    attributes=_json_attributes(span.get("attributes", [])),
                    resource_attributes=resource,
                    scope_name=scope.get("name") or None,
                    scope_version=scope.get("version") or None,
                    status_code=_status_code(status.get("code", 0)),
                    status_message=status.get("message") or None,
                    events=[
                        OtelSpanEvent(
                            name=str(event.get("name", "")),
                            time_unix_nano=int(event.get("timeUnixNano") or 0),
                            attributes=_json_attributes(event.get("attributes", [])),
                        )
                        for event in span.get("events") or []
                    ],
                )


_STATUS_NAMES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}


def _status_code(value: Any) -> int:
    if isinstance(value, str):
        return _STATUS_NAMES.get(value, 0)
    return int(value)
