"""LLM clients over HTTP, built per endpoint by ``HttpLLMClientFactory``."""

from __future__ import annotations

import httpx

from spyglass_adapters.llm.openai_compatible import OpenAICompatibleClient
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.ports.llm import LLMAdapter, LLMClient, LLMClientFactory, LLMEndpoint

__all__ = ("HttpLLMClientFactory", "OpenAICompatibleClient")


class HttpLLMClientFactory(LLMClientFactory):
    """Clients that call providers over httpx (no provider SDK is imported).

    Every client shares one connection pool: building an httpx client's TLS context
    takes tens of milliseconds of CPU on the event loop, which a client per judge call
    paid every time, with a new connection (and TLS handshake) to the provider on top.
    Keys and headers travel per request, never on the pool. ``aclose`` closes the pool.
    """

    def __init__(self) -> None:
        self._transport: httpx.AsyncHTTPTransport | None = None

    def client(self, endpoint: LLMEndpoint) -> LLMClient:
        if endpoint.adapter is LLMAdapter.OPENAI:
            if self._transport is None:
                self._transport = httpx.AsyncHTTPTransport()
            return OpenAICompatibleClient(endpoint, transport=self._transport)
        raise InvalidInput(f"The {endpoint.adapter.value} adapter is not supported yet")

    async def aclose(self) -> None:
        """Close the shared connections (at shutdown)."""
        transport, self._transport = self._transport, None
        if transport is not None:
            await transport.aclose()
