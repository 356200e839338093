"""Filling an evaluator's variables from the object a rule evaluates.

A rule maps each variable to a source of the evaluated object (its input, output,
metadata, tool calls, or, for an experiment item, the dataset item's expected output and
metadata) and optionally to a JSONPath inside that source. A path matching one value gives
that value; matching several gives the list; matching nothing leaves the variable
unfilled, like an absent source. Unfilled variables are reported together, so the caller
can retry later (the data may not have arrived yet) and finally name them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from spyglass_core.domain.errors import InvalidInput

if TYPE_CHECKING:
    from jsonpath_ng import JSONPath

__all__ = (
    "EvaluatedObject",
    "MissingVariables",
    "VariableMapping",
    "VariableSource",
    "compile_path",
    "fill_variables",
)

MAX_PATH_LENGTH = 500


class VariableSource(enum.StrEnum):
    """Where a variable's value comes from (Langfuse's ``PromptVariableMappingSource``)."""

    INPUT = "input"
    OUTPUT = "output"
    METADATA = "metadata"
    TOOL_CALLS = "tool_calls"
    EXPECTED_OUTPUT = "expected_output"
    EXPERIMENT_ITEM_METADATA = "experiment_item_metadata"


class VariableMapping(msgspec.Struct, frozen=True, kw_only=True):
    """One variable: its name in the template, its source and an optional JSONPath."""

    variable: str
    source: VariableSource
    json_path: str | None = None


class EvaluatedObject(msgspec.Struct, frozen=True, kw_only=True):
    """What a rule can read of a trace, observation or experiment item (decoded JSON).

    ``None`` means absent: not sent yet, or not this kind of object's.
    """

    input: Any = None
    output: Any = None
    metadata: Any = None
    tool_calls: Any = None
    expected_output: Any = None
    experiment_item_metadata: Any = None


class MissingVariables(InvalidInput):
    """Variables whose source (or path) had nothing; ``names`` lists them."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        super().__init__(
            f"No value for variable(s) {', '.join(self.names)}: the object has no data there "
            "(yet); a longer delay on the rule gives it time to arrive",
            details={"missing": self.names},
        )


def compile_path(path: str) -> JSONPath:
    """The parsed JSONPath.

    Raises:
        InvalidInput: the path is too long or not JSONPath.
    """
    if len(path) > MAX_PATH_LENGTH:
        raise InvalidInput(f"A JSONPath is at most {MAX_PATH_LENGTH} characters")
    # Imported on first use: the parser (~5 MB) serves only rules with JSONPath mappings.
    from jsonpath_ng.exceptions import JSONPathError
    from jsonpath_ng.ext.parser import parse as parse_jsonpath

    try:
        return parse_jsonpath(path)
    except JSONPathError as error:
        raise InvalidInput(f"Not a JSONPath: {path!r} ({error})") from None


def fill_variables(
    mappings: Sequence[VariableMapping], evaluated: EvaluatedObject
) -> Mapping[str, Any]:
    """Every mapped variable's value.

    Raises:
        MissingVariables: some variables had no value (all of them are named).
        InvalidInput: a mapping's JSONPath is not valid.
    """
    filled: dict[str, Any] = {}
    missing: list[str] = []
    for mapping in mappings:
        value = getattr(evaluated, mapping.source.value)
        if value is not None and mapping.json_path:
            matches = [match.value for match in compile_path(mapping.json_path).find(value)]
            value = None if not matches else matches[0] if len(matches) == 1 else matches
        if value is None:
            missing.append(mapping.variable)
        else:
            filled[mapping.variable] = value
    if missing:
        raise MissingVariables(missing)
    return filled
