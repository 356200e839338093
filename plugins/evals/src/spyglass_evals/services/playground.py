"""The prompt playground: one chat completion through a project's LLM connection,
traced into the project.

The caller (the web UI) has already compiled the prompt's variables; this service sends
the messages, and records the call through core's ``LLMCallTracer`` as a trace named
``playground`` in the ``default`` environment, with the prompt's name and version in its
metadata when given, so the call can be found and priced like any other. A refused call
is traced too (as an error) before its message is returned.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

import msgspec

from spyglass_core.domain.errors import DomainError, InvalidInput
from spyglass_core.domain.ids import new_id
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.llm import LLMUsage
from spyglass_core.ports.traces import LLMCall, LLMCallTracer
from spyglass_evals.services.model_access import ModelAccess, provider_errors

__all__ = (
    "PLAYGROUND_TRACE_NAME",
    "CompletionParams",
    "CompletionRequest",
    "CompletionResult",
    "Playground",
)

logger = logging.getLogger(__name__)

PLAYGROUND_TRACE_NAME = "playground"
PLAYGROUND_ENVIRONMENT = "default"
MAX_MESSAGES = 100
MAX_CHARS = 200_000
MAX_NAME = 255


class PlaygroundMessage(msgspec.Struct, frozen=True, kw_only=True):
    """One chat message, already compiled (no variables left to fill)."""

    role: Literal["system", "user", "assistant"]
    content: str


class CompletionParams(
    msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, forbid_unknown_fields=True
):
    """The model parameters the playground sends (the provider's names); only these,
    so a request cannot replace the model, the messages or ask for a stream."""

    temperature: Annotated[float, msgspec.Meta(ge=0, le=2)] | None = None
    max_tokens: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] | None = None
    top_p: Annotated[float, msgspec.Meta(ge=0, le=1)] | None = None
    frequency_penalty: Annotated[float, msgspec.Meta(ge=-2, le=2)] | None = None
    presence_penalty: Annotated[float, msgspec.Meta(ge=-2, le=2)] | None = None
    seed: int | None = None


class CompletionRequest(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """``POST …/llm/completions``: ``provider`` names the project's LLM connection."""

    provider: str
    model: str
    messages: list[PlaygroundMessage]
    params: CompletionParams | None = None
    prompt_name: str | None = None
    prompt_version: Annotated[int, msgspec.Meta(ge=1)] | None = None


class CompletionResult(msgspec.Struct, frozen=True, kw_only=True):
    """The answer, its usage, and the trace that records the call (None when no plugin
    traces calls)."""

    text: str
    model: str
    usage: LLMUsage | None
    trace_id: str | None


class Playground:
    """Runs playground completions."""

    def __init__(self, models: ModelAccess, clock: Clock) -> None:
        self._models = models
        self._clock = clock

    async def complete(
        self, project_id: str, request: CompletionRequest, tracer: LLMCallTracer | None
    ) -> CompletionResult:
        """The model's answer to the request's messages, traced with ``tracer``.

        Raises:
            InvalidInput: no message, too long, a blank model, or the provider refused
                the call (its message, never the key).
            NotFound: the project has no connection for the provider.
            RateLimited, StorageUnavailable: the provider throttled or is unreachable.
        """
        _check(request)
        client = await self._models.client(project_id, request.provider, request.model)
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        params: dict[str, Any] = msgspec.to_builtins(request.params) if request.params else {}
        metadata: dict[str, Any] = {"provider": request.provider}
        if request.prompt_name is not None:
            metadata["promptName"] = request.prompt_name
        if request.prompt_version is not None:
            metadata["promptVersion"] = request.prompt_version
        trace_id = new_id()
        started = self._clock.now()

        async def record(**outcome: Any) -> str | None:
            """Trace the call; the answer (or the provider's refusal) matters more than
            its trace, so a tracing failure is logged and the call has no trace id."""
            if tracer is None:
                return None
            try:
                await tracer.record_llm_call(
                    project_id,
                    LLMCall(
                        trace_id=trace_id,
                        observation_id=new_id(),
                        trace_name=PLAYGROUND_TRACE_NAME,
                        generation_name=PLAYGROUND_TRACE_NAME,
                        environment=PLAYGROUND_ENVIRONMENT,
                        model=request.model,
                        messages=messages,
                        model_parameters=params or None,
                        start_time=started,
                        end_time=self._clock.now(),
                        metadata=metadata,
                        **outcome,
                    ),
                )
            except DomainError as error:
                logger.warning("the playground call was not traced: %s", error.message)
                return None
            return trace_id

        try:
            async with provider_errors(request.provider):
                completion = await client.complete(messages, model=request.model, params=params)
        except DomainError as error:
            await record(error=error.message)
            raise
        usage = completion.usage
        traced = await record(
            output=completion.text,
            input_tokens=usage.input_tokens if usage else None,
            output_tokens=usage.output_tokens if usage else None,
        )
        return CompletionResult(
            text=completion.text,
            model=completion.model or request.model,
            usage=usage,
            trace_id=traced,
        )


def _check(request: CompletionRequest) -> None:
    if not request.provider.strip() or len(request.provider) > MAX_NAME:
        raise InvalidInput(f"provider must be 1 to {MAX_NAME} characters")
    if not request.model.strip() or len(request.model) > MAX_NAME:
        raise InvalidInput(f"model must be 1 to {MAX_NAME} characters")
    if not request.messages or len(request.messages) > MAX_MESSAGES:
        raise InvalidInput(f"messages must hold 1 to {MAX_MESSAGES} messages")
    if sum(len(m.content) for m in request.messages) > MAX_CHARS:
        raise InvalidInput(f"messages must be at most {MAX_CHARS} characters in total")
    if not any(m.content.strip() for m in request.messages):
        raise InvalidInput("messages are all empty: fill the prompt's variables first")
    if request.prompt_name is not None and not 1 <= len(request.prompt_name) <= MAX_NAME:
        raise InvalidInput(f"promptName must be 1 to {MAX_NAME} characters")
