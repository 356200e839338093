"""LLM clients over HTTP, built per endpoint by ``HttpLLMClientFactory``.

httpx and the clients are imported when the first client is built (or when a client
class is imported from here): a server whose evaluators never call a model does not load
them (~3 MB, and httpx's command line brings rich and pygments along when installed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.ports.llm import LLMAdapter, LLMClient, LLMClientFactory, LLMEndpoint

if TYPE_CHECKING:
    import httpx

    from spyglass_adapters.llm.anthropic import AnthropicClient
    from spyglass_adapters.llm.openai_compatible import OpenAICompatibleClient

__all__ = ("AnthropicClient", "HttpLLMClientFactory", "OpenAICompatibleClient")


def __getattr__(name: str) -> Any:
    """The client classes, imported on first access."""
    if name == "AnthropicClient":
        from spyglass_adapters.llm.anthropic import AnthropicClient

        return AnthropicClient
    if name == "OpenAICompatibleClient":
        from spyglass_adapters.llm.openai_compatible import OpenAICompatibleClient

        return OpenAICompatibleClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class HttpLLMClientFactory(LLMClientFactory):
    """Clients that call providers over httpx (no provider SDK is imported).

    Every client shares one httpx client: building one (its TLS context) takes tens of
    milliseconds of CPU on the event loop, which a client per judge call paid every
    time, with a new connection (and TLS handshake) to the provider on top. Keys and
    headers travel per request; cookies are never kept, so nothing one project's call
    receives goes out with another's. ``aclose`` closes the connections.

    Args:
        resolver: asks installed plugins for a client of a model (the entry points pass
            the ``resolve_llm_client`` hook); None when no plugin may answer.
    """

    def __init__(self, resolver: Callable[[str], LLMClient | None] | None = None) -> None:
        self._resolver = resolver
        self._http: httpx.AsyncClient | None = None

    def for_model(self, model: str) -> LLMClient | None:
        return self._resolver(model) if self._resolver is not None else None

    def client(self, endpoint: LLMEndpoint) -> LLMClient:
        if endpoint.adapter is LLMAdapter.OPENAI:
            from spyglass_adapters.llm.openai_compatible import OpenAICompatibleClient

            return OpenAICompatibleClient(endpoint, http=self._shared())
        if endpoint.adapter is LLMAdapter.ANTHROPIC:
            from spyglass_adapters.llm.anthropic import AnthropicClient

            return AnthropicClient(endpoint, http=self._shared())
        raise InvalidInput(f"The {endpoint.adapter.value} adapter is not supported")

    def _shared(self) -> httpx.AsyncClient:
        if self._http is None:
            from http.cookiejar import CookieJar, DefaultCookiePolicy

            import httpx

            self._http = httpx.AsyncClient(
                cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[]))
            )
        return self._http

    async def aclose(self) -> None:
        """Close the shared connections (at shutdown)."""
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()
