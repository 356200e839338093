"""LLM-as-a-judge, the pure half: fill a template, ask for a structure, read the verdict.

A judge template is a prompt with ``{{variables}}`` and an output definition: a number
in a range, a boolean, or one of some categories. The judge is asked for a JSON object
``{"reasoning": str, "score": ...}`` (reasoning first, so the model argues before it
decides) whose ``score`` schema follows the output definition; the answer is checked
against the definition before it becomes a score value, and the reasoning becomes the
score's comment.

Variables are Langfuse's mustache-style names (a letter first, then letters, digits,
``_``, ``.`` or ``-``); a value that is not a string is inserted as compact JSON.
"""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from spyglass_core.domain.errors import InvalidInput

__all__ = (
    "JudgeOutput",
    "OutputKind",
    "Verdict",
    "judge_schema",
    "read_verdict",
    "render_template",
    "template_variables",
)

_VARIABLE = re.compile(r"{{\s*([A-Za-z][A-Za-z0-9_.\-]*)\s*}}")
MAX_REASONING_LENGTH = 10_000


class OutputKind(enum.StrEnum):
    """What a judge's score is."""

    NUMERIC = "NUMERIC"
    BOOLEAN = "BOOLEAN"
    CATEGORICAL = "CATEGORICAL"


class JudgeOutput(msgspec.Struct, frozen=True, kw_only=True):
    """The output definition of a judge template.

    ``minimum``/``maximum`` bound a numeric score (both required for NUMERIC);
    ``categories`` lists the allowed values of a categorical one (at least two).
    ``description`` tells the judge what the score means.
    """

    kind: OutputKind
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    categories: Sequence[str] = ()

    def __post_init__(self) -> None:
        if self.kind is OutputKind.NUMERIC:
            if self.minimum is None or self.maximum is None:
                raise InvalidInput("A numeric judge output needs a minimum and a maximum")
            if not (math.isfinite(self.minimum) and math.isfinite(self.maximum)):
                raise InvalidInput("A numeric judge output's range must be finite")
            if self.minimum >= self.maximum:
                raise InvalidInput("A numeric judge output's minimum must be below its maximum")
        if self.kind is OutputKind.CATEGORICAL:
            names = [c for c in self.categories if c.strip()]
            if len(set(names)) < 2 or len(names) != len(self.categories):
                raise InvalidInput("A categorical judge output needs two or more distinct names")


class Verdict(msgspec.Struct, frozen=True, kw_only=True):
    """A checked answer: the score value and the judge's reasoning."""

    value: float | bool | str
    reasoning: str


def template_variables(template: str) -> list[str]:
    """The variable names a template uses, in first-use order."""
    return list(dict.fromkeys(match.group(1) for match in _VARIABLE.finditer(template)))


def render_template(template: str, variables: Mapping[str, Any]) -> str:
    """The template with every ``{{name}}`` replaced by its value.

    Raises:
        InvalidInput: a variable the template uses has no value (all are named).
    """
    missing = [name for name in template_variables(template) if name not in variables]
    if missing:
        raise InvalidInput(f"Missing variable(s) for the judge template: {', '.join(missing)}")
    return _VARIABLE.sub(lambda match: _as_text(variables[match.group(1)]), template)


def judge_schema(output: JudgeOutput) -> dict[str, Any]:
    """The JSON Schema the judge's answer must follow (strict structured output)."""
    score: dict[str, Any]
    if output.kind is OutputKind.NUMERIC:
        score = {
            "type": "number",
            "description": f"{output.description} From {output.minimum:g} to {output.maximum:g}.",
        }
    elif output.kind is OutputKind.BOOLEAN:
        score = {"type": "boolean", "description": output.description}
    else:
        score = {"type": "string", "enum": list(output.categories)}
        if output.description:
            score["description"] = output.description
    return {
        "type": "object",
        "properties": {
            "reasoning": {"type": "string", "description": "Why, in a few sentences."},
            "score": score,
        },
        "required": ["reasoning", "score"],
        "additionalProperties": False,
    }


def read_verdict(answer: Any, output: JudgeOutput) -> Verdict:
    """Check the judge's decoded answer against the output definition.

    Raises:
        InvalidInput: the answer is not an object with a fitting score and a reasoning.
    """
    if not isinstance(answer, dict):
        raise InvalidInput("The judge's answer is not a JSON object")
    reasoning = answer.get("reasoning")
    if not isinstance(reasoning, str):
        raise InvalidInput("The judge's answer has no reasoning")
    score = answer.get("score")
    reasoning = reasoning[:MAX_REASONING_LENGTH]
    if output.kind is OutputKind.NUMERIC:
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise InvalidInput("The judge's score is not a number")
        assert output.minimum is not None and output.maximum is not None
        if not output.minimum <= score <= output.maximum:
            raise InvalidInput(
                f"The judge's score {score:g} is outside {output.minimum:g}..{output.maximum:g}"
            )
        return Verdict(value=float(score), reasoning=reasoning)
    if output.kind is OutputKind.BOOLEAN:
        if not isinstance(score, bool):
            raise InvalidInput("The judge's score is not true or false")
        return Verdict(value=score, reasoning=reasoning)
    if score not in output.categories:
        raise InvalidInput(f"The judge's score {score!r} is not one of the categories")
    return Verdict(value=str(score), reasoning=reasoning)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
