"""An ``LLMClient`` for OpenAI's chat completions API, over plain httpx.

OpenAI, Azure OpenAI (an OpenAI-compatible base URL), vLLM, Ollama and LiteLLM proxies
speak it. Structured output is asked for with ``response_format: json_schema`` (strict).
Retries and error translation are ``ProviderCall``'s (shared with the Anthropic
client). The API key travels only in the ``Authorization`` header: no message this
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

__all__ = ("OpenAICompatibleClient",)


class OpenAICompatibleClient(LLMClient):
    """Chat completions against one endpoint.

    Args:
        endpoint: base URL (up to ``/v1``), key, extra headers, timeout and attempts.
        http: an httpx client shared with other clients, which outlives the call and is
            closed by its owner (``HttpLLMClientFactory``'s pool). Without one, each call
            builds (and closes) its own client, connections and TLS context.
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
        self._provider = ProviderCall(
            endpoint,
            endpoint.base_url.rstrip("/") + "/chat/completions",
            http=http,
            transport=transport,
            sleep=sleep,
        )

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        params: Mapping[str, Any],
        response_schema: Mapping[str, Any] | None = None,
    ) -> LLMCompletion:
        body: dict[str, Any] = {**params, "model": model, "messages": list(messages)}
        if response_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": response_schema, "strict": True},
            }
        headers = {**self._endpoint.headers, "authorization": f"Bearer {self._endpoint.api_key}"}
        answer = await self._provider.post(body, headers)
        return _completion(answer, structured=response_schema is not None)


def _completion(answer: Any, *, structured: bool) -> LLMCompletion:
    try:
        choice = answer["choices"][0]["message"]
        text = choice.get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError):
        raise InvalidInput("The LLM provider's answer has no message") from None
    if not isinstance(text, str):
        raise InvalidInput("The LLM provider's message is not text")
    parsed = None
    if structured:
        try:
            parsed = msgspec.json.decode(text)
        except msgspec.DecodeError:
            raise InvalidInput("The LLM provider's answer is not the requested JSON") from None
    usage = answer.get("usage") if isinstance(answer, dict) else None
    return LLMCompletion(
        text=text,
        parsed=parsed,
        usage=LLMUsage(
            input_tokens=int(usage.get("prompt_tokens") or 0),
            output_tokens=int(usage.get("completion_tokens") or 0),
        )
        if isinstance(usage, dict)
        else None,
        model=answer.get("model") if isinstance(answer.get("model"), str) else None,
    )
