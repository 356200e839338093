"""Generation fields of an observation: model, model parameters, usage, cost,
completion start time and the linked prompt.
Each field is read from Langfuse's own attribute first, then from the ``gen_ai``,
OpenInference and Vercel AI SDK conventions; usage takes cached and reasoning tokens
out of the plain input and output counts, as Langfuse prices them apart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from spyglass_tracing.domain.otel.values import (
    _count,
    _dumps,
    _first,
    _int,
    _json,
    _number,
    _parse_datetime,
    _str,
)

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
