"""Wire schemas of the LLM connections API (camelCase JSON, Langfuse's shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from spyglass_evals.domain.llm_connections import LlmConnection

__all__ = (
    "DeleteLlmConnectionResponse",
    "LlmConnectionPage",
    "LlmConnectionResponse",
    "PageMeta",
    "UpsertLlmConnectionRequest",
    "connection_response",
)


class UpsertLlmConnectionRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``PUT /llm-connections``: create, or replace by ``provider``.

    ``adapter`` is a plain string so an unsupported one gets the service's message.
    """

    provider: str
    adapter: str
    secret_key: str
    base_url: str | None = msgspec.field(default=None, name="baseURL")
    custom_models: list[str] | None = None
    with_default_models: bool | None = None
    extra_headers: dict[str, str] | None = None
    config: dict[str, Any] | None = None


class LlmConnectionResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Langfuse's ``LlmConnection``: everything but the secrets (the key is masked)."""

    id: str
    provider: str
    adapter: str
    display_secret_key: str
    base_url: str | None = msgspec.field(name="baseURL")
    custom_models: list[str]
    with_default_models: bool
    extra_header_keys: list[str]
    config: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


class PageMeta(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Langfuse's numbered-page metadata (pages from 1)."""

    page: int
    limit: int
    total_items: int
    total_pages: int


class LlmConnectionPage(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /llm-connections``."""

    data: list[LlmConnectionResponse]
    meta: PageMeta


class DeleteLlmConnectionResponse(msgspec.Struct, frozen=True, kw_only=True):
    """``DELETE /llm-connections/{id}``."""

    message: str


def connection_response(connection: LlmConnection) -> LlmConnectionResponse:
    """The wire shape of a connection (no secret, not even encrypted)."""
    return LlmConnectionResponse(
        id=connection.id,
        provider=connection.provider,
        adapter=connection.adapter.value,
        display_secret_key=connection.display_secret_key,
        base_url=connection.base_url,
        custom_models=list(connection.custom_models),
        with_default_models=connection.with_default_models,
        extra_header_keys=list(connection.extra_header_keys),
        config=connection.config,
        created_at=connection.created_at,
        updated_at=connection.updated_at,
    )
