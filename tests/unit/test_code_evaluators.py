"""The deterministic code evaluators of the evals plugin: results, config checks, variables."""

from __future__ import annotations

import time
from typing import Any

import pytest

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.services.evaluator_registry import EvaluatorRegistry
from spyglass_evals.evaluators import CODE_EVALUATORS

REGISTRY = EvaluatorRegistry(CODE_EVALUATORS)


async def run(name: str, config: dict[str, Any] | None, **variables: Any) -> Any:
    return await REGISTRY.create(name, config).evaluate(variables)


@pytest.mark.parametrize(
    ("name", "config", "variables", "expected"),
    [
        ("exact_match", {}, {"output": "Paris", "expected_output": "Paris"}, True),
        ("exact_match", {}, {"output": "paris", "expected_output": "Paris"}, False),
        (
            "exact_match",
            {"ignoreCase": True},
            {"output": "paris", "expected_output": "PARIS"},
            True,
        ),
        ("exact_match", {}, {"output": " Paris\n", "expected_output": "Paris"}, False),
        (
            "exact_match",
            {"normalizeWhitespace": True},
            {"output": "  New \t York\n", "expected_output": "New York"},
            True,
        ),
        (
            "exact_match",
            {},
            {"output": {"b": 1, "a": 2}, "expected_output": {"a": 2, "b": 1}},
            True,
        ),
        ("exact_match", {}, {"output": 42, "expected_output": "42"}, True),
        ("contains", {"values": ["cat"]}, {"output": "concatenate"}, True),
        ("contains", {"values": ["dog", "cat"]}, {"output": "a cat"}, True),
        ("contains", {"values": ["dog", "cat"], "mode": "all"}, {"output": "a cat"}, False),
        ("contains", {"values": ["dog", "cat"], "mode": "all"}, {"output": "cat, dog"}, True),
        ("contains", {"values": ["CAT"]}, {"output": "a cat"}, False),
        ("contains", {"values": ["CAT"], "ignoreCase": True}, {"output": "a cat"}, True),
        ("regex", {"pattern": r"\d{3}-\d{4}"}, {"output": "call 555-1234 now"}, True),
        (
            "regex",
            {"pattern": r"\d{3}-\d{4}", "fullMatch": True},
            {"output": "call 555-1234"},
            False,
        ),
        ("regex", {"pattern": r"\d{3}-\d{4}", "fullMatch": True}, {"output": "555-1234"}, True),
        ("regex", {"pattern": "^yes$"}, {"output": "YES"}, False),
        ("regex", {"pattern": "^yes$", "ignoreCase": True}, {"output": "YES"}, True),
        ("json_valid", None, {"output": '{"a": [1, 2]}'}, True),
        ("json_valid", None, {"output": "{'a': 1}"}, False),
        ("json_valid", None, {"output": "NaN"}, False),
        ("json_valid", None, {"output": {"already": "structured"}}, True),
        (
            "json_schema",
            {"schema": {"type": "object", "required": ["a"]}},
            {"output": '{"a": 1}'},
            True,
        ),
        (
            "json_schema",
            {"schema": {"type": "object", "required": ["a"]}},
            {"output": '{"b": 1}'},
            False,
        ),
        ("json_schema", {"schema": {"type": "object"}}, {"output": "not json"}, False),
        (
            "json_schema",
            {"schema": {"type": "array", "items": {"type": "integer"}}},
            {"output": [1, 2]},
            True,
        ),
        ("levenshtein", {}, {"output": "kitten", "expected_output": "kitten"}, 1.0),
        ("levenshtein", {}, {"output": "kitten", "expected_output": "sitting"}, 1 - 3 / 7),
        ("levenshtein", {}, {"output": "abc", "expected_output": "xyz"}, 0.0),
        ("levenshtein", {}, {"output": "", "expected_output": ""}, 1.0),
        ("levenshtein", {"ignoreCase": True}, {"output": "ABC", "expected_output": "abc"}, 1.0),
        ("numeric_tolerance", {}, {"output": 3, "expected_output": 3.0}, True),
        ("numeric_tolerance", {}, {"output": "3.1", "expected_output": 3}, False),
        ("numeric_tolerance", {"tolerance": 0.2}, {"output": " 3.1 ", "expected_output": 3}, True),
        (
            "numeric_tolerance",
            {"tolerance": 0.05, "relative": True},
            {"output": 104, "expected_output": 100},
            True,
        ),
        (
            "numeric_tolerance",
            {"tolerance": 0.05, "relative": True},
            {"output": 106, "expected_output": 100},
            False,
        ),
        (
            "numeric_tolerance",
            {"tolerance": 1},
            {"output": "about three", "expected_output": 3},
            False,
        ),
        ("numeric_tolerance", {"tolerance": 1}, {"output": True, "expected_output": 1}, False),
        ("numeric_tolerance", {"tolerance": 1}, {"output": "nan", "expected_output": 1}, False),
    ],
)
async def test_evaluator_results(
    name: str, config: dict[str, Any] | None, variables: dict[str, Any], expected: Any
) -> None:
    result = await run(name, config, **variables)
    assert type(result) is type(expected)
    assert result == pytest.approx(expected)


@pytest.mark.parametrize(
    ("name", "config", "message"),
    [
        ("exact_match", {"ignoreCase": "yes"}, r"Expected `bool`, got `str` - at `\$.ignoreCase`"),
        ("exact_match", {"caseInsensitive": True}, "unknown field `caseInsensitive`"),
        ("contains", {}, "missing required field `values`"),
        ("contains", {"values": []}, "length >= 1"),
        ("contains", {"values": ["a"], "mode": "some"}, r"Invalid enum value .some."),
        ("regex", {}, "missing required field `pattern`"),
        ("regex", {"pattern": "(unclosed"}, "not valid RE2 syntax"),
        ("regex", {"pattern": r"(a)\1"}, "backreferences and lookaround are not supported"),
        ("regex", {"pattern": "a" * 2_001}, "length <= 2000"),
        ("json_schema", {}, "missing required field `schema`"),
        ("json_schema", {"schema": {"type": "no-such-type"}}, "not a valid JSON Schema"),
        ("numeric_tolerance", {"tolerance": -1}, ">= 0"),
        ("json_valid", {"anything": 1}, "takes no config"),
    ],
)
def test_bad_config_is_rejected_up_front(name: str, config: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        REGISTRY.create(name, config)
    assert name in caught.value.message


@pytest.mark.parametrize("spec", CODE_EVALUATORS, ids=lambda spec: spec.name)
async def test_missing_variables_are_named(spec: Any) -> None:
    config = {
        "contains": {"values": ["x"]},
        "regex": {"pattern": "x"},
        "json_schema": {"schema": {}},
    }.get(spec.name)
    evaluator = REGISTRY.create(spec.name, config)
    with pytest.raises(InvalidInput) as caught:
        await evaluator.evaluate({"output": None, "unrelated": 1})
    assert caught.value.details["missing"] == list(spec.variables)
    for variable in spec.variables:
        assert variable in caught.value.message


def test_specs_describe_themselves() -> None:
    assert list(REGISTRY) == sorted(spec.name for spec in CODE_EVALUATORS)
    for spec in CODE_EVALUATORS:
        assert spec.description
        assert spec.variables
        assert spec.output in ("numeric", "boolean")
        if spec.config_schema is not None:
            assert spec.config_schema["type"] == "object"
            assert spec.config_schema["additionalProperties"] is False
    assert REGISTRY["regex"].config_schema is not None
    assert REGISTRY["regex"].config_schema["required"] == ["pattern"]


async def test_catastrophic_backtracking_pattern_runs_in_linear_time() -> None:
    # With Python's re, (a+)+$ on 30 a's and a b takes minutes; RE2 never backtracks.
    evaluator = REGISTRY.create("regex", {"pattern": "(a+)+$"})
    started = time.perf_counter()
    assert await evaluator.evaluate({"output": "a" * 100_000 + "b"}) is False
    assert time.perf_counter() - started < 1.0


async def test_unresolvable_schema_reference_is_invalid_input() -> None:
    evaluator = REGISTRY.create("json_schema", {"schema": {"$ref": "https://example.com/s"}})
    with pytest.raises(InvalidInput, match="remote references are not fetched"):
        await evaluator.evaluate({"output": "{}"})


async def test_non_numeric_expected_output_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="expected_output is not a number"):
        await run("numeric_tolerance", {}, output=1, expected_output="one")


async def test_long_texts_compare_quickly() -> None:
    started = time.perf_counter()
    score = await run("levenshtein", {}, output="ab" * 20_000, expected_output="ba" * 20_000)
    assert 0.0 < score < 1.0
    assert time.perf_counter() - started < 1.0
