"""Input and output of an observation, read by the first convention a span uses.
The extractors cover Langfuse's own attributes, ``gen_ai`` messages, tool calls,
indexed prompt/completion attributes and span events, OpenInference values and
messages, the Vercel AI SDK, Traceloop and MLflow; input and output always come from
the same convention. ``_is_io_key`` tells which attributes carry input or output.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from spyglass_tracing.domain.otel.spans import OtelSpan, OtelSpanEvent
from spyglass_tracing.domain.otel.values import _first, _json, _json_structured, _plain, _present

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
