"""LLM clients over HTTP, built per endpoint by ``HttpLLMClientFactory``."""

from __future__ import annotations

from collections.abc import Callable

from spyglass_adapters.llm.openai_compatible import OpenAICompatibleClient
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.ports.llm import LLMAdapter, LLMClient, LLMClientFactory, LLMEndpoint

__all__ = ("HttpLLMClientFactory", "OpenAICompatibleClient")


class HttpLLMClientFactory(LLMClientFactory):
    """Clients that call providers over httpx (no provider SDK is imported).

    Args:
        resolver: asks installed plugins for a client of a model (the entry points pass
            the ``resolve_llm_client`` hook); None when no plugin may answer.
    """

    def __init__(self, resolver: Callable[[str], LLMClient | None] | None = None) -> None:
        self._resolver = resolver

    def for_model(self, model: str) -> LLMClient | None:
        return self._resolver(model) if self._resolver is not None else None

    def client(self, endpoint: LLMEndpoint) -> LLMClient:
        if endpoint.adapter is LLMAdapter.OPENAI:
            return OpenAICompatibleClient(endpoint)
        raise InvalidInput(f"The {endpoint.adapter.value} adapter is not supported yet")
