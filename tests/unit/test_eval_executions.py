"""Executions' ids, retries and the EVAL scores they write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from spyglass_core.domain.tracing import ScoreDataType, ScoreSource
from spyglass_evals.domain.executions import (
    MissingDataRetry,
    ObjectKind,
    eval_score,
    execution_id,
    score_id,
)

NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)


def test_one_execution_per_rule_and_object_and_one_score_per_execution() -> None:
    first = execution_id("rule-1", "ev-1", ObjectKind.TRACE, "t-1")
    assert first == execution_id("rule-1", "ev-1", ObjectKind.TRACE, "t-1")
    assert (
        len(
            {
                first,
                execution_id("rule-2", "ev-1", ObjectKind.TRACE, "t-1"),
                execution_id("rule-1", "code:exact_match", ObjectKind.TRACE, "t-1"),
                execution_id("rule-1", "ev-1", ObjectKind.OBSERVATION, "t-1"),
                execution_id("rule-1", "ev-1", ObjectKind.TRACE, "t-2"),
            }
        )
        == 5
    )
    assert score_id(first) == score_id(first) != first


def test_missing_data_is_retried_with_a_doubling_bounded_delay_then_given_up() -> None:
    retry = MissingDataRetry(
        attempts=4, first_delay=timedelta(seconds=10), max_delay=timedelta(seconds=30)
    )
    waits = [retry.next_attempt(n, NOW) for n in range(5)]
    assert [w - NOW for w in waits[:4] if w] == [
        timedelta(seconds=10),
        timedelta(seconds=20),
        timedelta(seconds=30),
        timedelta(seconds=30),
    ]
    assert waits[4] is None


def test_eval_scores_are_typed_by_value_and_keep_the_reasoning() -> None:
    made = {
        value: eval_score(
            project_id="p",
            execution="e",
            name="correctness",
            value=value,
            comment="because",
            at=NOW,
            trace_id="t",
        )
        for value in (0.5, True, "good")
    }
    assert [s.data_type for s in made.values()] == [
        ScoreDataType.NUMERIC,
        ScoreDataType.BOOLEAN,
        ScoreDataType.CATEGORICAL,
    ]
    assert made[True].value == 1.0 and made["good"].string_value == "good"
    numeric = made[0.5]
    assert numeric.source is ScoreSource.EVAL and numeric.comment == "because"
    assert numeric.id == score_id("e") and numeric.metadata == {"execution_id": "e"}
