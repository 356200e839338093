"""An ``LLMClient`` for OpenAI's chat completions API, over plain httpx.

OpenAI, Azure OpenAI (an OpenAI-compatible base URL), vLLM, Ollama and LiteLLM proxies
speak it. Structured output is asked for with ``response_format: json_schema`` (strict).
Transient failures (429, 5xx, timeouts, dropped connections) are retried with
exponential backoff and jitter, honouring ``Retry-After``; the rest is translated into
core's errors. The API key travels only in the ``Authorization`` header: no message
this module raises or logs contains it or any header value.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import msgspec

from spyglass_core.domain.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    StorageUnavailable,
)
from spyglass_core.ports.llm import ChatMessage, LLMClient, LLMCompletion, LLMEndpoint, LLMUsage

__all__ = ("OpenAICompatibleClient",)

logger = logging.getLogger(__name__)

_BACKOFF_SECONDS = 0.5
_MAX_BACKOFF_SECONDS = 8.0
_MAX_ERROR_TEXT = 300


class _Retryable(Exception):
    """A failure worth another attempt; ``error`` is raised when attempts run out."""

    def __init__(self, error: DomainError, retry_after: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


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
        self._http = http
        self._url = endpoint.base_url.rstrip("/") + "/chat/completions"
        self._transport = transport
        self._sleep = sleep

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
        attempts = max(1, self._endpoint.max_attempts)
        client = self._http or httpx.AsyncClient(transport=self._transport)
        try:
            for attempt in range(1, attempts + 1):
                try:
                    answer = await self._send(client, body, headers)
                except _Retryable as failure:
                    if attempt == attempts:
                        raise failure.error from None
                    delay = failure.retry_after or _backoff(attempt)
                    logger.info(
                        "LLM call to %s failed (%s); attempt %d of %d in %.1fs",
                        self._endpoint.base_url,
                        failure.error.message,
                        attempt + 1,
                        attempts,
                        delay,
                    )
                    await self._sleep(delay)
                    continue
                return _completion(answer, structured=response_schema is not None)
        finally:
            if client is not self._http:
                await client.aclose()
        raise AssertionError("unreachable: the loop returns or raises")

    def _secrets(self) -> list[str]:
        return [self._endpoint.api_key, *self._endpoint.headers.values()]

    async def _send(
        self, client: httpx.AsyncClient, body: Mapping[str, Any], headers: Mapping[str, str]
    ) -> Any:
        try:
            response = await client.post(
                self._url, json=body, headers=headers, timeout=self._endpoint.timeout_seconds
            )
        except httpx.TimeoutException:
            raise _Retryable(StorageUnavailable("The LLM provider timed out")) from None
        except httpx.TransportError as error:
            reason = type(error).__name__
            raise _Retryable(
                StorageUnavailable(f"The LLM provider is unreachable ({reason})")
            ) from None
        status = response.status_code
        if status == 200:
            try:
                return response.json()
            except ValueError:
                raise InvalidInput(
                    "The LLM provider answered with something other than JSON"
                ) from None
        detail = _provider_message(response, self._secrets())
        if status in (401, 403):
            raise PermissionDenied(f"The LLM provider refused the credentials ({status}){detail}")
        if status == 404:
            raise NotFound(f"The LLM provider does not know this model or path (404){detail}")
        if status == 429:
            raise _Retryable(
                RateLimited(f"The LLM provider is throttling (429){detail}"),
                _retry_after(response),
            )
        if status >= 500:
            raise _Retryable(
                StorageUnavailable(f"The LLM provider failed ({status}){detail}"),
                _retry_after(response),
            )
        raise InvalidInput(f"The LLM provider refused the request ({status}){detail}")


def _redacted(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


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


def _provider_message(response: httpx.Response, secrets: Sequence[str]) -> str:
    """The provider's own error message, short, with our key and header values removed
    (some providers quote the key they refused)."""
    try:
        payload = response.json()
    except ValueError:
        return ""
    error = payload.get("error") if isinstance(payload, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    if not isinstance(message, str) or not message:
        return ""
    return f": {_redacted(message, secrets)[:_MAX_ERROR_TEXT]}"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return min(float(value), _MAX_BACKOFF_SECONDS) if value is not None else None
    except ValueError:
        return None


def _backoff(attempt: int) -> float:
    base: float = min(_BACKOFF_SECONDS * 2 ** (attempt - 1), _MAX_BACKOFF_SECONDS)
    return base * (0.5 + random.random() / 2)
