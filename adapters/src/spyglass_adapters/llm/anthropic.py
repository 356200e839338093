"""An ``LLMClient`` for Anthropic's Messages API, over plain httpx.

``POST {base}/v1/messages`` with ``x-api-key`` and ``anthropic-version: 2023-06-01``.
The chat messages are reshaped as the API wants them: system (and OpenAI's
"developer") messages become the top-level ``system`` text, the rest stay user and
assistant turns. ``max_tokens``, which the API requires, comes from the parameters or
defaults to ``DEFAULT_MAX_TOKENS``. Structured output is a forced tool call: one tool
whose ``input_schema`` is the requested JSON Schema, chosen with
``tool_choice: {"type": "tool"}``; the tool call's ``input`` is the decoded answer.

Retries and error translation are ``ProviderCall``'s (429, 529 "overloaded" and other
5xx are retried, ``retry-after`` honoured; 401/403 refuse the key, 404 ``not_found_error``
is an unknown model). The key travels only in the ``x-api-key`` header: no message this
module raises or logs contains it or any header value.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import msgspec

from spyglass_adapters.llm._http import ProviderCall
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.ports.llm import ChatMessage, LLMClient, LLMCompletion, LLMEndpoint, LLMUsage

__all__ = ("ANTHROPIC_VERSION", "DEFAULT_MAX_TOKENS", "AnthropicClient")

ANTHROPIC_VERSION = "2023-06-01"
"""The Messages API version sent in ``anthropic-version``."""
DEFAULT_MAX_TOKENS = 4096
"""``max_tokens`` when the parameters have none: room for a judge's reasoning, and
within the output limit of every Claude 3 and later model."""

_TOOL = "answer"
_SYSTEM_ROLES = ("system", "developer")


class AnthropicClient(LLMClient):
    """Messages against one endpoint.

    Args:
        endpoint: base URL (``https://api.anthropic.com``, with or without ``/v1``: a
            Langfuse connection's Anthropic base URL has none), key, extra headers,
            timeout and attempts.
        http: an httpx client shared with other clients, closed by its owner
            (``HttpLLMClientFactory``'s pool). Without one, each call builds its own.
        transport: for that own client, an httpx transport (a mock in tests).
        sleep: how to wait between attempts, for tests.
    """

    def __init__(
        self,
        endpoint: LLMEndpoint,
        *,
        http: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Any = asyncio.sleep,
    ) -> None:
        self._endpoint = endpoint
        base = endpoint.base_url.rstrip("/")
        url = f"{base}/messages" if base.endswith("/v1") else f"{base}/v1/messages"
        self._provider = ProviderCall(endpoint, url, http=http, transport=transport, sleep=sleep)

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        params: Mapping[str, Any],
        response_schema: Mapping[str, Any] | None = None,
    ) -> LLMCompletion:
        system, turns = _split(messages)
        body: dict[str, Any] = {**params, "model": model, "messages": turns}
        if body.get("max_tokens") is None:
            body["max_tokens"] = DEFAULT_MAX_TOKENS
        if system:
            body["system"] = system
        if response_schema is not None:
            body["tools"] = [
                {
                    "name": _TOOL,
                    "description": "Give the answer, in the structure of this input schema.",
                    "input_schema": response_schema,
                }
            ]
            body["tool_choice"] = {"type": "tool", "name": _TOOL}
        # Header names are lower-cased so an extra header (say ``anthropic-version``, or
        # ``anthropic-beta``) replaces ours rather than going out twice; the key is last.
        headers = {
            "anthropic-version": ANTHROPIC_VERSION,
            **{name.lower(): value for name, value in self._endpoint.headers.items()},
            "x-api-key": self._endpoint.api_key,
        }
        answer = await self._provider.post(body, headers)
        return _completion(answer, structured=response_schema is not None)


def _split(messages: Sequence[ChatMessage]) -> tuple[str, list[dict[str, Any]]]:
    """The system text and the user/assistant turns of chat messages.

    Raises:
        InvalidInput: a role the Messages API has no place for (a tool result), or no
            message with content at all.
    """
    system: list[str] = []
    turns: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        content = message.get("content")
        if role in _SYSTEM_ROLES:
            text = _text(content)
            if text:
                system.append(text)
        elif role in ("user", "assistant"):
            if content:  # the API refuses empty turns (Langfuse drops them too)
                turns.append({"role": role, "content": content})
        else:
            raise InvalidInput(
                f"The anthropic adapter sends system, user and assistant messages, not {role!r}"
            )
    if not turns:
        if not system:
            raise InvalidInput("There is no message to send to the model")
        # The API needs one turn at least: a prompt that is only a system message is
        # asked as the user's.
        return "", [{"role": "user", "content": "\n\n".join(system)}]
    return "\n\n".join(system), turns


def _text(content: Any) -> str:
    """A message content as text: a string, or the text of its text parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(part.get("text") or "")
            for part in content
            if isinstance(part, dict) and part.get("type") == "text"
        )
    return str(content)


def _completion(answer: Any, *, structured: bool) -> LLMCompletion:
    blocks = answer.get("content") if isinstance(answer, dict) else None
    if not isinstance(blocks, list):
        raise InvalidInput("The LLM provider's answer has no content")
    blocks = [block for block in blocks if isinstance(block, dict)]
    parsed = None
    if structured:
        call = next(
            (b for b in blocks if b.get("type") == "tool_use" and b.get("name") == _TOOL), None
        )
        if call is None or not isinstance(call.get("input"), dict):
            hint = (
                ": it stopped at max_tokens, raise the model's max_tokens"
                if answer.get("stop_reason") == "max_tokens"
                else ""
            )
            raise InvalidInput(f"The LLM provider's answer is not the requested JSON{hint}")
        parsed = call["input"]
        # The text is the answer's JSON, as a provider with a JSON response format gives.
        text = msgspec.json.encode(parsed).decode()
    else:
        text = "".join(str(b.get("text") or "") for b in blocks if b.get("type") == "text")
    usage = answer.get("usage")
    return LLMCompletion(
        text=text,
        parsed=parsed,
        usage=LLMUsage(
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
        )
        if isinstance(usage, dict)
        else None,
        model=answer.get("model") if isinstance(answer.get("model"), str) else None,
    )
