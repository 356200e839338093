"""OpenTelemetry spans as Langfuse ingestion events: the pure half of the OTLP endpoint.

The HTTP layer decodes an ``ExportTraceServiceRequest`` (protobuf or OTLP/JSON) into
``OtelSpan``s; this module turns each span into the ``EntityEvent``s it stands for, the
way Langfuse's ``OtelIngestionProcessor`` does: one ``observation-create`` per span and,
for a root span or a span carrying trace-level attributes, one ``trace-create``.

Every body is a patch that sets only what the span says, so the trace events of many
spans of one trace merge without clearing each other. Event ids derive from the trace
and span ids, so a re-sent span gives identical events. Nothing here raises on odd
attribute values: an attribute of the wrong type is skipped (or stringified where a
string is expected), and a span the mapping cannot read at all still becomes a bare
observation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from spyglass_core.domain.ingestion import EntityEvent, ObservationBody, TraceBody
from spyglass_core.domain.tracing import ObservationLevel, ObservationType

__all__ = (
    "LANGFUSE_SCOPE",
    "OtelSpan",
    "OtelSpanEvent",
    "span_to_events",
    "spans_to_events",
    "validate_span",
)

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


# -- validation ---------------------------------------------------------------------------

_HEX = re.compile(r"[0-9a-fA-F]+")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_NANOS = (datetime(9999, 12, 31, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1) * 1000


def _bad_hex_id(value: object, length: int, what: str) -> str | None:
    if not isinstance(value, str) or len(value) != length or not _HEX.fullmatch(value):
        return f"{what} must be {length} hex characters"
    if value.strip("0") == "":
        return f"{what} must not be all zeros"
    return None


def _valid_nanos(value: object) -> bool:
    return type(value) is int and 0 <= value <= _MAX_NANOS


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


def spans_to_events(spans: Iterable[OtelSpan]) -> tuple[list[EntityEvent], list[str]]:
    """The events of every acceptable span, and one reason per rejected span.

    Each reason is prefixed with the rejected span's id: ``"<span id>: <reason>"``.
    """
    events: list[EntityEvent] = []
    rejected: list[str] = []
    for span in spans:
        reason = validate_span(span)
        if reason is None:
            events.extend(span_to_events(span))
        else:
            rejected.append(f"{span.span_id}: {reason}")
    return events, rejected


# -- plain values -------------------------------------------------------------------------


def _present(value: object) -> bool:
    """Langfuse's ``hasMeaningfulValue``: not None, not empty string, list or dict."""
    if value is None or value == "":
        return False
    if isinstance(value, list | tuple | dict):
        return len(value) > 0
    return True


def _plain(value: Any, depth: int = 0) -> Any:
    """``value`` as something msgspec can encode as JSON."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if depth > 32:
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, depth + 1) for item in value]
    return str(value)


def _dumps(value: Any) -> str:
    """``value`` as JSON text; something with no JSON form as its plain string."""
    plain = _plain(value)
    if isinstance(plain, str):
        return plain
    try:
        return msgspec.json.encode(plain).decode("utf-8")
    except (TypeError, ValueError, OverflowError):
        return str(value)


def _json(value: Any) -> Any:
    """A string JSON-decoded when it parses, else kept raw; other values as they are."""
    if isinstance(value, str):
        try:
            return msgspec.json.decode(value)
        except (msgspec.DecodeError, ValueError, RecursionError):
            return value
    return _plain(value)


def _json_structured(value: Any) -> Any:
    """Like ``_json``, but only strings that look like a JSON object or array."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        return _json(value)
    return _plain(value)


def _str(value: Any) -> str | None:
    """A non-empty string for ``value``: numbers and bools are written as JSON."""
    if isinstance(value, str):
        return value or None
    if value is None:
        return None
    return _dumps(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            number = _number(text)
            return _int(number) if number is not None else None
    return None


def _count(value: Any) -> int | None:
    count = _int(value)
    return count if count is not None and count >= 0 else None


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _first(attrs: Mapping[str, Any], keys: Iterable[str]) -> Any:
    """The first meaningful value among ``keys``, or None."""
    for key in keys:
        value = attrs.get(key)
        if _present(value):
            return value
    return None


def _nanos_to_datetime(value: object) -> datetime | None:
    if not _valid_nanos(value):
        return None
    assert isinstance(value, int)
    return _EPOCH + timedelta(microseconds=value // 1000)


def _parse_datetime(value: Any) -> datetime | None:
    """An ISO timestamp, possibly JSON-encoded with its quotes (as the v5 SDK sends it)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith('"'):
        decoded = _json(text)
        if not isinstance(decoded, str):
            return None
        text = decoded.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# -- observation type ---------------------------------------------------------------------

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


# -- input and output ---------------------------------------------------------------------

_IO_KEYS = frozenset(
    {
        "langfuse.observation.input",
        "langfuse.observation.output",
        "langfuse.trace.input",
        "langfuse.trace.output",
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.tool.call.arguments",
        "gen_ai.tool.call.result",
        "input.value",
        "output.value",
        "ai.prompt.messages",
        "ai.prompt",
        "ai.toolCall.args",
        "ai.response.text",
        "ai.result.text",
        "ai.toolCall.result",
        "ai.response.object",
        "ai.result.object",
        "ai.response.toolCalls",
        "ai.result.toolCalls",
        "traceloop.entity.input",
        "traceloop.entity.output",
        "mlflow.spanInputs",
        "mlflow.spanOutputs",
    }
)
_IO_PREFIXES = ("gen_ai.prompt", "gen_ai.completion", "llm.input_messages", "llm.output_messages")
_INPUT_EVENT_ROLES = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}

_IO = tuple[Any, Any]


def _is_io_key(key: str) -> bool:
    return key in _IO_KEYS or key.startswith(_IO_PREFIXES)


def _pair(attrs: Mapping[str, Any], input_key: str, output_key: str) -> _IO | None:
    value_in, value_out = attrs.get(input_key), attrs.get(output_key)
    if not _present(value_in) and not _present(value_out):
        return None
    return (
        _json(value_in) if _present(value_in) else None,
        _json(value_out) if _present(value_out) else None,
    )


def _unflatten(attrs: Mapping[str, Any], prefix: str) -> Any:
    """``prefix.0.role``/``prefix.0.content`` … as ``[{"role", "content"}, …]``."""
    whole = attrs.get(prefix)
    if _present(whole):
        return _json(whole)
    tree: dict[str, Any] = {}
    dotted = prefix + "."
    for key, value in attrs.items():
        if not key.startswith(dotted):
            continue
        parts = key[len(dotted) :].split(".")
        if not all(parts):
            continue
        node = tree
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            if not isinstance(node.get(parts[-1]), dict):
                node[parts[-1]] = _plain(value)
    return _listify(tree) if tree else None


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    items = {key: _listify(value) for key, value in node.items()}
    if items and all(key.isascii() and key.isdigit() for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


def _io_langfuse(span: OtelSpan, attrs: Mapping[str, Any]) -> _IO | None:
    return _pair(attrs, "langfuse.observation.input", "langfuse.observation.output")


def _io_gen_ai_messages(span: OtelSpan, attrs: Mapping[str, Any]) -> _IO | None:
    return _pair(attrs, "gen_ai.input.messages", "gen_ai.output.messages")


def _io_gen_ai_tool_call(span: OtelSpan, attrs: Mapping[str, Any]) -> _IO | None:
    return _pair(attrs, "gen_ai.tool.call.arguments", "gen_ai.tool.call.result")


def _io_gen_ai_indexed(span: OtelSpan, attrs: Mapping[str, Any]) -> _IO | None:
    value_in = _unflatten(attrs, "gen_ai.prompt")
    value_out = _unflatten(attrs, "gen_ai.completion")
    return None if value_in is None and value_out is None else (value_in, value_out)


def _event_attributes(event: OtelSpanEvent) -> dict[str, Any]:
    attrs = event.attributes if isinstance(event.attributes, dict) else {}
    return {str(key): _json_structured(value) for key, value in attrs.items()}


def _io_gen_ai_events(span: OtelSpan, attrs: Mapping[str, Any]) -> _IO | None:
    events = [
        event
        for event in span.events
        if isinstance(event, OtelSpanEvent) and isinstance(event.name, str)
    ]
    messages = [
        {"role": _INPUT_EVENT_ROLES[event.name], **_event_attributes(event)}
        for event in events
        if event.name in _INPUT_EVENT_ROLES
    ]
    choices = [_event_attributes(event) for event in events if event.name == "gen_ai.choice"]
    if messages or choices:
        output: Any = (choices[0] if len(choices) == 1 else choices) if choices else None
        return (messages or None, output)
    # Semantic Kernel's older events carry the whole prompt and completion.
    prompt = next((e for e in events if e.name == "gen_ai.content.prompt"), None)
    completion = next((e for e in events if e.name == "gen_ai.content.completion"), None)
    if prompt is None and completion is None:
        return None
    value_in = _event_content(prompt, "gen_ai.prompt")
    value_out = _event_content(completion, "gen_ai.completion")
    return None if value_in is None and value_out is None else (value_in, value_out)


def _event_content(event: OtelSpanEvent | None, key: str) -> Any:
    if event is None:
        return None
    attrs = _event_attributes(event)
    content = attrs.get(key)
    if _present(content):
        return _json(content)
    return attrs or None


def _io_openinference_value(span: OtelSpan, attrs: Mapping[str, Any]) -> _IO | None:
    return _pair(attrs, "input.value", "output.value")


def _unwrap_messages(value: Any) -> Any:
    """OpenInference's ``[{"message": {...}}, …]`` as ``[{...}, …]``."""
    if (
        isinstance(value, list)
        and value
        and all(
            isinstance(item, dict)
            and set(item) == {"message"}
            and isinstance(item["message"], dict)
            for item in value
        )
    ):
        return [item["message"] for item in value]
    return value


def _io_openinference_messages(span: OtelSpan, attrs: Mapping[str, Any]) -> _IO | None:
    value_in = _unwrap_messages(_unflatten(attrs, "llm.input_messages"))
    value_out = _unwrap_messages(_unflatten(attrs, "llm.output_messages"))
    return None if value_in is None and value_out is None else (value_in, value_out)


def _io_vercel(span: OtelSpan, attrs: Mapping[str, Any]) -> _IO | None:
    value_in = _first(attrs, ("ai.prompt.messages", "ai.prompt", "ai.toolCall.args"))
    text, tool_calls = attrs.get("ai.response.text"), attrs.get("ai.response.toolCalls")
    value_out: Any
    if _present(text) and _present(tool_calls):
        value_out = {"role": "assistant", "content": _plain(text), "tool_calls": _json(tool_calls)}
    else:
        value_out = _first(
            attrs,
            (
                "ai.response.text",
                "ai.result.text",
                "ai.toolCall.result",
                "ai.response.object",
                "ai.result.object",
                "ai.response.toolCalls",
                "ai.result.toolCalls",
            ),
        )
        value_out = _json(value_out) if value_out is not None else None
    if value_in is None and value_out is None:
        return None
    return (_json(value_in) if value_in is not None else None, value_out)


def _io_traceloop(span: OtelSpan, attrs: Mapping[str, Any]) -> _IO | None:
    return _pair(attrs, "traceloop.entity.input", "traceloop.entity.output")


def _io_mlflow(span: OtelSpan, attrs: Mapping[str, Any]) -> _IO | None:
    return _pair(attrs, "mlflow.spanInputs", "mlflow.spanOutputs")


_IO_EXTRACTORS: tuple[Callable[[OtelSpan, Mapping[str, Any]], _IO | None], ...] = (
    _io_langfuse,
    _io_gen_ai_messages,
    _io_gen_ai_tool_call,
    _io_gen_ai_indexed,
    _io_gen_ai_events,
    _io_openinference_value,
    _io_openinference_messages,
    _io_vercel,
    _io_traceloop,
    _io_mlflow,
)


def _input_output(span: OtelSpan, attrs: Mapping[str, Any]) -> _IO:
    """The first convention the span uses; input and output come from the same one."""
    for extractor in _IO_EXTRACTORS:
        found = extractor(span, attrs)
        if found is not None:
            return found
    return None, None


# -- generation fields --------------------------------------------------------------------

_MODEL_KEYS = (
    "langfuse.observation.model.name",
    "gen_ai.response.model",
    "ai.model.id",
    "gen_ai.request.model",
    "llm.response.model",
    "llm.model_name",
    "model",
)
_GEN_AI_USAGE = (
    ("input", ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")),
    ("output", ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")),
    ("total", ("gen_ai.usage.total_tokens", "llm.usage.total_tokens")),
    (
        "input_cached_tokens",
        (
            "gen_ai.usage.cache_read_input_tokens",
            "gen_ai.usage.cache_read.input_tokens",
            "gen_ai.usage.cached_tokens",
            "gen_ai.usage.input_tokens_details.cached_tokens",
            "gen_ai.usage.prompt_tokens_details.cached_tokens",
        ),
    ),
    (
        "input_cache_creation",
        (
            "gen_ai.usage.cache_creation_input_tokens",
            "gen_ai.usage.cache_creation.input_tokens",
        ),
    ),
    (
        "output_reasoning",
        (
            "gen_ai.usage.reasoning_tokens",
            "gen_ai.usage.reasoning.output_tokens",
            "gen_ai.usage.output_tokens_details.reasoning_tokens",
            "gen_ai.usage.completion_tokens_details.reasoning_tokens",
        ),
    ),
)
_OPENINFERENCE_USAGE = (
    ("input", ("llm.token_count.prompt",)),
    ("output", ("llm.token_count.completion",)),
    ("total", ("llm.token_count.total",)),
    ("input_cached_tokens", ("llm.token_count.prompt_details.cache_read",)),
    ("input_cache_creation", ("llm.token_count.prompt_details.cache_write",)),
    ("output_reasoning", ("llm.token_count.completion_details.reasoning",)),
)
_VERCEL_USAGE = (
    ("input", ("ai.usage.promptTokens", "ai.usage.inputTokens")),
    ("output", ("ai.usage.completionTokens", "ai.usage.outputTokens")),
    ("total", ("ai.usage.totalTokens", "ai.usage.tokens")),
    ("input_cached_tokens", ("ai.usage.cachedInputTokens",)),
    ("output_reasoning", ("ai.usage.reasoningTokens",)),
)
_USAGE_CONVENTIONS = (_GEN_AI_USAGE, _OPENINFERENCE_USAGE, _VERCEL_USAGE)


def _model(attrs: Mapping[str, Any]) -> str | None:
    return _str(_first(attrs, _MODEL_KEYS))


def _model_parameter_values(params: Mapping[str, Any]) -> dict[str, Any]:
    """Langfuse keeps parameters as strings and numbers; anything else becomes JSON."""
    return {
        str(key): value
        if isinstance(value, str | int | float) and not isinstance(value, bool)
        else _dumps(value)
        for key, value in params.items()
    }


def _model_parameters(attrs: Mapping[str, Any]) -> dict[str, Any] | None:
    declared = _json(attrs.get("langfuse.observation.model.parameters"))
    if isinstance(declared, dict) and declared:
        return _model_parameter_values(declared)
    requested = {
        key.removeprefix("gen_ai.request."): value
        for key, value in attrs.items()
        if key.startswith("gen_ai.request.") and key != "gen_ai.request.model"
    }
    if requested:
        return _model_parameter_values(requested)
    invocation = _json(attrs.get("llm.invocation_parameters"))
    if isinstance(invocation, dict) and invocation:
        return _model_parameter_values(invocation)
    return None


def _usage_from(attrs: Mapping[str, Any], convention: Any) -> dict[str, int]:
    usage: dict[str, int] = {}
    for name, keys in convention:
        for key in keys:
            count = _count(attrs.get(key))
            if count is not None:
                usage[name] = count
                break
    if not usage.keys() & {"input", "output", "total"}:
        return {}
    # Cached and reasoning tokens are part of the input/output counts: Langfuse prices
    # them apart, so they are taken out of the plain input and output.
    if "input" in usage:
        cached = usage.get("input_cached_tokens", 0) + usage.get("input_cache_creation", 0)
        usage["input"] = max(usage["input"] - cached, 0)
    if "output" in usage:
        usage["output"] = max(usage["output"] - usage.get("output_reasoning", 0), 0)
    return usage


def _usage_details(attrs: Mapping[str, Any]) -> Any:
    declared = _json(attrs.get("langfuse.observation.usage_details"))
    if isinstance(declared, dict) and declared:
        return declared
    for convention in _USAGE_CONVENTIONS:
        usage = _usage_from(attrs, convention)
        if usage:
            return usage
    return None


def _cost_details(attrs: Mapping[str, Any]) -> Any:
    declared = _json(attrs.get("langfuse.observation.cost_details"))
    if isinstance(declared, dict) and declared:
        return declared
    total = _number(attrs.get("gen_ai.usage.cost"))
    if total is not None:
        return {"total": total}
    costs = {
        name: number
        for name, key in (
            ("input", "llm.cost.prompt"),
            ("output", "llm.cost.completion"),
            ("total", "llm.cost.total"),
        )
        if (number := _number(attrs.get(key))) is not None
    }
    return costs or None


def _completion_start_time(attrs: Mapping[str, Any], start: datetime) -> datetime | None:
    declared = _parse_datetime(attrs.get("langfuse.observation.completion_start_time"))
    if declared is not None:
        return declared
    millis = _number(_first(attrs, ("ai.response.msToFirstChunk", "ai.stream.msToFirstChunk")))
    if millis is None or millis < 0:
        return None
    try:
        return start + timedelta(milliseconds=math.ceil(millis))
    except OverflowError:
        return None


def _prompt(attrs: Mapping[str, Any]) -> tuple[str | None, int | None]:
    name = _str(_first(attrs, ("langfuse.observation.prompt.name", "langfuse.prompt.name")))
    version = _int(
        _first(attrs, ("langfuse.observation.prompt.version", "langfuse.prompt.version"))
    )
    if name is None:
        # The Vercel AI SDK integration links its prompt through telemetry metadata.
        linked = _json(attrs.get("ai.telemetry.metadata.langfusePrompt"))
        if isinstance(linked, dict):
            name, version = _str(linked.get("name")), _int(linked.get("version"))
    return name, version


# -- metadata -----------------------------------------------------------------------------

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


# -- trace fields -------------------------------------------------------------------------

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


# -- the mapping --------------------------------------------------------------------------


def _attributes(span: OtelSpan) -> dict[str, Any]:
    attrs = span.attributes if isinstance(span.attributes, dict) else {}
    return {key: value for key, value in attrs.items() if isinstance(key, str)}


def _normalized(span: OtelSpan) -> OtelSpan:
    """``span`` with lowercase ids, a parent of None for "no parent", plain containers."""
    parent = span.parent_span_id
    if not isinstance(parent, str) or not parent.strip("0"):
        parent = None
    return msgspec.structs.replace(
        span,
        trace_id=str(span.trace_id).lower(),
        span_id=str(span.span_id).lower(),
        parent_span_id=parent.lower() if parent else None,
        name=span.name if isinstance(span.name, str) else (_str(span.name) or ""),
        resource_attributes=span.resource_attributes
        if isinstance(span.resource_attributes, dict)
        else {},
        scope_name=span.scope_name if isinstance(span.scope_name, str) else None,
        scope_version=span.scope_version if isinstance(span.scope_version, str) else None,
        events=span.events if isinstance(span.events, list) else [],
    )


def _times(span: OtelSpan) -> tuple[datetime, datetime]:
    start = _nanos_to_datetime(span.start_time_unix_nano)
    end = _nanos_to_datetime(span.end_time_unix_nano)
    if start is None or span.start_time_unix_nano == 0:
        start = end if end is not None and span.end_time_unix_nano != 0 else (start or _EPOCH)
    if end is None or span.end_time_unix_nano == 0 or end < start:
        end = start
    return start, end


def _level(span: OtelSpan, attrs: Mapping[str, Any]) -> str | None:
    declared = attrs.get("langfuse.observation.level")
    if isinstance(declared, str) and declared.strip().upper() in _LEVELS:
        return declared.strip().upper()
    return ObservationLevel.ERROR.value if span.status_code == _STATUS_ERROR else None


def _status_message(span: OtelSpan, attrs: Mapping[str, Any]) -> str | None:
    declared = _str(_first(attrs, ("langfuse.observation.status_message",)))
    if declared is not None:
        return declared
    if isinstance(span.status_message, str) and span.status_message:
        return span.status_message
    for event in span.events:
        if isinstance(event, OtelSpanEvent) and event.name == "exception":
            attributes = event.attributes if isinstance(event.attributes, dict) else {}
            message = _str(attributes.get("exception.message"))
            if message is not None:
                return message
    return None


def _set(body: msgspec.Struct, field: str, value: Any) -> None:
    """Set ``field`` only when there is something to say: None means "not given" here."""
    if value is not None:
        setattr(body, field, value)


def _observation(span: OtelSpan, attrs: Mapping[str, Any], io: _IO) -> ObservationBody:
    start, end = _times(span)
    kind = _observation_type(span, attrs)
    as_root = _bool(attrs.get("langfuse.internal.as_root")) is True
    body = ObservationBody(
        id=span.span_id,
        trace_id=span.trace_id,
        type=kind,
        name=span.name,
        start_time=start,
        end_time=start if kind == ObservationType.EVENT.value else end,
        parent_observation_id=None if as_root else span.parent_span_id,
    )
    _set(body, "level", _level(span, attrs))
    _set(body, "status_message", _status_message(span, attrs))
    _set(body, "input", io[0])
    _set(body, "output", io[1])
    _set(body, "model", _model(attrs))
    _set(body, "model_parameters", _model_parameters(attrs))
    _set(body, "usage_details", _usage_details(attrs))
    _set(body, "cost_details", _cost_details(attrs))
    _set(body, "completion_start_time", _completion_start_time(attrs, start))
    if kind not in _NOT_GENERATION_LIKE:
        prompt_name, prompt_version = _prompt(attrs)
        _set(body, "prompt_name", prompt_name)
        _set(body, "prompt_version", prompt_version if prompt_name is not None else None)
    version = _first(attrs, ("langfuse.version",))
    if version is None:
        version = _first(span.resource_attributes, ("service.version",))
    _set(body, "version", _str(version))
    _set(body, "environment", _environment(span, attrs))
    _set(body, "metadata", _observation_metadata(span, attrs) or None)
    return body


def _trace(span: OtelSpan, attrs: Mapping[str, Any], io: _IO, is_root: bool) -> TraceBody:
    body = TraceBody(id=span.trace_id)
    if is_root:
        body.timestamp = _times(span)[0]
    name = _str(_first(attrs, ("langfuse.trace.name",)))
    if name is None and is_root:
        name = span.name or None
    _set(body, "name", name)
    _set(
        body,
        "user_id",
        _identity(attrs, _USER_ID_KEYS, (*_ENCODED_USER_ID_KEYS, "ai.telemetry.metadata.userId")),
    )
    _set(
        body,
        "session_id",
        _identity(
            attrs, _SESSION_ID_KEYS, (*_ENCODED_SESSION_ID_KEYS, "ai.telemetry.metadata.sessionId")
        ),
    )
    _set(body, "tags", _tags(attrs))
    _set(body, "public", _bool(_first(attrs, ("langfuse.trace.public", "langfuse.public"))))
    metadata = _prefixed_metadata(attrs, ("langfuse.trace.metadata",), ("langfuse.trace.metadata",))
    _set(body, "metadata", metadata or None)
    _set(body, "release", _release(span, attrs))
    _set(body, "version", _str(_first(attrs, ("langfuse.version",))))
    _set(body, "environment", _environment(span, attrs))
    declared = _pair(attrs, "langfuse.trace.input", "langfuse.trace.output") or (None, None)
    _set(body, "input", declared[0] if declared[0] is not None else io[0] if is_root else None)
    _set(body, "output", declared[1] if declared[1] is not None else io[1] if is_root else None)
    return body


def _event_ids(span: OtelSpan) -> tuple[str, str]:
    prefix = f"otel-{span.trace_id}-{span.span_id}"
    return f"{prefix}-obs", f"{prefix}-trace"


def _map_span(span: OtelSpan) -> list[EntityEvent]:
    span = _normalized(span)
    attrs = _attributes(span)
    io = _input_output(span, attrs)
    observation = _observation(span, attrs, io)
    assert isinstance(observation.start_time, datetime)
    at = observation.start_time
    observation_id, trace_id = _event_ids(span)
    events = [
        EntityEvent(
            id=observation_id, type="observation-create", timestamp=at, observation=observation
        )
    ]
    is_root = span.parent_span_id is None or _bool(attrs.get("langfuse.internal.as_root")) is True
    if is_root or _has_trace_attributes(attrs):
        trace = _trace(span, attrs, io, is_root)
        events.insert(0, EntityEvent(id=trace_id, type="trace-create", timestamp=at, trace=trace))
    return events


def _bare_events(span: OtelSpan) -> list[EntityEvent]:
    """What is left of a span the mapping could not read: its identity and times."""
    try:
        span = _normalized(span)
        start, end = _times(span)
        observation = ObservationBody(
            id=span.span_id,
            trace_id=span.trace_id,
            type=ObservationType.SPAN.value,
            name=span.name,
            start_time=start,
            end_time=end,
            parent_observation_id=span.parent_span_id,
        )
        event_id = _event_ids(span)[0]
        return [
            EntityEvent(
                id=event_id, type="observation-create", timestamp=start, observation=observation
            )
        ]
    except Exception:
        return []


def span_to_events(span: OtelSpan) -> list[EntityEvent]:
    """The ingestion events one span stands for.

    One ``observation-create`` whose body carries every field the span maps to and,
    when the span is a root (no parent, or ``langfuse.internal.as_root``) or carries
    trace-level attributes, one ``trace-create`` (listed first). Event ids are
    ``otel-<trace id>-<span id>-obs`` and ``-trace``; both events are stamped with the
    span's start. Never raises: call ``validate_span`` first to drop unusable spans.
    """
    try:
        return _map_span(span)
    except Exception:
        # The mapping is meant to be total; should an odd value still slip through, the
        # span is kept with what is certain rather than failing its whole batch.
        return _bare_events(span)
