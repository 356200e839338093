"""Trace-level fields of a span: whether it carries any, and its user id, session id,
tags, environment and release.
Identity fields are read from plain attributes first, then from the JSON-encoded
metadata that integrations (OpenAI, LangChain, the Vercel AI SDK) send them as.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spyglass_tracing.domain.otel.spans import OtelSpan
from spyglass_tracing.domain.otel.values import _first, _json, _present, _str

_USER_ID_KEYS = ("langfuse.user.id", "user.id")
_SESSION_ID_KEYS = ("langfuse.session.id", "session.id", "gen_ai.conversation.id")
_TAGS_KEYS = ("langfuse.trace.tags", "langfuse.tags")
# Integrations (OpenAI, LangChain) pass trace fields as metadata; values are JSON-encoded.
_ENCODED_USER_ID_KEYS = (
    "langfuse.observation.metadata.langfuse_user_id",
    "langfuse.trace.metadata.langfuse_user_id",
)
_ENCODED_SESSION_ID_KEYS = (
    "langfuse.observation.metadata.langfuse_session_id",
    "langfuse.trace.metadata.langfuse_session_id",
)
_ENCODED_TAGS_KEYS = (
    "langfuse.observation.metadata.langfuse_tags",
    "langfuse.trace.metadata.langfuse_tags",
)
_TRACE_KEYS = (
    "langfuse.trace.name",
    "langfuse.trace.input",
    "langfuse.trace.output",
    "langfuse.trace.metadata",
    "langfuse.trace.public",
    "langfuse.public",
    *_USER_ID_KEYS,
    *_SESSION_ID_KEYS,
    *_TAGS_KEYS,
    *_ENCODED_USER_ID_KEYS,
    *_ENCODED_SESSION_ID_KEYS,
    *_ENCODED_TAGS_KEYS,
    "ai.telemetry.metadata.userId",
    "ai.telemetry.metadata.sessionId",
    "ai.telemetry.metadata.tags",
    "tag.tags",
)
_ENVIRONMENT_KEYS = (
    "langfuse.environment",
    "deployment.environment.name",
    "deployment.environment",
)


def _has_trace_attributes(attrs: Mapping[str, Any]) -> bool:
    return _first(attrs, _TRACE_KEYS) is not None or any(
        key.startswith("langfuse.trace.metadata.") for key in attrs
    )


def _identity(
    attrs: Mapping[str, Any], plain_keys: Iterable[str], encoded_keys: Iterable[str]
) -> str | None:
    value = _first(attrs, plain_keys)
    if value is not None:
        return _str(value)
    value = _first(attrs, encoded_keys)
    return _str(_json(value)) if value is not None else None


def _tags(attrs: Mapping[str, Any]) -> list[str] | None:
    value = _first(
        attrs,
        (*_TAGS_KEYS, *_ENCODED_TAGS_KEYS, "ai.telemetry.metadata.tags", "tag.tags"),
    )
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("[", '"'):
            value = _json(text)
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
    if not isinstance(value, list | tuple):
        return None
    tags = [tag for tag in (_str(item) for item in value) if tag]
    return tags or None


def _environment(span: OtelSpan, attrs: Mapping[str, Any]) -> str | None:
    resource = span.resource_attributes
    for key in _ENVIRONMENT_KEYS:
        for source in (attrs, resource):
            value = source.get(key)
            if _present(value):
                return _str(value)
    return None


def _release(span: OtelSpan, attrs: Mapping[str, Any]) -> str | None:
    value = attrs.get("langfuse.release")
    if not _present(value):
        value = span.resource_attributes.get("langfuse.release")
    return _str(value) if _present(value) else None
