"""LLM-as-a-judge's pure half: templates, the answer schema, reading verdicts."""

from __future__ import annotations

from typing import Any

import pytest

from spyglass_core.domain.errors import InvalidInput
from spyglass_evals.domain.judge import (
    JudgeOutput,
    OutputKind,
    judge_schema,
    read_verdict,
    render_template,
    template_variables,
)

NUMERIC = JudgeOutput(kind=OutputKind.NUMERIC, description="Correctness.", minimum=0, maximum=1)
BOOLEAN = JudgeOutput(kind=OutputKind.BOOLEAN, description="Is it toxic?")
LABELS = JudgeOutput(kind=OutputKind.CATEGORICAL, categories=("good", "bad"))

TEMPLATE = "Question: {{input}}\nAnswer: {{ output }}\nExpected: {{expected_output}} {{input}}"


def test_variables_are_listed_once_in_order_and_filled() -> None:
    assert template_variables(TEMPLATE) == ["input", "output", "expected_output"]
    rendered = render_template(
        TEMPLATE, {"input": {"q": "2+2"}, "output": "4", "expected_output": 4}
    )
    assert rendered == 'Question: {"q":"2+2"}\nAnswer: 4\nExpected: 4 {"q":"2+2"}'


def test_missing_variables_are_named() -> None:
    with pytest.raises(InvalidInput, match="output, expected_output"):
        render_template(TEMPLATE, {"input": "x"})


def test_braces_that_are_not_variables_stay() -> None:
    assert render_template("{{1bad}} {x} {{ ok }}", {"ok": "y"}) == "{{1bad}} {x} y"


@pytest.mark.parametrize(
    ("output", "score_schema"),
    [
        (NUMERIC, {"type": "number"}),
        (BOOLEAN, {"type": "boolean"}),
        (LABELS, {"type": "string", "enum": ["good", "bad"]}),
    ],
)
def test_the_schema_asks_for_reasoning_then_a_fitting_score(
    output: JudgeOutput, score_schema: dict[str, Any]
) -> None:
    schema = judge_schema(output)
    assert schema["required"] == ["reasoning", "score"]
    assert schema["additionalProperties"] is False
    assert score_schema.items() <= schema["properties"]["score"].items()


@pytest.mark.parametrize(
    ("output", "answer", "value"),
    [
        (NUMERIC, {"reasoning": "r", "score": 1}, 1.0),
        (NUMERIC, {"reasoning": "r", "score": 0.25}, 0.25),
        (BOOLEAN, {"reasoning": "r", "score": False}, False),
        (LABELS, {"reasoning": "r", "score": "bad"}, "bad"),
    ],
)
def test_fitting_answers_become_verdicts(output: JudgeOutput, answer: Any, value: Any) -> None:
    verdict = read_verdict(answer, output)
    assert verdict.value == value and type(verdict.value) is type(value)
    assert verdict.reasoning == "r"


@pytest.mark.parametrize(
    ("output", "answer", "message"),
    [
        (NUMERIC, {"reasoning": "r", "score": 2}, "outside"),
        (NUMERIC, {"reasoning": "r", "score": True}, "not a number"),
        (NUMERIC, {"score": 1}, "no reasoning"),
        (BOOLEAN, {"reasoning": "r", "score": 1}, "true or false"),
        (LABELS, {"reasoning": "r", "score": "meh"}, "categories"),
        (LABELS, ["good"], "object"),
    ],
)
def test_answers_that_do_not_fit_are_refused(
    output: JudgeOutput, answer: Any, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        read_verdict(answer, output)


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": OutputKind.NUMERIC, "minimum": 0},
        {"kind": OutputKind.NUMERIC, "minimum": 1, "maximum": 1},
        {"kind": OutputKind.NUMERIC, "minimum": 0, "maximum": float("inf")},
        {"kind": OutputKind.CATEGORICAL, "categories": ("only",)},
        {"kind": OutputKind.CATEGORICAL, "categories": ("a", "a")},
        {"kind": OutputKind.CATEGORICAL, "categories": ("a", " ")},
    ],
)
def test_bad_output_definitions_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        JudgeOutput(**fields)
