"""LLM connections: how a project reaches a model provider (stored with its key encrypted)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import msgspec

__all__ = ("LlmAdapter", "LlmConnection")


class LlmAdapter(enum.StrEnum):
    """The wire protocols Spyglass speaks to a provider.

    ``openai`` is any OpenAI-compatible API (OpenAI itself, gateways, local servers).
    Langfuse's other adapters (azure, bedrock, google-*) are not supported yet.
    """

    OPENAI = "openai"
    ANTHROPIC = "anthropic"


class LlmConnection(msgspec.Struct, frozen=True, kw_only=True):
    """One connection of a project, unique by ``provider``.

    Attributes:
        secret_ciphertext: the API key, encrypted (``spyglass_evals.crypto``).
        display_secret_key: the masked key shown to users (``...abcd``).
        extra_headers_ciphertext: the extra request headers as encrypted JSON (values may
            be secrets too), or None when there are none.
        extra_header_keys: the names of those headers, in clear, for display.
    """

    id: str
    project_id: str
    provider: str
    adapter: LlmAdapter
    base_url: str | None
    secret_ciphertext: str
    display_secret_key: str
    custom_models: tuple[str, ...] = ()
    with_default_models: bool = True
    extra_headers_ciphertext: str | None = None
    extra_header_keys: tuple[str, ...] = ()
    config: dict[str, Any] | None = None
    created_at: datetime
    updated_at: datetime
