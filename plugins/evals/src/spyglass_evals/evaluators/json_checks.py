"""JSON checks: the output parses as JSON; the output matches a JSON Schema.

An output that is already structured (an object, a list, a number: trace outputs often
are) is JSON by construction; a string output is parsed first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema
import msgspec
import referencing.exceptions
from jsonschema.exceptions import SchemaError

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.hookspecs import EvaluatorSpec
from spyglass_evals.evaluators.common import config_schema, parse_config, require

__all__ = ("JSON_SCHEMA", "JSON_VALID")

_NOT_JSON = object()


def _parsed(value: Any) -> Any:
    """``value`` decoded when it is a string, as is otherwise; ``_NOT_JSON`` if unparsable."""
    if not isinstance(value, str):
        return value
    try:
        return msgspec.json.decode(value)
    except msgspec.DecodeError:
        return _NOT_JSON


class JsonValid:
    """True when ``output`` is valid JSON."""

    name = "json_valid"
    variables = ("output",)

    async def evaluate(self, variables: Mapping[str, Any]) -> bool:
        (output,) = require(self.name, variables, self.variables)
        return _parsed(output) is not _NOT_JSON


class JsonSchemaConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The JSON Schema the output must satisfy (its ``$schema`` picks the draft)."""

    schema: dict[str, Any]


class JsonSchemaMatch:
    """True when ``output`` is JSON satisfying the configured schema."""

    name = "json_schema"
    variables = ("output",)

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        schema = parse_config(self.name, JsonSchemaConfig, config).schema
        validator_type = jsonschema.validators.validator_for(schema)
        try:
            validator_type.check_schema(schema)
        except SchemaError as error:
            raise InvalidInput(
                f"Invalid config for evaluator '{self.name}': schema is not a valid "
                f"JSON Schema ({error.message})",
                details={"evaluator": self.name},
            ) from None
        self.validator = validator_type(schema)

    async def evaluate(self, variables: Mapping[str, Any]) -> bool:
        (output,) = require(self.name, variables, self.variables)
        document = _parsed(output)
        if document is _NOT_JSON:
            return False
        try:
            return bool(self.validator.is_valid(document))
        except referencing.exceptions.Unresolvable as error:
            # Remote references are never fetched: the schema must be self-contained.
            raise InvalidInput(
                f"Evaluator '{self.name}': the schema refers to '{error.ref}', which is "
                "not in the schema (remote references are not fetched)",
                details={"evaluator": self.name},
            ) from None


JSON_VALID = EvaluatorSpec(
    name=JsonValid.name,
    factory=JsonValid,
    description="Output is valid JSON.",
    variables=JsonValid.variables,
    output="boolean",
)

JSON_SCHEMA = EvaluatorSpec(
    name=JsonSchemaMatch.name,
    factory=JsonSchemaMatch,
    description="Output is JSON that satisfies a JSON Schema.",
    variables=JsonSchemaMatch.variables,
    output="boolean",
    config_schema=config_schema(JsonSchemaConfig),
)
