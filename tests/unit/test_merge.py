"""Merge rules: how ingestion events fold into stored traces, observations and scores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from spyglass_core.domain.tracing import (
    ObservationLevel,
    ObservationType,
    ScoreDataType,
    ScoreSource,
)
from spyglass_tracing.domain.ingestion import EntityEvent, ObservationBody, ScoreBody, TraceBody
from spyglass_tracing.domain.merge import (
    apply_observation_events,
    apply_score_events,
    apply_trace_events,
    encode_io,
    merge_metadata,
    metadata_map,
    score_value_fields,
)

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)
P = "project-1"


def trace_event(n: int, event_type: str = "trace-create", **fields: object) -> EntityEvent:
    body = msgspec.convert({"id": "t1", **fields}, TraceBody)
    return EntityEvent(id=f"e{n}", type=event_type, timestamp=T0 + timedelta(seconds=n), trace=body)


def obs_event(n: int, event_type: str, **fields: object) -> EntityEvent:
    body = msgspec.convert({"id": "o1", **fields}, ObservationBody)
    return EntityEvent(
        id=f"e{n}", type=event_type, timestamp=T0 + timedelta(seconds=n), observation=body
    )


def score_event(n: int, **fields: object) -> EntityEvent:
    body = msgspec.convert({"id": "s1", **fields}, ScoreBody)
    return EntityEvent(
        id=f"e{n}", type="score-create", timestamp=T0 + timedelta(seconds=n), score=body
    )


def test_a_later_value_wins_and_a_missing_field_keeps_its_value() -> None:
    trace = apply_trace_events(
        None,
        [trace_event(1, name="first", userId="u1"), trace_event(2, name="second")],
        P,
        NOW,
    )
    assert (trace.name, trace.user_id) == ("second", "u1")


def test_events_apply_in_timestamp_order_whatever_the_arrival_order() -> None:
    trace = apply_trace_events(
        None, [trace_event(2, name="late"), trace_event(1, name="early")], P, NOW
    )
    assert trace.name == "late"


def test_explicit_null_clears_but_null_input_keeps_the_last_input() -> None:
    stored = apply_trace_events(None, [trace_event(1, userId="u1", input={"q": 1})], P, NOW)
    trace = apply_trace_events(stored, [trace_event(2, userId=None, input=None)], P, NOW)
    assert trace.user_id is None
    assert trace.input == '{"q":1}'


def test_metadata_merges_and_tags_union_sorted() -> None:
    stored = apply_trace_events(
        None, [trace_event(1, metadata={"a": "x", "nested": {"k": 1}}, tags=["b", "a"])], P, NOW
    )
    trace = apply_trace_events(
        stored, [trace_event(2, metadata={"b": 2, "nested": {"j": 2}}, tags=["c", "a"])], P, NOW
    )
    assert trace.metadata["a"] == "x"
    assert trace.metadata["b"] == "2"
    assert msgspec.json.decode(trace.metadata["nested"]) == {"k": 1, "j": 2}
    assert trace.tags == ["a", "b", "c"]


def test_identity_fields_never_change_and_the_earliest_timestamp_dates_the_trace() -> None:
    stored = apply_trace_events(
        None,
        [trace_event(5, environment="Production", timestamp=T0 + timedelta(seconds=5))],
        P,
        NOW,
    )
    assert stored.environment == "production"
    trace = apply_trace_events(
        stored, [trace_event(6, environment="staging", timestamp=T0)], P, NOW
    )
    assert trace.environment == "production"
    assert trace.timestamp == T0
    assert trace.created_at == NOW and trace.project_id == P


def test_invalid_environment_falls_back_to_default() -> None:
    trace = apply_trace_events(None, [trace_event(1, environment="Not Valid!")], P, NOW)
    assert trace.environment == "default"


def test_generation_create_then_update() -> None:
    create = obs_event(
        1,
        "generation-create",
        traceId="t1",
        type="GENERATION",
        name="llm",
        startTime=T0.isoformat(),
        model="gpt-4o",
        modelParameters={"temperature": "0.1"},
        input=[{"role": "user", "content": "hi"}],
        usageDetails={"input": 10, "output": 5},
    )
    update = obs_event(
        2,
        "generation-update",
        output="hello",
        endTime=(T0 + timedelta(seconds=2)).isoformat(),
        level="WARNING",
    )
    obs = apply_observation_events(None, [update, create], P, NOW)
    assert obs.type is ObservationType.GENERATION
    assert obs.trace_id == "t1" and obs.name == "llm" and obs.start_time == T0
    assert obs.end_time == T0 + timedelta(seconds=2)
    assert obs.output == "hello"
    assert obs.input == '[{"role":"user","content":"hi"}]'
    assert obs.provided_model_name == "gpt-4o"
    assert obs.model_parameters == '{"temperature":"0.1"}'
    assert obs.usage_details == {"input": 10, "output": 5, "total": 15}
    assert obs.level is ObservationLevel.WARNING


def test_an_update_keeps_the_type_of_the_stored_observation() -> None:
    stored = apply_observation_events(
        None, [obs_event(1, "generation-create", traceId="t1", type="GENERATION")], P, NOW
    )
    obs = apply_observation_events(stored, [obs_event(2, "span-update", name="x")], P, NOW)
    assert obs.type is ObservationType.GENERATION and obs.name == "x"


def test_trace_id_and_start_time_are_fixed_once_set() -> None:
    stored = apply_observation_events(
        None, [obs_event(1, "span-create", traceId="t1", startTime=T0.isoformat())], P, NOW
    )
    later = T0 + timedelta(minutes=1)
    obs = apply_observation_events(
        stored, [obs_event(2, "span-update", traceId="t2", startTime=later.isoformat())], P, NOW
    )
    assert (obs.trace_id, obs.start_time) == ("t1", T0)


def test_an_observation_without_trace_gets_its_own_id_as_trace() -> None:
    obs = apply_observation_events(None, [obs_event(1, "span-create")], P, NOW)
    assert obs.trace_id == "o1"


def test_an_event_ends_when_it_starts() -> None:
    obs = apply_observation_events(
        None, [obs_event(1, "event-create", traceId="t1", type="EVENT")], P, NOW
    )
    assert obs.end_time == obs.start_time


def test_provided_costs_are_kept() -> None:
    obs = apply_observation_events(
        None,
        [obs_event(1, "generation-create", traceId="t", costDetails={"input": 0.5, "bad": "x"})],
        P,
        NOW,
    )
    assert obs.provided_cost_details == {"input": 0.5}


@pytest.mark.parametrize(
    ("value", "data_type", "expected"),
    [
        (0.5, None, (ScoreDataType.NUMERIC, 0.5, None)),
        ("good", None, (ScoreDataType.CATEGORICAL, 0.0, "good")),
        (True, None, (ScoreDataType.BOOLEAN, 1.0, "True")),
        (0.0, "BOOLEAN", (ScoreDataType.BOOLEAN, 0.0, "False")),
        ("fix this", "CORRECTION", (ScoreDataType.CORRECTION, 0.0, "fix this")),
    ],
)
def test_score_values_and_inferred_types(
    value: object, data_type: str | None, expected: tuple[object, ...]
) -> None:
    assert score_value_fields(value, data_type) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "data_type"), [("x", "NUMERIC"), (0.5, "BOOLEAN"), (1.0, "TEXT"), (1.0, "WHAT")]
)
def test_score_values_that_do_not_fit_their_type(value: object, data_type: str) -> None:
    with pytest.raises(ValueError):
        score_value_fields(value, data_type)  # type: ignore[arg-type]


def test_a_resent_score_replaces_mutable_fields_only() -> None:
    stored = apply_score_events(
        None,
        [score_event(1, name="q", value=0.2, traceId="t1", comment="c", source="EVAL")],
        P,
        NOW,
    )
    assert stored.source is ScoreSource.EVAL and stored.timestamp == T0 + timedelta(seconds=1)
    score = apply_score_events(stored, [score_event(2, name="q", value=0.9, traceId="t2")], P, NOW)
    assert (score.value, score.trace_id, score.comment) == (0.9, "t1", None)
    assert score.timestamp == stored.timestamp


def test_a_boolean_score_updated_without_data_type_stays_boolean() -> None:
    stored = apply_score_events(None, [score_event(1, name="ok", value=True)], P, NOW)
    score = apply_score_events(stored, [score_event(2, name="ok", value=0.0)], P, NOW)
    assert (score.data_type, score.string_value) == (ScoreDataType.BOOLEAN, "False")


def test_io_and_metadata_encoding() -> None:
    assert encode_io("done") == "done"
    assert encode_io({"a": 1}) == '{"a":1}'
    assert metadata_map({"k": "v", "n": 3}) == {"k": "v", "n": "3"}
    assert metadata_map([1, 2]) == {"metadata": "[1,2]"}
    assert merge_metadata({"a": "not json {"}, {"a": "{}"}) == {"a": "{}"}
