"""A scripted LLM client."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from spyglass_core.ports.llm import ChatMessage, LLMClient, LLMCompletion

__all__ = ("ScriptedLLMClient",)


class ScriptedLLMClient(LLMClient):
    """Answers with the given replies in turn and records every request."""

    def __init__(self, replies: Sequence[str]) -> None:
        self._replies = list(replies)
        self.requests: list[tuple[list[ChatMessage], str]] = []

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        params: Mapping[str, Any],
        response_schema: Mapping[str, Any] | None = None,
    ) -> LLMCompletion:
        self.requests.append((list(messages), model))
        return LLMCompletion(text=self._replies.pop(0), model=model)
