"""What every LLM client over httpx shares: one POST with retries and error translation.

Transient failures (429, 5xx, including Anthropic's 529 "overloaded", timeouts, dropped
connections) are retried with exponential backoff and jitter, honouring ``Retry-After``;
the rest is translated into core's errors as ``spyglass_core.ports.llm`` promises. The
provider's own error message is kept (short) with the endpoint's key and header values
removed: no message raised or logged here contains them.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from spyglass_core.domain.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    StorageUnavailable,
)
from spyglass_core.ports.llm import LLMEndpoint

__all__ = ("ProviderCall",)

logger = logging.getLogger("spyglass_adapters.llm")

_BACKOFF_SECONDS = 0.5
_MAX_BACKOFF_SECONDS = 8.0
_MAX_ERROR_TEXT = 300


class _Retryable(Exception):
    """A failure worth another attempt; ``error`` is raised when attempts run out."""

    def __init__(self, error: DomainError, retry_after: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


class ProviderCall:
    """POSTs JSON to one provider URL of an endpoint and returns the decoded answer.

    Args:
        endpoint: key and header values (to redact), timeout and attempts.
        url: the provider's full URL.
        http: an httpx client shared with other clients, which outlives the call and is
            closed by its owner (``HttpLLMClientFactory``'s pool). Without one, each call
            builds (and closes) its own client, connections and TLS context.
        transport: for that own client, an httpx transport (a mock in tests).
        sleep: how to wait between attempts, for tests.
    """

    def __init__(
        self,
        endpoint: LLMEndpoint,
        url: str,
        *,
        http: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Any = asyncio.sleep,
    ) -> None:
        self._endpoint = endpoint
        self.url = url
        self._http = http
        self._transport = transport
        self._sleep = sleep

    async def post(self, body: Mapping[str, Any], headers: Mapping[str, str]) -> Any:
        """The provider's 200 answer, decoded, after retrying what is transient.

        Raises:
            PermissionDenied: 401/403. NotFound: 404 (an unknown model or path).
            RateLimited: 429 past the attempts. StorageUnavailable: 5xx, timeouts and
            dropped connections past the attempts. InvalidInput: any other status, or
            a 200 that is not JSON.
        """
        attempts = max(1, self._endpoint.max_attempts)
        client = self._http or httpx.AsyncClient(transport=self._transport)
        try:
            for attempt in range(1, attempts + 1):
                try:
                    return await self._send(client, body, headers)
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
                self.url, json=body, headers=headers, timeout=self._endpoint.timeout_seconds
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
        if status >= 500:  # Anthropic's 529 "overloaded" included
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


def _provider_message(response: httpx.Response, secrets: Sequence[str]) -> str:
    """The provider's own error message, short, with our key and header values removed
    (some providers quote the key they refused). OpenAI and Anthropic both answer
    ``{"error": {"message": ...}}``; Anthropic's (``{"type": "error", ...}``) names its
    kind in ``error.type``, which is kept in front."""
    try:
        payload = response.json()
    except ValueError:
        return ""
    error = payload.get("error") if isinstance(payload, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    if not isinstance(message, str) or not message:
        return ""
    kind = error.get("type") if isinstance(error, dict) else None
    if payload.get("type") == "error" and isinstance(kind, str) and kind:  # Anthropic's
        message = f"{kind[:50]}: {message}"  # not_found_error, overloaded_error, ...
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
