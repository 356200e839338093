"""LLM clients over HTTP, built per endpoint by ``HttpLLMClientFactory``."""

from __future__ import annotations

from spyglass_adapters.llm.openai_compatible import OpenAICompatibleClient
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.ports.llm import LLMAdapter, LLMClient, LLMClientFactory, LLMEndpoint

__all__ = ("HttpLLMClientFactory", "OpenAICompatibleClient")


class HttpLLMClientFactory(LLMClientFactory):
    """Clients that call providers over httpx (no provider SDK is imported)."""

    def client(self, endpoint: LLMEndpoint) -> LLMClient:
        if endpoint.adapter is LLMAdapter.OPENAI:
            return OpenAICompatibleClient(endpoint)
        raise InvalidInput(f"The {endpoint.adapter.value} adapter is not supported yet")
