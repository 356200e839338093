"""The span as the HTTP layer hands it over: ``OtelSpan`` and ``OtelSpanEvent``.
The OTLP endpoint decodes protobuf or OTLP/JSON into these Structs before any mapping
happens; ``LANGFUSE_SCOPE`` names the instrumentation scope of the Langfuse SDKs' spans
and ``_STATUS_ERROR`` is the OTLP status code of a failed span.
"""

from __future__ import annotations

from typing import Any

import msgspec

LANGFUSE_SCOPE = "langfuse-sdk"
"""Instrumentation scope name of the Langfuse SDKs' spans."""

_STATUS_ERROR = 2


class OtelSpanEvent(msgspec.Struct, kw_only=True):
    """A span event: ``gen_ai.*`` message events, ``exception`` and the like."""

    name: str
    time_unix_nano: int
    attributes: dict[str, Any] = {}


class OtelSpan(msgspec.Struct, kw_only=True):
    """One span as the HTTP layer decoded it, with its resource and scope.

    Attribute values are plain: ``str``, ``bool``, ``int``, ``float``, lists of those,
    ``dict`` for a kvlist, and bytes as lowercase hex. Ids are lowercase hex;
    ``parent_span_id`` is None for a root.
    """

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    start_time_unix_nano: int
    end_time_unix_nano: int
    attributes: dict[str, Any]
    resource_attributes: dict[str, Any] = {}
    scope_name: str | None = None
    scope_version: str | None = None
    status_code: int = 0
    """0 unset, 1 ok, 2 error."""
    status_message: str | None = None
    events: list[OtelSpanEvent] = []
