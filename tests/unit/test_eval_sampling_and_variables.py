"""Deterministic sampling and filling variables from an evaluated object."""

from __future__ import annotations

from typing import Any

import pytest

from spyglass_core.domain.errors import InvalidInput
from spyglass_evals.domain.sampling import in_sample
from spyglass_evals.domain.variables import (
    EvaluatedObject,
    MissingVariables,
    VariableMapping,
    VariableSource,
    compile_path,
    fill_variables,
)


def test_sampling_is_deterministic_about_half_and_independent_per_rule() -> None:
    ids = [f"trace-{n}" for n in range(2000)]
    first = {i for i in ids if in_sample("rule-a", i, 0.5)}
    assert first == {i for i in ids if in_sample("rule-a", i, 0.5)}  # a re-run picks the same
    assert 900 <= len(first) <= 1100
    other = {i for i in ids if in_sample("rule-b", i, 0.5)}
    assert first != other
    assert all(in_sample("r", i, 1.0) for i in ids[:50])
    assert not any(in_sample("r", i, 0.0) for i in ids[:50])
    # A lower rate samples a subset of a higher one's.
    assert {i for i in ids if in_sample("rule-a", i, 0.2)} <= first


OBJECT = EvaluatedObject(
    input={"question": "2+2?", "context": ["a", "b"]},
    output="4",
    metadata={"user": {"tier": "pro"}},
    tool_calls=[{"name": "calc", "arguments": "{}"}, {"name": "search", "arguments": "{}"}],
    expected_output="4",
)


@pytest.mark.parametrize(
    ("mapping", "value"),
    [
        (VariableMapping(variable="v", source=VariableSource.OUTPUT), "4"),
        (VariableMapping(variable="v", source=VariableSource.INPUT), OBJECT.input),
        (
            VariableMapping(variable="v", source=VariableSource.INPUT, json_path="$.question"),
            "2+2?",
        ),
        (
            VariableMapping(variable="v", source=VariableSource.METADATA, json_path="$.user.tier"),
            "pro",
        ),
        (
            VariableMapping(variable="v", source=VariableSource.TOOL_CALLS, json_path="$[*].name"),
            ["calc", "search"],
        ),
        (VariableMapping(variable="v", source=VariableSource.EXPECTED_OUTPUT), "4"),
    ],
)
def test_variables_come_from_their_source_and_path(mapping: VariableMapping, value: Any) -> None:
    assert fill_variables([mapping], OBJECT) == {"v": value}


def test_every_missing_variable_is_named_together() -> None:
    mappings = [
        VariableMapping(variable="answer", source=VariableSource.OUTPUT),
        VariableMapping(variable="meta", source=VariableSource.EXPERIMENT_ITEM_METADATA),
        VariableMapping(variable="deep", source=VariableSource.INPUT, json_path="$.nope"),
    ]
    with pytest.raises(MissingVariables) as raised:
        fill_variables(mappings, OBJECT)
    assert raised.value.names == ["meta", "deep"]
    assert "longer delay" in raised.value.message


@pytest.mark.parametrize("path", ["$[", "foo bar", "$" + ".a" * 300])
def test_bad_paths_are_invalid_input(path: str) -> None:
    with pytest.raises(InvalidInput):
        compile_path(path)
