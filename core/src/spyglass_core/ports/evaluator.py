"""Evaluator: turns an observed input/output into a score value.

Contract: ``evaluate`` is pure with respect to Spyglass storage (it may call an LLM
through the client it was built with); it returns a number, a bool or a string, and
raises ``InvalidInput`` when the variables it needs are missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ("Evaluator",)


class Evaluator(Protocol):
    """Scores one piece of work."""

    async def evaluate(self, variables: Mapping[str, Any]) -> float | bool | str:
        """The score value for these variables."""
