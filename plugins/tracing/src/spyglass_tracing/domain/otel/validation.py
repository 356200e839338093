"""Which spans can be mapped at all: ``validate_span`` and its id checks.
A span is rejected only for what no mapping can recover from: a trace or span id that
is not hex of the right length (or is all zeros), or timestamps that are not usable
nanoseconds. Everything else about a span is tolerated by the mapping.
"""

from __future__ import annotations

import re

from spyglass_tracing.domain.otel.spans import OtelSpan
from spyglass_tracing.domain.otel.values import _valid_nanos

_HEX = re.compile(r"[0-9a-fA-F]+")


def _bad_hex_id(value: object, length: int, what: str) -> str | None:
    if not isinstance(value, str) or len(value) != length or not _HEX.fullmatch(value):
        return f"{what} must be {length} hex characters"
    if value.strip("0") == "":
        return f"{what} must not be all zeros"
    return None


def validate_span(span: OtelSpan) -> str | None:
    """Why ``span`` must be rejected, or None when it can be mapped.

    A span needs a 32-hex trace id and a 16-hex span id (neither all zeros) and at
    least one usable timestamp. An end before the start is not a reason: the mapping
    ends such a span at its start.
    """
    reason = _bad_hex_id(span.trace_id, 32, "trace id") or _bad_hex_id(span.span_id, 16, "span id")
    if reason:
        return reason
    start, end = span.start_time_unix_nano, span.end_time_unix_nano
    if not _valid_nanos(start) or not _valid_nanos(end):
        return "start and end times must be nanoseconds between 1970 and 9999"
    if start == 0 and end == 0:
        return "span has neither a start nor an end time"
    return None
