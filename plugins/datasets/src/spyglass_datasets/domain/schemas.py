"""JSON Schema checks of dataset items' input and expected output.

Schemas are checked with the draft they declare (``$schema``), Draft 2020-12 otherwise.
Violations come back as readable sentences naming the field and the place in the value
(``input at $.messages[0].role: 'bot' is not one of ['user', 'assistant']``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError

from spyglass_core.domain.errors import InvalidInput

__all__ = (
    "MAX_VIOLATIONS",
    "check_schema",
    "first_violations",
    "schema_checker",
    "violations",
)

# A report names enough violations to act on without echoing a whole bad upload.
MAX_VIOLATIONS = 20


def check_schema(field: str, schema: Any) -> None:
    """Refuse a value that is not a JSON Schema.

    Raises:
        InvalidInput: ``schema`` is not a valid JSON Schema (the message names ``field``).
    """
    if schema is None:
        return
    if not isinstance(schema, dict | bool):
        raise InvalidInput(f"{field} must be a JSON Schema object")
    try:
        jsonschema.validators.validator_for(schema, default=_DEFAULT).check_schema(schema)
    except SchemaError as error:
        raise InvalidInput(
            f"{field} is not a valid JSON Schema", details=_describe("schema", error)
        ) from None


def violations(field: str, schema: Any, value: Any) -> list[str]:
    """Why ``value`` breaks ``schema`` (empty when it conforms or there is no schema)."""
    return schema_checker(field, schema)(value)


def schema_checker(field: str, schema: Any) -> Callable[[Any], list[str]]:
    """``violations`` with the schema compiled once, for checking many values."""
    if schema is None:
        return lambda value: []
    validator = jsonschema.validators.validator_for(schema, default=_DEFAULT)(schema)

    def check(value: Any) -> list[str]:
        errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
        return [_describe(field, error) for error in errors]

    return check


def first_violations(messages: Iterable[str], limit: int = MAX_VIOLATIONS) -> Sequence[str]:
    """At most ``limit`` messages, then one saying how many more there were."""
    collected = list(messages)
    if len(collected) <= limit:
        return collected
    return [*collected[:limit], f"... and {len(collected) - limit} more"]


_DEFAULT = jsonschema.Draft202012Validator


def _describe(field: str, error: Any) -> str:
    path = "$" + "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
    )
    return f"{field} at {path}: {error.message}"
