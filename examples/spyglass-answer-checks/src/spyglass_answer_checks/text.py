"""What both evaluators share: reading a variable as text and checking a config."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from spyglass_core.domain.errors import InvalidInput

__all__ = ("MAX_CHARS", "URL", "URL_TRAILING", "check_keys", "invalid", "require", "text_of")

MAX_CHARS = 200_000
"""Only the first this many characters of a variable are read: enough for any answer,
and it bounds the work one evaluation does whatever a trace holds."""

URL = re.compile(r"https?://[^\s<>\"'`()\[\]{}]+", re.IGNORECASE)
"""An http(s) URL: one character class after a fixed prefix, linear time in Python's
engine. It may end with punctuation of the sentence around it (``URL_TRAILING``)."""

URL_TRAILING = ".,;:!?*_"


def require(evaluator: str, variables: Mapping[str, Any], *names: str) -> list[Any]:
    """The values of ``names``; absent or null ones raise ``InvalidInput`` naming them all."""
    missing = [name for name in names if variables.get(name) is None]
    if missing:
        raise InvalidInput(
            f"Evaluator '{evaluator}' needs variables: {', '.join(missing)}",
            details={"evaluator": evaluator, "missing": missing},
        )
    return [variables[name] for name in names]


def text_of(value: Any) -> str:
    """The text in a variable's value, at most ``MAX_CHARS`` characters.

    A string is itself. Any other JSON value (a chat message, a list of retrieved
    documents) is the strings found in it, depth first, one per line: keys are names,
    not content, and numbers or booleans are not prose.
    """
    parts: list[str] = []
    size = 0
    stack = [value]
    # An explicit stack: a deeply nested payload must not hit the recursion limit.
    while stack and size < MAX_CHARS:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item[: MAX_CHARS - size])  # never copy more than is read
            size += len(item) + 1
        elif isinstance(item, Mapping):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, list | tuple):
            stack.extend(reversed(item))
    return "\n".join(parts)[:MAX_CHARS]


def check_keys(evaluator: str, config: Mapping[str, Any], known: set[str]) -> None:
    """Refuse keys the evaluator does not know (a typo would otherwise be ignored)."""
    unknown = sorted(set(config) - known)
    if unknown:
        raise InvalidInput(
            f"Invalid config for evaluator '{evaluator}': unknown field(s) {', '.join(unknown)}",
            details={"evaluator": evaluator, "unknown": unknown},
        )


def invalid(evaluator: str, message: str) -> InvalidInput:
    """The error for a config field the evaluator cannot use."""
    return InvalidInput(
        f"Invalid config for evaluator '{evaluator}': {message}", details={"evaluator": evaluator}
    )
