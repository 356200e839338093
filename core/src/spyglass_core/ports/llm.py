"""LLM client: one chat completion against a model provider.

Contract:

- ``complete`` sends the messages and returns the model's answer with its token usage.
  With ``response_schema`` (a JSON Schema of an object) the provider is asked for
  structured output and ``LLMCompletion.parsed`` holds the decoded object.
- Transient failures (429, 5xx, a timeout, a dropped connection) are retried with
  backoff inside the client; what is left is translated: bad credentials raise
  ``PermissionDenied``, an unknown model ``NotFound``, throttling that outlasted the
  retries ``RateLimited``, an unreachable or failing provider ``StorageUnavailable``,
  an answer that is not the requested structure ``InvalidInput``.
- No error message or log line ever contains the endpoint's API key or header values.

``LLMClientFactory`` builds a client for an ``LLMEndpoint`` (a stored LLM connection
with its secret decrypted); the evaluation features use it without knowing the adapter.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import msgspec

__all__ = (
    "ChatMessage",
    "LLMAdapter",
    "LLMClient",
    "LLMClientFactory",
    "LLMCompletion",
    "LLMEndpoint",
    "LLMUsage",
)

ChatMessage = Mapping[str, Any]


class LLMAdapter(enum.StrEnum):
    """The wire protocol an endpoint speaks."""

    OPENAI = "openai"
    """OpenAI's chat completions: OpenAI, Azure OpenAI, vLLM, Ollama, LiteLLM proxies."""
    ANTHROPIC = "anthropic"


class LLMUsage(msgspec.Struct, frozen=True, kw_only=True):
    """Tokens the provider counted for one completion."""

    input_tokens: int = 0
    output_tokens: int = 0


class LLMCompletion(msgspec.Struct, frozen=True, kw_only=True):
    """The model's answer: its text, the decoded object when structured, and usage."""

    text: str
    parsed: Any = None
    usage: LLMUsage | None = None
    model: str | None = None


class LLMEndpoint(msgspec.Struct, frozen=True, kw_only=True):
    """Where and how to reach a provider; ``api_key`` and ``headers`` are secrets."""

    adapter: LLMAdapter
    base_url: str
    api_key: str
    headers: Mapping[str, str] = {}
    timeout_seconds: float = 60.0
    max_attempts: int = 4

    def __repr__(self) -> str:  # never print the secret, even by accident
        return f"LLMEndpoint(adapter={self.adapter.value!r}, base_url={self.base_url!r})"


class LLMClient(Protocol):
    """A model provider as the evaluation features see it."""

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        params: Mapping[str, Any],
        response_schema: Mapping[str, Any] | None = None,
    ) -> LLMCompletion:
        """The assistant's answer to ``messages``."""


class LLMClientFactory(Protocol):
    """Builds the client of an endpoint."""

    def client(self, endpoint: LLMEndpoint) -> LLMClient:
        """A client that sends every completion to ``endpoint``.

        Raises:
            InvalidInput: the endpoint's adapter is not supported.
        """

    def for_model(self, model: str) -> LLMClient | None:
        """The client an installed plugin provides for ``model`` through the
        ``resolve_llm_client`` hook (an out-of-tree provider), or None: then the caller
        uses the project's LLM connection."""
