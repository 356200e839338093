"""Contract suite for AnalyticsStore's observation and score lists: filters, orders, keysets."""

from __future__ import annotations

from datetime import datetime

from spyglass_core.domain.tracing import (
    ObservationLevel,
    ObservationType,
    ScoreDataType,
    ScoreSource,
)
from spyglass_tracing.domain.queries import (
    FilterCondition,
    ObservationQuery,
    ScoreQuery,
)
from spyglass_tracing.ports.analytics import AnalyticsStore
from tests.contract.analytics_support import (
    P1,
    P2,
    T0,
    S,
    analytics_store,
    cond,
    found_observations,
    found_scores,
    observation,
    score,
    trace,
)

__all__ = ("analytics_store",)  # the fixture, used by name


async def _observations_to_filter(store: AnalyticsStore) -> None:
    await store.upsert_traces(
        [trace("t1", user_id="u1", session_id="s1"), trace("t2", session_id="s2")]
    )
    await store.upsert_observations(
        [
            observation(
                "o1", type=ObservationType.GENERATION, name="llm", end_time=T0 + 2 * S,
                environment="prod", version="v1", provided_model_name="gpt-4o",
                prompt_name="greet", metadata={"k": "a"}, total_cost=0.5,
            ),
            observation(
                "o2", name="retrieve", level=ObservationLevel.WARNING, start_time=T0 + S,
                environment="dev", parent_observation_id="o1",
            ),
            observation(
                "o3", trace_id="t2", type=ObservationType.EVENT, level=ObservationLevel.ERROR,
                start_time=T0 + 2 * S, end_time=T0 + 2 * S, environment="prod",
                parent_observation_id="o1", provided_model_name="claude", total_cost=1.25,
                version="v2",
            ),
            observation("o4", trace_id="missing", name="orphan", start_time=T0 + 3 * S,
                        environment="prod"),
            observation("o1", project_id=P2),
        ]
    )  # fmt: skip


async def test_find_observations_by_simple_parameters(analytics_store: AnalyticsStore) -> None:
    await _observations_to_filter(analytics_store)
    cases: list[tuple[dict[str, object], list[str]]] = [
        ({}, ["o1", "o2", "o3", "o4"]),
        ({"trace_id": "t1"}, ["o1", "o2"]),
        ({"name": "llm"}, ["o1"]),
        ({"type": "SPAN"}, ["o2", "o4"]),
        ({"level": "ERROR"}, ["o3"]),
        ({"parent_observation_id": "o1"}, ["o2", "o3"]),
        ({"environments": ["dev"]}, ["o2"]),
        ({"environments": ["dev", "prod"]}, ["o1", "o2", "o3", "o4"]),
        ({"from_start_time": T0 + S}, ["o2", "o3", "o4"]),
        ({"to_start_time": T0 + S}, ["o1"]),
        ({"from_start_time": T0 + S, "to_start_time": T0 + 3 * S}, ["o2", "o3"]),
        ({"version": "v1"}, ["o1"]),
        ({"is_root": True}, ["o1", "o4"]),
        ({"is_root": False}, ["o2", "o3"]),
        ({"user_id": "u1"}, ["o1", "o2"]),
        ({"session_id": "s2"}, ["o3"]),
        ({"user_id": "u1", "session_id": "s2"}, []),
        ({"trace_id": "t1", "is_root": False}, ["o2"]),
    ]
    for query, expected in cases:
        assert await found_observations(analytics_store, **query) == expected, query


async def test_observation_filter_conditions(analytics_store: AnalyticsStore) -> None:
    await _observations_to_filter(analytics_store)
    cases: list[tuple[FilterCondition, list[str]]] = [
        (cond("id", "string", "=", "o1"), ["o1"]),
        (cond("traceId", "stringOptions", "none of", ["t1"]), ["o3", "o4"]),
        (cond("name", "string", "does not contain", "r"), ["o1"]),
        (cond("type", "stringOptions", "any of", ["GENERATION", "EVENT"]), ["o1", "o3"]),
        (cond("level", "string", "=", "WARNING"), ["o2"]),
        (cond("startTime", "datetime", "<", T0 + S), ["o1"]),
        (cond("endTime", "datetime", ">=", T0 + 2 * S), ["o1", "o3"]),
        (cond("endTime", "null", "is null"), ["o2", "o4"]),
        (cond("environment", "string", "=", "prod"), ["o1", "o3", "o4"]),
        (cond("version", "null", "is null"), ["o2", "o4"]),
        (cond("parentObservationId", "null", "is not null"), ["o2", "o3"]),
        (cond("model", "string", "=", "gpt-4o"), ["o1"]),
        (cond("model", "null", "is null"), ["o2", "o4"]),
        (cond("promptName", "stringOptions", "any of", ["greet"]), ["o1"]),
        (cond("metadata", "stringObject", "=", "a", key="k"), ["o1"]),
        (cond("userId", "string", "=", "u1"), ["o1", "o2"]),
        # Via the trace: the orphan has none, so even "is null" skips it.
        (cond("userId", "null", "is null"), ["o3"]),
        (cond("sessionId", "stringOptions", "any of", ["s1", "s2"]), ["o1", "o2", "o3"]),
        (cond("totalCost", "number", ">", 1), ["o3"]),
        (cond("totalCost", "number", "<=", 0.5), ["o1"]),
        (cond("totalCost", "number", "=", 1.25), ["o3"]),
        (cond("totalCost", "number", "!=", 0.5), ["o3"]),
        (cond("totalCost", "null", "is null"), ["o2", "o4"]),
    ]
    for condition, expected in cases:
        assert await found_observations(analytics_store, filters=[condition]) == expected, condition


async def test_find_observations_keyset_walks_everything(analytics_store: AnalyticsStore) -> None:
    starts = [T0, T0, T0, T0 + S, T0 + S, T0 + 2 * S, T0 - S, T0, T0 + S, T0 + 3 * S, T0]
    await analytics_store.upsert_observations(
        [observation(f"o{i:02}", start_time=start) for i, start in enumerate(starts)]
        + [observation("other", project_id=P2)]
    )
    everything = await analytics_store.find_observations(P1, ObservationQuery(limit=100))
    expected = sorted(
        ((obs.start_time, obs.id) for obs in everything.items), reverse=True
    )  # start_time DESC, id DESC
    assert [(obs.start_time, obs.id) for obs in everything.items] == expected
    assert everything.total == len(starts)

    walked: list[str] = []
    after: tuple[datetime, str] | None = None
    while True:
        query = ObservationQuery(limit=3, after=after, with_total=False)
        page = await analytics_store.find_observations(P1, query)
        assert page.total is None
        if not page.items:
            break
        walked.extend(obs.id for obs in page.items)
        last = page.items[-1]
        after = (last.start_time, last.id)
    assert walked == [obs.id for obs in everything.items]

    # Keyset with a filter, and an "after" that names no stored row.
    query = ObservationQuery(after=(T0 + S, "o05"), from_start_time=T0)
    assert [obs.id for obs in (await analytics_store.find_observations(P1, query)).items] == [
        "o04", "o03", "o10", "o07", "o02", "o01", "o00",
    ]  # fmt: skip


async def _scores_to_filter(store: AnalyticsStore) -> None:
    await store.upsert_traces(
        [trace("t1", user_id="u1", tags=["a", "b"]), trace("t2", user_id="u2", tags=["b"])]
    )
    await store.upsert_scores(
        [
            score(
                "s1", value=0.9, environment="prod", trace_id="t1", observation_id="o1",
                config_id="c1", queue_id="q1", author_user_id="a1", metadata={"k": "x"},
            ),
            score(
                "s2", name="tone", timestamp=T0 + S, data_type=ScoreDataType.CATEGORICAL,
                string_value="good", source=ScoreSource.ANNOTATION, environment="dev",
                trace_id="t2", config_id="c2", author_user_id="a2",
            ),
            score(
                "s3", value=0.1, timestamp=T0 + 2 * S, source=ScoreSource.EVAL,
                environment="prod", session_id="sess",
            ),
            score(
                "s4", name="run", value=0.0, timestamp=T0 + 3 * S,
                data_type=ScoreDataType.BOOLEAN, string_value="False",
                dataset_run_id="run-1", metadata={"k": "y"},
            ),
            score("s1", project_id=P2),
        ]
    )  # fmt: skip


async def test_find_scores_by_simple_parameters(analytics_store: AnalyticsStore) -> None:
    await _scores_to_filter(analytics_store)
    cases: list[tuple[dict[str, object], list[str]]] = [
        ({}, ["s1", "s2", "s3", "s4"]),
        ({"ids": ["s1", "s3", "nope"]}, ["s1", "s3"]),
        ({"names": ["quality"]}, ["s1", "s3"]),
        ({"names": ["tone", "run"]}, ["s2", "s4"]),
        ({"sources": ["ANNOTATION", "EVAL"]}, ["s2", "s3"]),
        ({"data_types": ["NUMERIC"]}, ["s1", "s3"]),
        ({"environments": ["dev"]}, ["s2"]),
        ({"config_ids": ["c1"]}, ["s1"]),
        ({"queue_ids": ["q1"]}, ["s1"]),
        ({"author_user_ids": ["a2"]}, ["s2"]),
        ({"string_values": ["good"]}, ["s2"]),
        ({"trace_id": "t1"}, ["s1"]),
        ({"observation_ids": ["o1", "zz"]}, ["s1"]),
        ({"session_id": "sess"}, ["s3"]),
        ({"dataset_run_id": "run-1"}, ["s4"]),
        ({"user_id": "u2"}, ["s2"]),
        ({"trace_tags": ["a"]}, ["s1"]),
        ({"trace_tags": ["b"]}, ["s1", "s2"]),
        ({"trace_tags": ["b"], "user_id": "u2"}, ["s2"]),
        ({"from_timestamp": T0 + S}, ["s2", "s3", "s4"]),
        ({"to_timestamp": T0 + S}, ["s1"]),
        ({"value_operator": ">=", "value": 0.9}, ["s1", "s2"]),
        ({"value_operator": "<", "value": 0.5}, ["s3", "s4"]),
        ({"value_operator": "!=", "value": 1.0}, ["s1", "s3", "s4"]),
        ({"value_operator": "=", "value": 0.0}, ["s4"]),
        ({"value_operator": ">", "value": 0.5, "names": ["quality"]}, ["s1"]),
        ({"value_min": 0.1, "value_max": 0.9}, ["s1", "s3"]),
        ({"value_min": 0.5}, ["s1", "s2"]),
    ]
    for query, expected in cases:
        assert await found_scores(analytics_store, **query) == expected, query


async def test_score_filter_conditions(analytics_store: AnalyticsStore) -> None:
    await _scores_to_filter(analytics_store)
    cases: list[tuple[FilterCondition, list[str]]] = [
        (cond("id", "string", "=", "s2"), ["s2"]),
        (cond("name", "stringOptions", "none of", ["quality"]), ["s2", "s4"]),
        (cond("source", "string", "=", "EVAL"), ["s3"]),
        (cond("dataType", "stringOptions", "any of", ["CATEGORICAL"]), ["s2"]),
        (cond("environment", "string", "=", "prod"), ["s1", "s3"]),
        (cond("value", "number", ">", 0.5), ["s1", "s2"]),
        (cond("value", "number", "<", 0.1), ["s4"]),
        (cond("stringValue", "null", "is null"), ["s1", "s3"]),
        (cond("stringValue", "string", "starts with", "go"), ["s2"]),
        (cond("traceId", "null", "is not null"), ["s1", "s2"]),
        (cond("observationId", "null", "is null"), ["s2", "s3", "s4"]),
        (cond("sessionId", "string", "=", "sess"), ["s3"]),
        (cond("timestamp", "datetime", ">", T0 + S), ["s3", "s4"]),
        (cond("configId", "string", "starts with", "c"), ["s1", "s2"]),
        (cond("metadata", "stringObject", "=", "x", key="k"), ["s1"]),
    ]
    for condition, expected in cases:
        assert await found_scores(analytics_store, filters=[condition]) == expected, condition


async def test_find_scores_order_and_keyset(analytics_store: AnalyticsStore) -> None:
    stamps = [T0, T0 + S, T0, T0 - S, T0 + S, T0, T0 + 2 * S]
    await analytics_store.upsert_scores([score(f"s{i}", timestamp=t) for i, t in enumerate(stamps)])
    everything = await analytics_store.find_scores(P1, ScoreQuery(limit=100))
    assert [s.id for s in everything.items] == ["s6", "s4", "s1", "s5", "s2", "s0", "s3"]
    assert everything.total == 7

    walked: list[str] = []
    after: tuple[datetime, str] | None = None
    for _ in range(10):
        page = await analytics_store.find_scores(
            P1, ScoreQuery(limit=2, after=after, with_total=False)
        )
        assert page.total is None
        if not page.items:
            break
        walked.extend(s.id for s in page.items)
        after = (page.items[-1].timestamp, page.items[-1].id)
    assert walked == [s.id for s in everything.items]

    offset_page = await analytics_store.find_scores(P1, ScoreQuery(limit=2, offset=2))
    assert [s.id for s in offset_page.items] == ["s1", "s5"] and offset_page.total == 7
