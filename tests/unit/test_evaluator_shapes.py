"""The pure checks of evaluator and rule shapes (``spyglass_evals.domain.evaluator_shapes``)."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from spyglass_core.domain.errors import InvalidInput
from spyglass_evals.catalogue import TEMPLATES
from spyglass_evals.domain.evaluator_shapes import (
    ChatMessage,
    OutputDefinition,
    RuleFilter,
    VariableMapping,
    check_filters,
    check_mapping,
    judge_output,
    prompt_messages,
    prompt_variables,
)
from spyglass_evals.domain.judge import OutputKind
from spyglass_evals.services.evaluators import EvaluatorDraft


def output(**fields: Any) -> OutputDefinition:
    return msgspec.convert(fields, OutputDefinition)  # type: ignore[arg-type]


def filters(*items: dict[str, Any]) -> list[RuleFilter]:
    return msgspec.convert(list(items), list[RuleFilter])


def mapping(*names: str) -> list[VariableMapping]:
    return [VariableMapping(variable=n, source="input") for n in names]


def test_output_definitions_become_judge_outputs() -> None:
    numeric = judge_output(
        output(dataType="NUMERIC", minValue=1, maxValue=5, scoreValueInstructions="5 is best")
    )
    assert (numeric.kind, numeric.minimum, numeric.maximum) == (OutputKind.NUMERIC, 1, 5)
    assert numeric.description == "5 is best"
    assert judge_output(output(dataType="BOOLEAN")).kind is OutputKind.BOOLEAN
    categorical = judge_output(
        output(dataType="CATEGORICAL", categories=["a", "b"], shouldAllowMultipleMatches=False)
    )
    assert categorical.categories == ["a", "b"]
    for bad, message in [
        (output(dataType="NUMERIC", minValue=0), "minValue and maxValue"),
        (output(dataType="NUMERIC", minValue=2, maxValue=1), "below"),
        (
            output(dataType="CATEGORICAL", categories=["a", "a"], shouldAllowMultipleMatches=False),
            "two or more",
        ),
        (
            output(dataType="CATEGORICAL", categories=["a", "b"], shouldAllowMultipleMatches=True),
            "not supported",
        ),
    ]:
        with pytest.raises(InvalidInput, match=message):
            judge_output(bad)


def test_prompts_and_their_variables() -> None:
    assert prompt_messages("Hi {{x}}") == [ChatMessage(role="user", content="Hi {{x}}")]
    messages = prompt_messages(
        [
            ChatMessage(role="system", content="{{b}}"),
            ChatMessage(role="user", content="{{a}}{{b}}"),
        ]
    )
    assert prompt_variables(messages) == ["b", "a"]
    for bad in ("", [], [ChatMessage(role="user", content=" ")], "x" * 100_001):
        with pytest.raises(InvalidInput):
            prompt_messages(bad)


def test_every_variable_is_mapped_exactly_once() -> None:
    check_mapping(["a", "b"], mapping("b", "a"), where="m")
    check_mapping([], None, where="m")
    with pytest.raises(InvalidInput, match=r"m: variable.s. not mapped: a, b"):
        check_mapping(["a", "b"], None, where="m")
    with pytest.raises(InvalidInput, match="more than once: a"):
        check_mapping(["a"], mapping("a", "a"), where="m")
    with pytest.raises(InvalidInput, match=r"no variable.s. c"):
        check_mapping(["a"], mapping("a", "c"), where="m")
    with pytest.raises(InvalidInput, match=r"start with '\$'"):
        check_mapping(
            ["a"], [VariableMapping(variable="a", source="metadata", json_path="x")], where="m"
        )


def test_filters_fit_their_columns() -> None:
    check_filters(
        filters(
            {"type": "number", "column": "toolCalls", "operator": ">=", "value": 2},
            {"type": "boolean", "column": "isRootObservation", "operator": "=", "value": True},
            {"type": "arrayOptions", "column": "tags", "operator": "all of", "value": ["x"]},
        )
    )
    for bad, message in [
        ({"type": "string", "column": "nope", "operator": "=", "value": "x"}, "unknown column"),
        ({"type": "string", "column": "tags", "operator": "=", "value": "x"}, "arrayOptions"),
        ({"type": "number", "column": "toolCalls", "operator": "=", "value": float("nan")},
         "finite"),
    ]:  # fmt: skip
        with pytest.raises(InvalidInput, match=message):
            check_filters(filters(bad))
    with pytest.raises(msgspec.ValidationError):
        filters({"type": "number", "column": "toolCalls", "operator": "contains", "value": 1})


def test_catalogue_templates_are_valid_creation_bodies() -> None:
    assert len({t["name"] for t in TEMPLATES}) == len(TEMPLATES) == 6
    for template in TEMPLATES:
        draft = msgspec.convert(template, EvaluatorDraft)
        assert draft.prompt is not None and draft.output_definition is not None
        judge_output(draft.output_definition)
        check_mapping(
            prompt_variables(prompt_messages(draft.prompt)), draft.variable_mapping, where="t"
        )
