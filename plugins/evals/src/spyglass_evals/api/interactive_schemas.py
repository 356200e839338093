"""Wire shapes of the evaluator preview and the playground (camelCase JSON)."""

from __future__ import annotations

from typing import Any

import msgspec

from spyglass_core.ports.llm import LLMUsage
from spyglass_evals.services.playground import CompletionResult
from spyglass_evals.services.preview import PreviewResult

__all__ = (
    "CompletionResponse",
    "PreviewResponse",
    "completion_response",
    "preview_response",
)


class UsageView(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Tokens the provider counted."""

    input_tokens: int
    output_tokens: int


class EvaluatedView(msgspec.Struct, frozen=True, kw_only=True):
    """The object the variables were read from: ``kind`` is TRACE or OBSERVATION."""

    kind: str
    id: str
    name: str | None


class VerdictView(msgspec.Struct, frozen=True, kw_only=True):
    """The judge's score value and its reasoning (a rule's score comment)."""

    value: float | bool | str
    reasoning: str


class PreviewResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The variables filled, the messages sent, the verdict and the call's usage."""

    evaluated: EvaluatedView
    variables: dict[str, Any]
    messages: list[dict[str, str]]
    verdict: VerdictView
    provider: str
    model: str
    usage: UsageView | None


class CompletionResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The playground's answer; ``traceId`` is the traced call (null without tracing)."""

    text: str
    model: str
    usage: UsageView | None
    trace_id: str | None


def _usage(usage: LLMUsage | None) -> UsageView | None:
    if usage is None:
        return None
    return UsageView(input_tokens=usage.input_tokens, output_tokens=usage.output_tokens)


def preview_response(result: PreviewResult) -> PreviewResponse:
    """The wire shape of a preview."""
    return PreviewResponse(
        evaluated=EvaluatedView(
            kind=result.evaluated.kind, id=result.evaluated.id, name=result.evaluated.name
        ),
        variables=dict(result.variables),
        messages=result.messages,
        verdict=VerdictView(value=result.verdict.value, reasoning=result.verdict.reasoning),
        provider=result.provider,
        model=result.model,
        usage=_usage(result.usage),
    )


def completion_response(result: CompletionResult) -> CompletionResponse:
    """The wire shape of a playground answer."""
    return CompletionResponse(
        text=result.text, model=result.model, usage=_usage(result.usage), trace_id=result.trace_id
    )
