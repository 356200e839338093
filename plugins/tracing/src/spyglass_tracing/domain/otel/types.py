"""The observation type of a span: Langfuse's ``ObservationTypeMapperRegistry``.
One mapper per convention (the old Python SDK, Langfuse's own attribute, OpenInference,
``gen_ai.operation.name``, the Vercel AI SDK, ``gen_ai.tool.*`` and the presence of a
model), tried in order; the first with an answer wins, else the span is a ``SPAN``.
The valid type and level values live here too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from spyglass_core.domain.tracing import ObservationLevel, ObservationType
from spyglass_tracing.domain.otel.spans import LANGFUSE_SCOPE, OtelSpan
from spyglass_tracing.domain.otel.values import _first

_TYPES = frozenset(kind.value for kind in ObservationType)
_NOT_GENERATION_LIKE = frozenset({ObservationType.SPAN.value, ObservationType.EVENT.value})
_LEVELS = frozenset(level.value for level in ObservationLevel)

_OPENINFERENCE_KINDS = {
    "LLM": "GENERATION",
    "CHAIN": "CHAIN",
    "TOOL": "TOOL",
    "AGENT": "AGENT",
    "RETRIEVER": "RETRIEVER",
    "EMBEDDING": "EMBEDDING",
    "EVALUATOR": "EVALUATOR",
    "GUARDRAIL": "GUARDRAIL",
    "RERANKER": "SPAN",
}
_GEN_AI_OPERATIONS = {
    "chat": "GENERATION",
    "completion": "GENERATION",
    "text_completion": "GENERATION",
    "generate_content": "GENERATION",
    "generate": "GENERATION",
    "embeddings": "EMBEDDING",
    "execute_tool": "TOOL",
    "invoke_agent": "AGENT",
    "create_agent": "AGENT",
}
# The outer ai.generateText span repeats the usage of its doGenerate children, so only
# the inner calls are generations (as in Langfuse), or a trace's cost would double.
_VERCEL_TYPES = (
    (
        (
            "ai.generateText.doGenerate",
            "ai.streamText.doStream",
            "ai.generateObject.doGenerate",
            "ai.streamObject.doStream",
        ),
        "GENERATION",
    ),
    (("ai.embed.doEmbed", "ai.embedMany.doEmbed"), "EMBEDDING"),
    (("ai.toolCall",), "TOOL"),
)
_MODEL_PRESENCE_KEYS = (
    "langfuse.observation.model.name",
    "gen_ai.request.model",
    "gen_ai.response.model",
    "llm.model_name",
    "model",
)
_LANGFUSE_GENERATION_KEYS = (
    "langfuse.observation.model.name",
    "langfuse.observation.cost_details",
    "langfuse.observation.usage_details",
    "langfuse.observation.completion_start_time",
    "langfuse.observation.model.parameters",
    "langfuse.observation.prompt.name",
    "langfuse.observation.prompt.version",
)


def _type_old_python_sdk(span: OtelSpan, attrs: Mapping[str, Any]) -> str | None:
    """Python SDK <= 3.3 sent ``span`` for generations; their generation fields tell."""
    if not (
        attrs.get("langfuse.observation.type") == "span"
        and span.scope_name == LANGFUSE_SCOPE
        and span.resource_attributes.get("telemetry.sdk.language") == "python"
        and isinstance(span.scope_version, str)
    ):
        return None
    try:
        major, minor = (int(part) for part in span.scope_version.split(".")[:2])
    except ValueError:
        return None
    if (major, minor) > (3, 3):
        return None
    return "GENERATION" if any(key in attrs for key in _LANGFUSE_GENERATION_KEYS) else None


def _type_langfuse(span: OtelSpan, attrs: Mapping[str, Any]) -> str | None:
    value = attrs.get("langfuse.observation.type")
    if isinstance(value, str) and value.strip().upper() in _TYPES:
        return value.strip().upper()
    return None


def _type_openinference(span: OtelSpan, attrs: Mapping[str, Any]) -> str | None:
    value = attrs.get("openinference.span.kind")
    return _OPENINFERENCE_KINDS.get(value.strip().upper()) if isinstance(value, str) else None


def _type_gen_ai_operation(span: OtelSpan, attrs: Mapping[str, Any]) -> str | None:
    value = attrs.get("gen_ai.operation.name")
    return _GEN_AI_OPERATIONS.get(value.strip().lower()) if isinstance(value, str) else None


def _type_vercel(span: OtelSpan, attrs: Mapping[str, Any]) -> str | None:
    for key in ("ai.operationId", "operation.name"):
        operation = attrs.get(key)
        if isinstance(operation, str) and operation.startswith("ai."):
            for prefixes, kind in _VERCEL_TYPES:
                if operation.startswith(prefixes):
                    return kind
    return None


def _type_gen_ai_tool(span: OtelSpan, attrs: Mapping[str, Any]) -> str | None:
    if _first(attrs, ("gen_ai.tool.name", "gen_ai.tool.call.id")) is not None:
        return "TOOL"
    return None


def _type_model(span: OtelSpan, attrs: Mapping[str, Any]) -> str | None:
    return "GENERATION" if _first(attrs, _MODEL_PRESENCE_KEYS) is not None else None


_TYPE_MAPPERS: tuple[Callable[[OtelSpan, Mapping[str, Any]], str | None], ...] = (
    _type_old_python_sdk,
    _type_langfuse,
    _type_openinference,
    _type_gen_ai_operation,
    _type_vercel,
    _type_gen_ai_tool,
    _type_model,
)


def _observation_type(span: OtelSpan, attrs: Mapping[str, Any]) -> str:
    """Langfuse's ``ObservationTypeMapperRegistry``: the first mapper with an answer."""
    for mapper in _TYPE_MAPPERS:
        kind = mapper(span, attrs)
        if kind is not None:
            return kind
    return ObservationType.SPAN.value
