"""Observation metadata: Langfuse's metadata attributes and, for spans not sent by a
Langfuse SDK, the span's attributes, resource attributes and scope.
``_prefixed_metadata`` is shared with the trace body, which reads the
``langfuse.trace.metadata`` attributes the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spyglass_tracing.domain.otel.io import _is_io_key
from spyglass_tracing.domain.otel.spans import LANGFUSE_SCOPE, OtelSpan
from spyglass_tracing.domain.otel.values import _dumps, _json, _plain, _present

_VERCEL_TRACE_KEYS = frozenset(
    {
        "ai.telemetry.metadata.userId",
        "ai.telemetry.metadata.sessionId",
        "ai.telemetry.metadata.tags",
        "ai.telemetry.metadata.langfusePrompt",
    }
)


def _prefixed_metadata(
    attrs: Mapping[str, Any], bare_keys: Iterable[str], prefixes: Iterable[str]
) -> dict[str, Any]:
    """Metadata from a bare JSON attribute, then one attribute per key (those win)."""
    metadata: dict[str, Any] = {}
    for bare_key in bare_keys:
        bare = attrs.get(bare_key)
        if _present(bare):
            decoded = _json(bare)
            if isinstance(decoded, dict):
                metadata.update(decoded)
            else:
                metadata["metadata"] = decoded
    for prefix in prefixes:
        dotted = prefix + "."
        for key, value in attrs.items():
            if key.startswith(dotted) and key not in _VERCEL_TRACE_KEYS and len(key) > len(dotted):
                raw = prefix == "ai.telemetry.metadata"
                metadata[key[len(dotted) :]] = _plain(value) if raw else _json(value)
    return metadata


def _observation_metadata(span: OtelSpan, attrs: Mapping[str, Any]) -> dict[str, Any]:
    metadata = _prefixed_metadata(
        attrs,
        ("langfuse.observation.metadata", "langfuse.metadata"),
        ("langfuse.observation.metadata", "langfuse.metadata", "ai.telemetry.metadata"),
    )
    if not _is_langfuse_span(span):
        metadata["attributes"] = {
            key: value if isinstance(value, str) else _dumps(value)
            for key, value in attrs.items()
            if not _is_io_key(key)
        }
        metadata["resourceAttributes"] = _plain(span.resource_attributes)
        scope = {"name": span.scope_name, "version": span.scope_version}
        metadata["scope"] = {key: value for key, value in scope.items() if value is not None}
    return metadata


def _is_langfuse_span(span: OtelSpan) -> bool:
    return isinstance(span.scope_name, str) and span.scope_name.startswith(LANGFUSE_SCOPE)
