"""Rule filters over objects' columns (spyglass_evals.domain.matching)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from spyglass_core.domain.tracing import Observation, ObservationType, Trace
from spyglass_evals.domain.matching import matches, observation_row, trace_row

T0 = datetime(2026, 12, 3, 12, tzinfo=UTC)
TRACE = Trace(
    id="t1",
    project_id="p",
    timestamp=T0,
    name="qa",
    user_id="u-1",
    tags=["prod", "checkout"],
    metadata={"tier": "gold", "score": "7"},
)


def where(kind: str, column: str, operator: str, value: Any = "", **extra: Any) -> dict[str, Any]:
    return {"type": kind, "column": column, "operator": operator, "value": value} | extra


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (where("stringOptions", "name", "any of", ["qa", "chat"]), True),
        (where("stringOptions", "name", "none of", ["qa"]), False),
        (where("stringOptions", "sessionId", "none of", ["s"]), True),  # absent: not "any of"
        (where("string", "userId", "starts with", "u-"), True),
        (where("string", "userId", "contains", "x"), False),
        (where("string", "sessionId", "does not contain", "x"), True),
        (where("arrayOptions", "tags", "all of", ["prod", "checkout"]), True),
        (where("arrayOptions", "tags", "any of", ["dev"]), False),
        (where("arrayOptions", "tags", "none of", ["dev"]), True),
        (where("stringObject", "metadata", "=", "gold", key="tier"), True),
        (where("stringObject", "metadata", "is not set", key="region"), True),
        (where("numberObject", "metadata", ">", 5, key="score"), True),
        (where("numberObject", "metadata", "<", 5, key="tier"), False),  # not a number
        (where("datetime", "timestamp", ">=", "2026-12-03T00:00:00Z"), True),
        (where("null", "sessionId", "is null"), True),
    ],
)
def test_each_filter_type_on_a_trace(condition: dict[str, Any], expected: bool) -> None:
    assert matches([condition], trace_row(TRACE)) is expected


def test_every_condition_must_hold_and_none_matches_everything() -> None:
    row = trace_row(TRACE)
    assert matches([], row)
    name = where("stringOptions", "name", "any of", ["qa"])
    assert not matches([name, where("string", "userId", "=", "other")], row)


def test_observations_see_their_traces_name_and_whether_they_are_the_root() -> None:
    span = Observation(
        id="o1",
        trace_id="t1",
        project_id="p",
        type=ObservationType.GENERATION,
        start_time=T0,
        name="llm",
        parent_observation_id="root",
    )
    row = observation_row(span, TRACE)
    assert matches(
        [
            where("stringOptions", "type", "any of", ["GENERATION"]),
            where("stringOptions", "traceName", "any of", ["qa"]),
            where("boolean", "isRootObservation", "=", False),
            where("null", "parentObservationId", "is not null"),
        ],
        row,
    )
