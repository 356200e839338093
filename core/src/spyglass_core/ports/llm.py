"""LLM client: one chat completion against a model provider.

Contract: ``complete`` sends the messages and returns the model's text. Provider
errors are translated: bad credentials raise ``PermissionDenied``, throttling
``RateLimited``, an unreachable provider ``StorageUnavailable``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

__all__ = ("ChatMessage", "LLMClient")

ChatMessage = Mapping[str, Any]


class LLMClient(Protocol):
    """A model provider as the evaluation features see it."""

    async def complete(
        self, messages: Sequence[ChatMessage], *, model: str, params: Mapping[str, Any]
    ) -> str:
        """The assistant's reply to ``messages``."""
