"""What every code evaluator shares: config parsing, its JSON Schema, variable checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import msgspec

from spyglass_core.domain.errors import InvalidInput

__all__ = ("as_text", "config_schema", "parse_config", "require")

T = TypeVar("T", bound=msgspec.Struct)


def parse_config(evaluator: str, struct_type: type[T], config: Mapping[str, Any] | None) -> T:
    """``config`` as ``struct_type``, or ``InvalidInput`` saying what is wrong with it."""
    try:
        return msgspec.convert(dict(config or {}), struct_type)
    except msgspec.ValidationError as error:
        raise InvalidInput(
            f"Invalid config for evaluator '{evaluator}': {error}",
            details={"evaluator": evaluator},
        ) from None


def config_schema(struct_type: type[msgspec.Struct]) -> dict[str, Any]:
    """The JSON Schema of a config struct, inlined (config structs nest no other struct)."""
    schema = msgspec.json.schema(struct_type)
    name = schema["$ref"].rsplit("/", 1)[-1]
    inlined: dict[str, Any] = schema["$defs"][name]
    return inlined


def require(evaluator: str, variables: Mapping[str, Any], names: Sequence[str]) -> list[Any]:
    """The values of ``names``; absent or null ones raise ``InvalidInput`` naming them all."""
    missing = [name for name in names if variables.get(name) is None]
    if missing:
        raise InvalidInput(
            f"Evaluator '{evaluator}' needs variables: {', '.join(missing)}",
            details={"evaluator": evaluator, "missing": missing},
        )
    return [variables[name] for name in names]


def as_text(value: Any) -> str:
    """A string as is; any other JSON value as compact JSON with sorted keys."""
    if isinstance(value, str):
        return value
    return msgspec.json.encode(value, order="sorted").decode()
