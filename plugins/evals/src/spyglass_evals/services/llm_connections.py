"""LLM connections: validated upserts, listing, deletion and (for the evaluators) the
decrypted key.

Secrets (the API key and the extra headers' values) are encrypted before they reach a
repository and never leave this service except through ``decrypted``. No message raised
here repeats a secret, a header value or a base URL (it may embed credentials).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import msgspec

from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.domain.ids import new_id
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_evals.crypto import SecretCipher
from spyglass_evals.domain.llm_connections import LlmAdapter, LlmConnection
from spyglass_evals.ports import LlmConnectionRepository

__all__ = ("LlmConnectionChanges", "LlmConnectionService", "mask_secret")

MAX_PROVIDER = 255
MAX_SECRET = 4096
MAX_URL = 2048
MAX_MODELS = 200
MAX_MODEL_NAME = 255
MAX_HEADERS = 50
MAX_HEADER_NAME = 255
MAX_HEADER_VALUE = 4096
# An HTTP header name (RFC 9110 token).
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_SUPPORTED = ", ".join(a.value for a in LlmAdapter)


class LlmConnectionChanges(msgspec.Struct, frozen=True, kw_only=True):
    """An upsert as the API received it (checked by the service)."""

    provider: str
    adapter: str
    secret_key: str
    base_url: str | None = None
    custom_models: Sequence[str] | None = None
    with_default_models: bool | None = None
    extra_headers: Mapping[str, str] | None = None
    config: Mapping[str, Any] | None = None


def mask_secret(secret: str) -> str:
    """What may be shown of a key: its last four characters, none of a short key's."""
    return "..." + secret[-4:] if len(secret) >= 12 else "..."


def _secret_context(project_id: str) -> str:
    return f"{project_id}/llm_connections.secret_key"


def _headers_context(project_id: str) -> str:
    return f"{project_id}/llm_connections.extra_headers"


class LlmConnectionService:
    """The project's LLM connections, unique by provider."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, cipher: SecretCipher) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._cipher = cipher

    async def upsert(self, project_id: str, changes: LlmConnectionChanges) -> LlmConnection:
        """Create the provider's connection, or replace the one it has (same id).

        Raises:
            InvalidInput: an unknown adapter, an empty key, a base URL that is not http(s),
                a value too long, a malformed header or config.
        """
        provider, adapter = _checked(changes)
        headers = dict(changes.extra_headers or {})
        now = self._clock.now()
        async with self._uow_factory() as uow:
            repo = uow.repository(LlmConnectionRepository)
            existing = await repo.get_by_provider(project_id, provider)
            connection = LlmConnection(
                id=existing.id if existing else new_id(),
                project_id=project_id,
                provider=provider,
                adapter=adapter,
                base_url=changes.base_url or None,
                secret_ciphertext=self._cipher.encrypt(
                    changes.secret_key, _secret_context(project_id)
                ),
                display_secret_key=mask_secret(changes.secret_key),
                custom_models=tuple(changes.custom_models or ()),
                with_default_models=(
                    True if changes.with_default_models is None else changes.with_default_models
                ),
                extra_headers_ciphertext=(
                    self._cipher.encrypt(json.dumps(headers), _headers_context(project_id))
                    if headers
                    else None
                ),
                extra_header_keys=tuple(headers),
                config=dict(changes.config) if changes.config is not None else None,
                created_at=existing.created_at if existing else now,
                updated_at=now,
            )
            if existing:
                await repo.update(connection)
            else:
                await repo.add(connection)
            await uow.commit()
        return connection

    async def list_connections(
        self, project_id: str, *, page: int = 1, limit: int = 50
    ) -> tuple[Sequence[LlmConnection], int]:
        """A page (from 1) of the project's connections, newest first, and their total."""
        async with self._uow_factory() as uow:
            return await uow.repository(LlmConnectionRepository).page(
                project_id, offset=(page - 1) * limit, limit=limit
            )

    async def delete(self, project_id: str, connection_id: str) -> None:
        """Remove a connection of the project.

        Raises:
            NotFound: the project has no connection with this id.
        """
        async with self._uow_factory() as uow:
            if not await uow.repository(LlmConnectionRepository).delete(project_id, connection_id):
                raise NotFound("LLM connection not found")
            await uow.commit()

    async def decrypted(
        self, project_id: str, provider: str
    ) -> tuple[LlmConnection, str, dict[str, str]]:
        """The provider's connection with its API key and extra headers in clear.

        For the code that calls the model; never return these to a client or log them.

        Raises:
            NotFound: the project has no connection for this provider.
            SecretUnreadable: the stored secrets do not decrypt with the current key
                (the encryption key changed, or the row was altered).
        """
        async with self._uow_factory() as uow:
            connection = await uow.repository(LlmConnectionRepository).get_by_provider(
                project_id, provider
            )
        if connection is None:
            raise NotFound(f"No LLM connection for provider '{provider}'")
        secret = self._cipher.decrypt(connection.secret_ciphertext, _secret_context(project_id))
        headers: dict[str, str] = {}
        if connection.extra_headers_ciphertext is not None:
            headers = json.loads(
                self._cipher.decrypt(
                    connection.extra_headers_ciphertext, _headers_context(project_id)
                )
            )
        return connection, secret, headers


def _checked(changes: LlmConnectionChanges) -> tuple[str, LlmAdapter]:
    provider = changes.provider.strip()
    if not provider:
        raise InvalidInput("provider must not be empty")
    if len(provider) > MAX_PROVIDER:
        raise InvalidInput(f"provider must be at most {MAX_PROVIDER} characters")
    try:
        adapter = LlmAdapter(changes.adapter)
    except ValueError:
        raise InvalidInput(
            f"adapter must be one of: {_SUPPORTED} (openai for any OpenAI-compatible API)"
        ) from None
    if not changes.secret_key.strip():
        raise InvalidInput("secretKey must not be empty")
    if len(changes.secret_key) > MAX_SECRET:
        raise InvalidInput(f"secretKey must be at most {MAX_SECRET} characters")
    if changes.base_url:
        _check_url(changes.base_url)
    _check_models(changes.custom_models or ())
    _check_headers(changes.extra_headers or {})
    _check_config(adapter, changes.config)
    return provider, adapter


def _check_url(url: str) -> None:
    if len(url) > MAX_URL:
        raise InvalidInput(f"baseURL must be at most {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        scheme, host = "", None
    if scheme not in ("http", "https") or not host or any(c.isspace() for c in url):
        raise InvalidInput("baseURL must be an http:// or https:// URL with a host")


def _check_models(models: Sequence[str]) -> None:
    if len(models) > MAX_MODELS:
        raise InvalidInput(f"customModels may list at most {MAX_MODELS} models")
    for model in models:
        if not model.strip() or len(model) > MAX_MODEL_NAME:
            raise InvalidInput(
                f"customModels entries must be 1 to {MAX_MODEL_NAME} characters, not blank"
            )


def _check_headers(headers: Mapping[str, str]) -> None:
    if len(headers) > MAX_HEADERS:
        raise InvalidInput(f"extraHeaders may have at most {MAX_HEADERS} headers")
    for name, value in headers.items():
        if len(name) > MAX_HEADER_NAME or not _HEADER_NAME.fullmatch(name):
            raise InvalidInput("extraHeaders names must be HTTP header names")
        # The value may be a credential: the message names the header, never the value.
        if len(value) > MAX_HEADER_VALUE or "\r" in value or "\n" in value or "\0" in value:
            raise InvalidInput(
                f"extraHeaders value of '{name}' must be at most {MAX_HEADER_VALUE} "
                "characters, without line breaks"
            )


def _check_config(adapter: LlmAdapter, config: Mapping[str, Any] | None) -> None:
    if config is None:
        return
    if adapter is LlmAdapter.OPENAI:
        if set(config) <= {"useResponsesApi"} and all(isinstance(v, bool) for v in config.values()):
            return
        raise InvalidInput('config of the openai adapter may only be {"useResponsesApi": <bool>}')
    raise InvalidInput(f"config is not used by the {adapter.value} adapter: omit it or send null")
