"""Langfuse's evaluator value shapes (v2 public API) and their pure checks.

These are the parts of an evaluator or rule that are stored as JSON: chat messages,
prompt-variable mappings, output definitions and rule filters. They decode from the wire
with msgspec (camelCase, tagged unions on ``dataType`` and ``type``) and are checked here
without I/O, so the services and the unit tests share one set of rules.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any, Literal

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_evals.domain.judge import JudgeOutput, OutputKind, template_variables

__all__ = (
    "ChatMessage",
    "EvaluatorModelConfig",
    "OutputDefinition",
    "RuleFilter",
    "VariableMapping",
    "check_filters",
    "check_mapping",
    "judge_output",
    "prompt_messages",
    "prompt_variables",
)

MAX_NAME = 255
MAX_MESSAGES = 50
MAX_PROMPT_CHARS = 100_000
MAX_FILTERS = 50

MappingSource = Literal[
    "input", "output", "metadata", "tool_calls", "expected_output", "experiment_item_metadata"
]


class ChatMessage(msgspec.Struct, frozen=True, kw_only=True):
    """One message of an evaluator prompt; ``{{variables}}`` in ``content``."""

    role: Literal["system", "user", "assistant"]
    content: str


class EvaluatorModelConfig(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The judge model: an LLM connection's ``provider`` and a model name.

    ``params`` (temperature, max tokens, ...) is a Spyglass extension passed to the model.
    """

    provider: str
    model: str
    params: dict[str, Any] | None = None


class VariableMapping(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Which source field fills a prompt variable (``jsonPath`` picks a nested value)."""

    variable: str
    source: MappingSource
    json_path: str | None = None


class _Output(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    score_reasoning_instructions: str | None = None
    score_value_instructions: str | None = None


class NumericOutput(_Output, tag_field="dataType", tag="NUMERIC", frozen=True):
    """A number; Spyglass requires both bounds (the judge is told the range)."""

    min_value: float | None = None
    max_value: float | None = None


class BooleanOutput(_Output, tag_field="dataType", tag="BOOLEAN", frozen=True):
    """True or false."""


class CategoricalOutput(_Output, tag_field="dataType", tag="CATEGORICAL", frozen=True):
    """One of two or more categories."""

    categories: list[str]
    should_allow_multiple_matches: bool


OutputDefinition = NumericOutput | BooleanOutput | CategoricalOutput

_NumberOp = Literal["=", ">", "<", ">=", "<="]
_StringOp = Literal["=", "contains", "does not contain", "starts with", "ends with"]
_OptionsOp = Literal["any of", "none of"]


class _Filter(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    column: str


class DatetimeFilter(_Filter, tag="datetime", frozen=True):
    operator: _NumberOp
    value: dt.datetime


class StringFilter(_Filter, tag="string", frozen=True):
    operator: _StringOp
    value: str


class NumberFilter(_Filter, tag="number", frozen=True):
    operator: _NumberOp
    value: float


class StringOptionsFilter(_Filter, tag="stringOptions", frozen=True):
    operator: _OptionsOp
    value: list[str]


class CategoryOptionsFilter(_Filter, tag="categoryOptions", frozen=True):
    key: str
    operator: _OptionsOp
    value: list[str]


class ArrayOptionsFilter(_Filter, tag="arrayOptions", frozen=True):
    operator: Literal["any of", "none of", "all of"]
    value: list[str]


class StringObjectFilter(_Filter, tag="stringObject", frozen=True):
    key: str
    operator: Literal[
        "=", "contains", "does not contain", "starts with", "ends with", "is set", "is not set"
    ]
    value: str


class NumberObjectFilter(_Filter, tag="numberObject", frozen=True):
    key: str
    operator: _NumberOp
    value: float


class BooleanFilter(_Filter, tag="boolean", frozen=True):
    operator: Literal["=", "<>"]
    value: bool


class NullFilter(_Filter, tag="null", frozen=True):
    operator: Literal["is null", "is not null"]
    value: Literal[""] = ""


RuleFilter = (
    DatetimeFilter
    | StringFilter
    | NumberFilter
    | StringOptionsFilter
    | CategoryOptionsFilter
    | ArrayOptionsFilter
    | StringObjectFilter
    | NumberObjectFilter
    | BooleanFilter
    | NullFilter
)

# Langfuse's supported columns, each with the one filter type it accepts.
FILTER_COLUMNS: dict[str, str] = {
    "type": "stringOptions",
    "name": "stringOptions",
    "environment": "stringOptions",
    "level": "stringOptions",
    "version": "string",
    "traceName": "stringOptions",
    "userId": "string",
    "sessionId": "string",
    "tags": "arrayOptions",
    "metadata": "stringObject",
    "isRootObservation": "boolean",
    "parentObservationId": "null",
    "experimentId": "stringOptions",
    "isExperimentItemRootSpan": "boolean",
    "calledToolNames": "arrayOptions",
    "toolCalls": "number",
    "datasetId": "stringOptions",
}


def prompt_messages(prompt: str | Sequence[ChatMessage]) -> list[ChatMessage]:
    """The prompt as chat messages (a string is one user message), checked.

    Raises:
        InvalidInput: no message, too many, an empty one, or too long in total.
    """
    messages = (
        [ChatMessage(role="user", content=prompt)] if isinstance(prompt, str) else list(prompt)
    )
    if not messages or any(not m.content.strip() for m in messages):
        raise InvalidInput("prompt must have at least one message, none of them empty")
    if len(messages) > MAX_MESSAGES:
        raise InvalidInput(f"prompt may have at most {MAX_MESSAGES} messages")
    if sum(len(m.content) for m in messages) > MAX_PROMPT_CHARS:
        raise InvalidInput(f"prompt must be at most {MAX_PROMPT_CHARS} characters in total")
    return messages


def prompt_variables(messages: Sequence[ChatMessage]) -> list[str]:
    """The ``{{variables}}`` of all messages, in first-use order."""
    return template_variables("\n".join(m.content for m in messages))


def judge_output(definition: OutputDefinition) -> JudgeOutput:
    """The judge's output definition of an API output definition.

    Raises:
        InvalidInput: bounds missing or not finite, fewer than two distinct categories,
            or multiple categorical matches (not supported yet).
    """
    description = " ".join(
        text
        for text in (definition.score_value_instructions, definition.score_reasoning_instructions)
        if text
    )
    if isinstance(definition, NumericOutput):
        if definition.min_value is None or definition.max_value is None:
            raise InvalidInput("outputDefinition: a NUMERIC output needs minValue and maxValue")
        return JudgeOutput(
            kind=OutputKind.NUMERIC,
            description=description,
            minimum=definition.min_value,
            maximum=definition.max_value,
        )
    if isinstance(definition, BooleanOutput):
        return JudgeOutput(kind=OutputKind.BOOLEAN, description=description)
    if definition.should_allow_multiple_matches:
        raise InvalidInput(
            "outputDefinition: shouldAllowMultipleMatches is not supported yet; send false"
        )
    return JudgeOutput(
        kind=OutputKind.CATEGORICAL, description=description, categories=definition.categories
    )


def check_mapping(
    variables: Sequence[str], mapping: Sequence[VariableMapping] | None, *, where: str
) -> None:
    """Every template variable mapped exactly once, and nothing else.

    Raises:
        InvalidInput: a variable unmapped, unknown or mapped twice, or a JSONPath that
            does not start with ``$`` (``where`` names the field in the message).
    """
    given = [m.variable for m in mapping or ()]
    twice = sorted({v for v in given if given.count(v) > 1})
    if twice:
        raise InvalidInput(f"{where}: variable(s) mapped more than once: {', '.join(twice)}")
    unknown = [v for v in given if v not in variables]
    if unknown:
        raise InvalidInput(
            f"{where}: the prompt has no variable(s) {', '.join(unknown)} "
            f"(its variables: {', '.join(variables) or 'none'})"
        )
    missing = [v for v in variables if v not in given]
    if missing:
        raise InvalidInput(f"{where}: variable(s) not mapped: {', '.join(missing)}")
    for item in mapping or ():
        if item.json_path is not None and not item.json_path.startswith("$"):
            raise InvalidInput(f"{where}: jsonPath of '{item.variable}' must start with '$'")


def check_filters(filters: Sequence[RuleFilter]) -> None:
    """Known columns with their filter type, finite numbers, and bounded lists.

    Raises:
        InvalidInput: the first filter that does not fit, named by its column.
    """
    if len(filters) > MAX_FILTERS:
        raise InvalidInput(f"filter may have at most {MAX_FILTERS} conditions")
    for item in filters:
        kind = FILTER_COLUMNS.get(item.column)
        if kind is None:
            raise InvalidInput(
                f"filter: unknown column '{item.column}' "
                f"(one of: {', '.join(sorted(FILTER_COLUMNS))})"
            )
        tag = type(item).__struct_config__.tag
        if tag != kind:
            raise InvalidInput(f"filter: column '{item.column}' takes type '{kind}', not '{tag}'")
        value: Any = getattr(item, "value", None)
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidInput(f"filter: the value of '{item.column}' must be a finite number")
        if isinstance(value, list) and not value:
            raise InvalidInput(f"filter: '{item.column}' needs at least one value")
