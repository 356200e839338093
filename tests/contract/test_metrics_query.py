"""Contract suite of ``AnalyticsStore.query_metrics``: the in-memory store and ClickHouse
(embedded chDB) give the numbers computed by hand from ``metrics_data``, and the same
answer as each other for every measure, aggregation and dimension of every view."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest

from spyglass_core.domain.errors import InvalidInput
from spyglass_tracing.domain.metrics_query import (
    MetricSpec,
    MetricsViewQuery,
    OrderTerm,
    parse_metrics_query,
)
from spyglass_tracing.domain.metrics_results import wire_rows
from spyglass_tracing.domain.metrics_views import VIEWS, Aggregation
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.storage.memory_analytics import MemoryAnalyticsStore
from tests.contract.analytics_support import opened_chdb_store, opened_store
from tests.contract.metrics_data import DAY1, DAY2, DAY3, FROM, P1, P2, T0, TO, at, seed


@pytest.fixture(params=["memory", "chdb"])
async def store(request: pytest.FixtureRequest, chdb_dsn: str) -> AsyncIterator[AnalyticsStore]:
    """A seeded store of each kind."""
    async with opened_store(request.param, chdb_dsn) as opened:
        await seed(opened)
        yield opened


def query(view: str, *metrics: str, **fields: Any) -> MetricsViewQuery:
    """A validated query: metrics as ``aggregation_measure``, the rest as the wire has it."""
    body = {
        "view": view,
        "metrics": [
            {"aggregation": key.split("_", 1)[0], "measure": key.split("_", 1)[1]}
            for key in metrics
        ],
        "fromTimestamp": FROM.isoformat(),
        "toTimestamp": TO.isoformat(),
        **fields,
    }
    return parse_metrics_query(json.dumps(body))


async def rows(store: AnalyticsStore, q: MetricsViewQuery, project: str = P1) -> list[Any]:
    return wire_rows(q, await store.query_metrics(project, q))


def dims(*names: str) -> list[dict[str, str]]:
    return [{"field": name} for name in names]


# --- traces view --------------------------------------------------------------------------


async def test_trace_totals(store: AnalyticsStore) -> None:
    q = query(
        "traces",
        "count_count",
        "sum_observationsCount",
        "sum_totalCost",
        "sum_totalTokens",
        "sum_scoresCount",
        "count_uniqueUserIds",
        "uniq_uniqueSessionIds",
    )
    [row] = await rows(store, q)
    assert row == {
        "count_count": 3,  # t4 is older, t6 deleted, o5's trace does not exist
        "sum_observationsCount": 4,
        "sum_totalCost": pytest.approx(2.5),
        "sum_totalTokens": 210,
        "sum_scoresCount": 7,  # t1: s1 s4 s5 s8, t2: s2 s6, t3: s3
        "count_uniqueUserIds": 2,
        "uniq_uniqueSessionIds": 1,
    }


async def test_trace_latency_statistics(store: AnalyticsStore) -> None:
    q = query("traces", "avg_latency", "p50_latency", "p95_latency", "max_latency", "min_latency")
    [row] = await rows(store, q)
    # t1: first start T0, last end T0+4s; t2: 1 s; t3: 3 s.
    assert row["p50_latency"] == pytest.approx(3000)
    assert row["p95_latency"] == pytest.approx(3900)  # 3000 + 0.9 * (4000 - 3000)
    assert row["avg_latency"] == pytest.approx(8000 / 3)
    assert (row["max_latency"], row["min_latency"]) == (4000, 1000)


async def test_traces_by_name_default_order_is_first_metric_descending(
    store: AnalyticsStore,
) -> None:
    q = query("traces", "count_count", "sum_totalCost", dimensions=dims("name"))
    assert await rows(store, q) == [
        {"name": "chat", "count_count": 2, "sum_totalCost": pytest.approx(1.0)},
        {"name": "search", "count_count": 1, "sum_totalCost": pytest.approx(1.5)},
    ]


async def test_traces_by_tags_explode_and_keep_untagged_under_null(store: AnalyticsStore) -> None:
    q = query("traces", "count_count", dimensions=dims("tags"), orderBy=[{"field": "tags"}])
    assert await rows(store, q) == [
        {"tags": "a", "count_count": 2},
        {"tags": "b", "count_count": 1},
        {"tags": None, "count_count": 1},
    ]


async def test_traces_per_day_fill_the_empty_buckets(store: AnalyticsStore) -> None:
    q = query("traces", "count_count", "sum_totalCost", timeDimension={"granularity": "day"})
    assert await rows(store, q) == [
        {"time_dimension": DAY1, "count_count": 2, "sum_totalCost": pytest.approx(1.0)},
        {"time_dimension": DAY2, "count_count": 1, "sum_totalCost": pytest.approx(1.5)},
        {"time_dimension": DAY3, "count_count": 0, "sum_totalCost": 0},
    ]


async def test_hourly_buckets_are_timestamps(store: AnalyticsStore) -> None:
    q = query("traces", "count_count", timeDimension={"granularity": "hour"})
    found = await rows(store, q)
    assert len(found) == 50  # 09:00 on day 1 to 10:00 on day 3
    by_hour = {row["time_dimension"]: row["count_count"] for row in found if row["count_count"]}
    assert by_hour == {
        "2024-05-06T10:00:00.000Z": 1,
        "2024-05-06T11:00:00.000Z": 1,
        "2024-05-07T10:00:00.000Z": 1,
    }


async def test_users_top_n_by_cost(store: AnalyticsStore) -> None:
    q = query(
        "traces",
        "sum_totalCost",
        "count_count",
        dimensions=dims("userId"),
        orderBy=[{"field": "sum_totalCost", "direction": "desc"}],
        config={"row_limit": 1},
    )
    assert await rows(store, q) == [
        {"userId": "u1", "sum_totalCost": pytest.approx(2.25), "count_count": 2}
    ]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"column": "name", "type": "string", "operator": "=", "value": "chat"}, 2),
        ({"column": "traceName", "type": "string", "operator": "=", "value": "chat"}, 2),
        ({"column": "tags", "type": "arrayOptions", "operator": "any of", "value": ["b"]}, 1),
        ({"column": "tags", "type": "arrayOptions", "operator": "none of", "value": ["a"]}, 1),
        ({"column": "sessionId", "type": "null", "operator": "is null", "value": ""}, 1),
        ({"column": "userId", "type": "stringOptions", "operator": "any of", "value": ["u1"]}, 2),
        (
            {
                "column": "metadata",
                "type": "stringObject",
                "operator": "=",
                "key": "team",
                "value": "x",
            },
            1,
        ),
        ({"column": "timestamp", "type": "datetime", "operator": ">", "value": T0.isoformat()}, 2),
        ({"column": "timestampMonth", "type": "string", "operator": "=", "value": "2024-05"}, 3),
        # Values are parameters: quotes are just characters.
        ({"column": "name", "type": "string", "operator": "=", "value": "chat' OR '1'='1"}, 0),
        (
            {
                "column": "metadata",
                "type": "stringObject",
                "operator": "=",
                "key": "team'] OR 1=1 --",
                "value": "",
            },
            3,
        ),
    ],
)
async def test_trace_filters(
    store: AnalyticsStore, condition: dict[str, Any], expected: int
) -> None:
    [row] = await rows(store, query("traces", "count_count", filters=[condition]))
    assert row["count_count"] == expected


async def test_another_project_sees_only_its_own(store: AnalyticsStore) -> None:
    [row] = await rows(store, query("traces", "count_count", dimensions=dims("userId")), P2)
    assert row == {"userId": "elsewhere", "count_count": 1}
    [empty] = await rows(store, query("traces", "count_count", "sum_totalCost"), "nobody")
    assert empty == {"count_count": 0, "sum_totalCost": None}


# --- observations view --------------------------------------------------------------------


async def test_observation_usage_and_cost(store: AnalyticsStore) -> None:
    q = query(
        "observations",
        "count_count",
        "sum_totalCost",
        "sum_totalTokens",
        "sum_inputTokens",
        "sum_outputTokens",
        "sum_inputCost",
        "sum_outputCost",
        "sum_countScores",
    )
    [row] = await rows(store, q)
    assert row == {
        "count_count": 5,
        "sum_totalCost": pytest.approx(2.5),
        "sum_totalTokens": 210,
        "sum_inputTokens": 135,  # "input_cached" counts as input, as Langfuse sums it
        "sum_outputTokens": 75,
        "sum_inputCost": pytest.approx(1.375),
        "sum_outputCost": pytest.approx(1.125),
        "sum_countScores": 1,
    }


async def test_observation_timings(store: AnalyticsStore) -> None:
    q = query(
        "observations",
        "count_latency",
        "avg_latency",
        "p50_latency",
        "avg_timeToFirstToken",
        "sum_streamingLatency",
        "max_outputTokensPerSecond",
        "max_tokensPerSecond",
    )
    [row] = await rows(store, q)
    assert row == {
        "count_latency": 4,  # o5 has no end
        "avg_latency": pytest.approx(2250),
        "p50_latency": pytest.approx(2500),
        "avg_timeToFirstToken": pytest.approx(750),
        "sum_streamingLatency": 3500,
        "max_outputTokensPerSecond": pytest.approx(25),
        "max_tokensPerSecond": pytest.approx(170 / 3),
    }


async def test_cost_by_model(store: AnalyticsStore) -> None:
    q = query(
        "observations",
        "sum_totalCost",
        "count_count",
        dimensions=dims("providedModelName"),
        filters=[{"column": "providedModelName", "type": "null", "operator": "is not null"}],
        orderBy=[{"field": "sum_totalCost", "direction": "desc"}],
    )
    assert await rows(store, q) == [
        {"providedModelName": "claude", "sum_totalCost": pytest.approx(1.5), "count_count": 1},
        {"providedModelName": "gpt-4o", "sum_totalCost": pytest.approx(1.0), "count_count": 2},
    ]


async def test_observations_by_trace_fields(store: AnalyticsStore) -> None:
    by_trace = await rows(store, query("observations", "count_count", dimensions=dims("traceName")))
    assert by_trace == [
        {"traceName": "chat", "count_count": 3},
        {"traceName": "search", "count_count": 1},
        {"traceName": None, "count_count": 1},  # o5's trace does not exist
    ]
    by_tag = query("observations", "count_count", dimensions=dims("tags", "type"))
    assert await rows(store, by_tag) == [
        {"tags": "a", "type": "GENERATION", "count_count": 2},
        {"tags": "a", "type": "SPAN", "count_count": 1},
        {"tags": "b", "type": "GENERATION", "count_count": 1},
        {"tags": "b", "type": "SPAN", "count_count": 1},
        {"tags": None, "type": "GENERATION", "count_count": 1},
        {"tags": None, "type": "SPAN", "count_count": 1},
    ]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"column": "level", "type": "string", "operator": "=", "value": "ERROR"}, 1),
        (
            {
                "column": "startTime",
                "type": "datetime",
                "operator": ">=",
                "value": at(hours=1).isoformat(),
            },
            3,
        ),
        ({"column": "userId", "type": "stringOptions", "operator": "any of", "value": ["u1"]}, 3),
        ({"column": "tags", "type": "arrayOptions", "operator": "none of", "value": ["a"]}, 2),
        ({"column": "name", "type": "string", "operator": "starts with", "value": "l"}, 3),
        (
            {
                "column": "type",
                "type": "stringOptions",
                "operator": "none of",
                "value": ["GENERATION"],
            },
            2,
        ),
    ],
)
async def test_observation_filters(
    store: AnalyticsStore, condition: dict[str, Any], expected: int
) -> None:
    [row] = await rows(store, query("observations", "count_count", filters=[condition]))
    assert row["count_count"] == expected


# --- score views --------------------------------------------------------------------------


async def test_numeric_scores(store: AnalyticsStore) -> None:
    [total] = await rows(store, query("scores-numeric", "count_count", "avg_value"))
    assert total == {"count_count": 5, "avg_value": pytest.approx(0.76)}  # BOOLEAN included
    by_name = query("scores-numeric", "avg_value", "count_count", dimensions=dims("name"))
    assert await rows(store, by_name) == [
        {"name": "correct", "avg_value": pytest.approx(1.0), "count_count": 1},
        {"name": "quality", "avg_value": pytest.approx(0.7), "count_count": 4},
    ]


async def test_numeric_scores_by_name_per_day(store: AnalyticsStore) -> None:
    q = query(
        "scores-numeric",
        "avg_value",
        dimensions=dims("name"),
        timeDimension={"granularity": "day"},
    )
    assert await rows(store, q) == [
        {"time_dimension": DAY1, "name": "correct", "avg_value": pytest.approx(1.0)},
        {"time_dimension": DAY1, "name": "quality", "avg_value": pytest.approx(0.6)},
        {"time_dimension": DAY2, "name": "quality", "avg_value": pytest.approx(1.0)},
        {"time_dimension": DAY3, "name": None, "avg_value": None},
    ]


async def test_score_context_dimensions(store: AnalyticsStore) -> None:
    sessions = query("scores-numeric", "count_count", dimensions=dims("sessionId"))
    assert await rows(store, sessions) == [
        {"sessionId": "s1", "count_count": 3},  # the trace's session
        {"sessionId": "s9", "count_count": 1},  # the score's own
        {"sessionId": None, "count_count": 1},  # t3 has none
    ]
    observed = query(
        "scores-numeric",
        "count_count",
        dimensions=dims("observationName", "traceName"),
        orderBy=[{"field": "observationName"}],
    )
    assert await rows(store, observed) == [
        {"observationName": "llm", "traceName": "chat", "count_count": 1},
        {"observationName": None, "traceName": "chat", "count_count": 2},
        {"observationName": None, "traceName": "search", "count_count": 1},
        {"observationName": None, "traceName": None, "count_count": 1},
    ]


async def test_value_histogram(store: AnalyticsStore) -> None:
    q = query("scores-numeric", "histogram_value", config={"bins": 2})
    [row] = await rows(store, q)
    [low, high] = row["histogram_value"]
    assert low == pytest.approx([0.4, 0.7, 2.0])  # 0.4, 0.6
    assert high == pytest.approx([0.7, 1.0, 3.0])  # 0.8, 1.0, 1.0


async def test_categorical_scores(store: AnalyticsStore) -> None:
    q = query("scores-categorical", "count_count", dimensions=dims("stringValue"))
    assert await rows(store, q) == [
        {"stringValue": "polite", "count_count": 1},
        {"stringValue": "rude", "count_count": 1},
    ]


async def test_an_undeclared_name_is_refused(store: AnalyticsStore) -> None:
    q = query("traces", "count_count")
    bad = MetricsViewQuery(
        view="traces",
        metrics=(MetricSpec(measure="nope", aggregation=Aggregation.SUM),),
        from_timestamp=q.from_timestamp,
        to_timestamp=q.to_timestamp,
    )
    with pytest.raises(InvalidInput, match="Invalid metric nope"):
        await store.query_metrics(P1, bad)
    unordered = msgspec.structs.replace(q, order_by=(OrderTerm(key="name"),))
    with pytest.raises(InvalidInput, match="Invalid orderBy field: name"):
        await store.query_metrics(P1, unordered)


# --- both stores agree on everything ------------------------------------------------------


def _every_query() -> list[MetricsViewQuery]:
    """Each view: every measure under every aggregation it allows, then every dimension."""
    queries = []
    for view in VIEWS.values():
        for measure, spec in view.measures.items():
            keys = [f"{a.value}_{measure}" for a in Aggregation if spec.allows(a)]
            queries.append(query(view.name, *keys))
        for dimension in view.dimensions:
            queries.append(
                query(
                    view.name,
                    "count_count",
                    dimensions=dims(dimension),
                    timeDimension={"granularity": "day"},
                )
            )
    return queries


async def test_both_stores_agree_on_every_measure_and_dimension(chdb_dsn: str) -> None:
    memory = MemoryAnalyticsStore()
    async with opened_chdb_store(chdb_dsn) as chdb:
        await seed(memory)
        await seed(chdb)
        for q in _every_query():
            expected = await rows(memory, q)
            got = await rows(chdb, q)
            assert got == _approx(expected), q


def _approx(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def value(item: Any) -> Any:
        if isinstance(item, float):
            return pytest.approx(item)
        if isinstance(item, list):
            return [value(each) for each in item]
        return item

    return [{key: value(item) for key, item in row.items()} for row in rows]
