"""Reaching a project's model: its LLM connection turned into a client, and the
provider's failures turned into messages a user can act on.

Used by the interactive features (the evaluator preview and the prompt playground):
they retry less than a background execution, as a person is waiting, and they never
repeat the connection's key (the client redacts it from the provider's messages).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from spyglass_core.domain.errors import InvalidInput, NotFound, PermissionDenied
from spyglass_core.ports.llm import LLMAdapter, LLMClient, LLMClientFactory, LLMEndpoint
from spyglass_evals.domain.llm_connections import LlmAdapter, LlmConnection
from spyglass_evals.services.cross_feature import ANTHROPIC_BASE_URL, OPENAI_BASE_URL
from spyglass_evals.services.llm_connections import LlmConnectionService

__all__ = ("DEFAULT_BASE_URLS", "ModelAccess", "connection_endpoint", "provider_errors")

DEFAULT_BASE_URLS: dict[LlmAdapter, str] = {
    LlmAdapter.OPENAI: OPENAI_BASE_URL,
    LlmAdapter.ANTHROPIC: ANTHROPIC_BASE_URL,
}
"""Where a connection without a base URL sends its calls (as the executor does)."""


def connection_endpoint(
    connection: LlmConnection, secret: str, headers: dict[str, str], **limits: float
) -> LLMEndpoint:
    """The LLM port's endpoint of a decrypted connection (``limits``: the endpoint's
    ``timeout_seconds`` and ``max_attempts`` when not the defaults)."""
    return LLMEndpoint(
        adapter=LLMAdapter(connection.adapter.value),
        base_url=connection.base_url or DEFAULT_BASE_URLS[connection.adapter],
        api_key=secret,
        headers=headers,
        **limits,  # type: ignore[arg-type]
    )


INTERACTIVE_TIMEOUT_SECONDS = 60.0
INTERACTIVE_ATTEMPTS = 2


class ModelAccess:
    """Clients for a project's LLM connections, by provider name."""

    def __init__(self, connections: LlmConnectionService, factory: LLMClientFactory) -> None:
        self._connections = connections
        self._factory = factory

    async def client(self, project_id: str, provider: str, model: str) -> LLMClient:
        """A client for ``model``: an installed plugin's (``resolve_llm_client``) when one
        answers for the model, as for rule executions, else the provider's connection.

        Raises:
            NotFound: the project has no connection for this provider (the message says
                where to add one).
            InvalidInput: the connection's adapter has no client yet.
        """
        resolved = self._factory.for_model(model)
        if resolved is not None:
            return resolved
        try:
            connection, secret, headers = await self._connections.decrypted(project_id, provider)
        except NotFound:
            raise NotFound(
                f"No LLM connection for provider '{provider}': add one in the project's "
                "settings (LLM connections) or with PUT /api/public/llm-connections"
            ) from None
        endpoint = connection_endpoint(
            connection,
            secret,
            headers,
            timeout_seconds=INTERACTIVE_TIMEOUT_SECONDS,
            max_attempts=INTERACTIVE_ATTEMPTS,
        )
        return self._factory.client(endpoint)


@asynccontextmanager
async def provider_errors(provider: str) -> AsyncIterator[None]:
    """Name the connection in a provider's refusal, as a 400 the user can act on.

    A provider refusing the key (its 401/403) would otherwise surface as our 403, which
    reads as "your role does not allow this"; an unknown model as a 404 of our route.
    Throttling (429) and an unreachable provider (503) keep their statuses: retrying
    later is the right reaction to both. The client's messages never hold the key.
    """
    try:
        yield
    except (PermissionDenied, NotFound, InvalidInput) as error:
        raise InvalidInput(
            f"LLM connection '{provider}': {error.message}",
            details={"provider": provider, "reason": type(error).__name__},
        ) from None
