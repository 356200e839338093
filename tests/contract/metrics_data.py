"""A small project whose metrics can be computed by hand, for the metrics-query suites.

Window ``FROM``..``TO`` (both inclusive) holds traces t1, t2 (day 1) and t3 (day 2);
t4 is older, t6 deleted, and project P2 has a trace of its own. Observation o5 names a
trace that does not exist; score s7 is a session score without a trace.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from spyglass_core.domain.tracing import (
    Observation,
    ObservationLevel,
    ObservationType,
    Score,
    ScoreDataType,
    ScoreSource,
    Trace,
)
from spyglass_tracing.ports.analytics import AnalyticsStore

P1, P2 = "project-1", "project-2"
T0 = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)  # a Monday
FROM = T0 - timedelta(hours=1)
TO = T0 + timedelta(days=2)
DAY1, DAY2, DAY3 = "2024-05-06", "2024-05-07", "2024-05-08"


def at(**delta: float) -> datetime:
    return T0 + timedelta(**delta)


def _traces() -> list[Trace]:
    return [
        Trace(
            id="t1",
            project_id=P1,
            timestamp=T0,
            name="chat",
            user_id="u1",
            session_id="s1",
            tags=["a", "b"],
            release="r1",
            version="v1",
            environment="production",
            metadata={"team": "x"},
        ),
        Trace(
            id="t2",
            project_id=P1,
            timestamp=at(hours=1.5),
            name="chat",
            user_id="u2",
            session_id="s1",
            tags=["a"],
            environment="production",
        ),
        Trace(
            id="t3",
            project_id=P1,
            timestamp=at(days=1),
            name="search",
            user_id="u1",
            environment="staging",
        ),
        Trace(id="t4", project_id=P1, timestamp=at(days=-10), name="old", user_id="u1"),
        Trace(id="t6", project_id=P1, timestamp=at(hours=3), name="deleted"),
        Trace(id="t1", project_id=P2, timestamp=T0, name="chat", user_id="elsewhere"),
    ]


def _observations() -> list[Observation]:
    generation = ObservationType.GENERATION
    return [
        Observation(
            id="o1",
            trace_id="t1",
            project_id=P1,
            type=generation,
            name="llm",
            start_time=T0,
            end_time=at(seconds=2),
            completion_start_time=at(seconds=0.5),
            provided_model_name="gpt-4o",
            usage_details={"input": 10, "output": 20, "total": 30},
            cost_details={"input": 0.25, "output": 0.5, "total": 0.75},
            total_cost=0.75,
        ),
        Observation(
            id="o2",
            trace_id="t1",
            project_id=P1,
            type=ObservationType.SPAN,
            name="tool",
            start_time=at(seconds=1),
            end_time=at(seconds=4),
        ),
        Observation(
            id="o3",
            trace_id="t2",
            project_id=P1,
            type=generation,
            name="llm",
            level=ObservationLevel.ERROR,
            start_time=at(hours=1.5),
            end_time=at(hours=1.5, seconds=1),
            provided_model_name="gpt-4o",
            usage_details={"input": 5, "output": 5, "total": 10},
            cost_details={"input": 0.125, "output": 0.125},
            total_cost=0.25,
        ),
        Observation(
            id="o4",
            trace_id="t3",
            project_id=P1,
            type=generation,
            name="llm",
            start_time=at(days=1),
            end_time=at(days=1, seconds=3),
            completion_start_time=at(days=1, seconds=1),
            provided_model_name="claude",
            usage_details={"input": 100, "output": 50, "input_cached": 20, "total": 170},
            cost_details={"input": 1.0, "output": 0.5},
            total_cost=1.5,
        ),
        Observation(
            id="o5",
            trace_id="missing",
            project_id=P1,
            type=ObservationType.SPAN,
            name="orphan",
            start_time=at(hours=2),
        ),
        Observation(
            id="o6",
            trace_id="t4",
            project_id=P1,
            type=generation,
            start_time=at(days=-10),
            total_cost=100.0,
        ),
    ]


def _score(id: str, name: str, value: float, when: datetime, **extra: object) -> Score:
    return Score(id=id, project_id=P1, name=name, value=value, timestamp=when, **extra)  # type: ignore[arg-type]


def _scores() -> list[Score]:
    categorical = ScoreDataType.CATEGORICAL
    return [
        _score("s1", "quality", 0.8, at(seconds=10), trace_id="t1"),
        _score(
            "s2", "quality", 0.4, at(hours=1.5, minutes=1), trace_id="t2", source=ScoreSource.EVAL
        ),
        _score("s3", "quality", 1.0, at(days=1, seconds=10), trace_id="t3"),
        _score(
            "s4",
            "correct",
            1.0,
            at(seconds=20),
            trace_id="t1",
            observation_id="o1",
            data_type=ScoreDataType.BOOLEAN,
        ),
        _score(
            "s5",
            "tone",
            0,
            at(seconds=30),
            trace_id="t1",
            data_type=categorical,
            string_value="polite",
        ),
        _score(
            "s6",
            "tone",
            0,
            at(hours=1.5, minutes=2),
            trace_id="t2",
            data_type=categorical,
            string_value="rude",
        ),
        _score("s7", "quality", 0.6, at(seconds=40), session_id="s9"),
        _score(
            "s8",
            "note",
            0,
            at(seconds=50),
            trace_id="t1",
            data_type=ScoreDataType.TEXT,
            string_value="text",
        ),
    ]


async def seed(store: AnalyticsStore) -> None:
    """Write the project (t2 twice: the newer version wins) and delete t6."""
    draft = Trace(id="t2", project_id=P1, timestamp=at(hours=1.5), name="draft",
                  event_ts=at(days=-1))  # fmt: skip
    await store.upsert_traces([draft])
    await store.upsert_traces(_traces())
    await store.upsert_observations(_observations())
    await store.upsert_scores(_scores())
    await store.delete_traces(P1, ["t6"])
