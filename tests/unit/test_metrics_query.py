"""The metrics query's validation, time buckets and result shaping (no store involved)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spyglass_core.domain.errors import InvalidInput
from spyglass_tracing.domain.metrics_query import (
    MAX_ROW_LIMIT,
    V2_DEFAULT_ROW_LIMIT,
    MetricsApi,
    OrderTerm,
    parse_metrics_query,
)
from spyglass_tracing.domain.metrics_results import (
    filled_rows,
    histogram,
    order_rows,
    percentile,
    wire_rows,
)
from spyglass_tracing.domain.metrics_time import (
    Granularity,
    auto_granularity,
    bucket_count,
    bucket_label,
    buckets,
)
from spyglass_tracing.domain.metrics_views import VIEWS, Aggregation

START = datetime(2024, 1, 30, 22, 15, tzinfo=UTC)


def parse(api: MetricsApi = MetricsApi.V1, **fields: Any) -> Any:
    body = {
        "view": "traces",
        "metrics": [{"measure": "count", "aggregation": "count"}],
        "fromTimestamp": START.isoformat(),
        "toTimestamp": (START + timedelta(days=3)).isoformat(),
        **fields,
    }
    return parse_metrics_query(json.dumps(body), api)


def refused(message: str, api: MetricsApi = MetricsApi.V1, **fields: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse(api, **fields)
    assert message in f"{caught.value.message} {caught.value.details}"
    return caught.value


# --- validation ---------------------------------------------------------------------------


def test_a_full_query_is_resolved() -> None:
    query = parse(
        dimensions=[{"field": "name"}, {"field": "tags"}],
        metrics=[
            {"measure": "latency", "aggregation": "p95"},
            {"measure": "totalCost", "aggregation": "histogram"},
        ],
        filters=[{"column": "traceName", "type": "string", "operator": "=", "value": "chat"}],
        timeDimension={"granularity": "auto"},
        config={"bins": 5, "row_limit": 7},
    )
    assert [metric.key for metric in query.metrics] == ["p95_latency", "histogram_totalCost"]
    assert query.metrics[0].aggregation is Aggregation.P95
    assert query.granularity is Granularity.DAY  # 3 days: Langfuse's auto picks days
    assert query.filters[0].column == "name"  # the *Name fallback
    assert (query.bins, query.row_limit, query.fill_gaps) == (5, 7, True)
    assert query.order_by == (
        OrderTerm(key="time_dimension"),
        OrderTerm(key="name"),
        OrderTerm(key="tags"),
    )


def test_default_orders_and_row_limits() -> None:
    by_metric = parse(dimensions=[{"field": "name"}])
    assert by_metric.order_by == (
        OrderTerm(key="count_count", descending=True),
        OrderTerm(key="name"),
    )
    assert by_metric.row_limit == MAX_ROW_LIMIT
    assert parse(MetricsApi.V2).row_limit == V2_DEFAULT_ROW_LIMIT
    explicit = parse(
        timeDimension={"granularity": "hour"},
        orderBy=[{"field": "count_count", "direction": "desc"}],
    )
    assert not explicit.fill_gaps  # Langfuse fills only without an orderBy
    assert explicit.order_by[1] == OrderTerm(key="time_dimension")


def test_observation_time_filter_columns_are_canonical() -> None:
    query = parse(
        view="observations",
        filters=[
            {
                "column": "startTime",
                "type": "datetime",
                "operator": ">",
                "value": "2024-01-31T00:00:00Z",
            },
            {
                "column": "metadata",
                "type": "stringObject",
                "operator": "=",
                "key": "k",
                "value": "v",
            },
        ],
    )
    assert [condition.column for condition in query.filters] == ["start_time", "metadata"]
    assert query.filters[0].value == datetime(2024, 1, 31, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"view": "users"}, "Invalid view users. Must be one of traces, observations"),
        ({"dimensions": [{"field": "name); DROP TABLE traces; --"}]}, "Invalid dimension name);"),
        ({"dimensions": [{"field": "name"}, {"field": "name"}]}, "Duplicate dimension name"),
        ({"metrics": []}, "at least one metric is required"),
        ({"metrics": [{"measure": "value", "aggregation": "sum"}]}, "Invalid metric value"),
        ({"metrics": [{"measure": "count", "aggregation": "mode"}]}, "Invalid aggregation mode"),
        ({"metrics": [{"measure": "uniqueUserIds", "aggregation": "avg"}]}, "Valid aggregations"),
        ({"metrics": [{"measure": "count", "aggregation": "count"}] * 2}, "Duplicate metric"),
        (
            {"filters": [{"column": "1=1", "type": "string", "operator": "=", "value": "x"}]},
            "Invalid filter column 1=1",
        ),
        (
            {"filters": [{"column": "name", "type": "number", "operator": "=", "value": 1}]},
            "cannot be filtered as 'number'",
        ),
        (
            {"filters": [{"column": "name", "type": "string", "operator": "~", "value": "x"}]},
            "operator '~' is not valid",
        ),
        (
            {
                "filters": [
                    {"column": "metadata", "type": "stringObject", "operator": "=", "value": "x"}
                ]
            },
            "need a 'key'",
        ),
        ({"timeDimension": {"granularity": "fortnight"}}, "Invalid timeDimension.granularity"),
        ({"orderBy": [{"field": "name", "direction": "asc"}]}, "Invalid orderBy field: name"),
        ({"orderBy": [{"field": "count_count", "direction": "up"}]}, "Invalid orderBy direction"),
        (
            {
                "metrics": [{"measure": "count", "aggregation": "histogram"}],
                "orderBy": [{"field": "histogram_count"}],
            },
            "Invalid orderBy field",
        ),
        ({"config": {"row_limit": 0}}, "config.row_limit must be between 1 and 1000"),
        ({"config": {"bins": 101}}, "config.bins must be between 1 and 100"),
        ({"toTimestamp": START.isoformat()}, "fromTimestamp must be before toTimestamp"),
        ({"fromTimestamp": "yesterday"}, "Invalid request data"),
        ({"dimensions": [{"field": "tags"}]} | {"view": "nope"}, "Invalid view"),
    ],
)
def test_bad_queries_name_the_field(fields: dict[str, Any], message: str) -> None:
    refused(message, **fields)


def test_the_bucket_count_is_bounded() -> None:
    year = (START + timedelta(days=365)).isoformat()
    refused("gives 525601 buckets", timeDimension={"granularity": "minute"}, toTimestamp=year)
    refused("at most 1000 are allowed", timeDimension={"granularity": "hour"}, toTimestamp=year)
    assert parse(timeDimension={"granularity": "day"}, toTimestamp=year).granularity is (
        Granularity.DAY
    )


def test_malformed_json_is_refused() -> None:
    for text in ("", "{", "[]", '{"view": "traces"}', "[" * 500 + "]" * 500):
        with pytest.raises(InvalidInput):
            parse_metrics_query(text)


def test_v2_high_cardinality_dimensions() -> None:
    top_n = {
        "view": "observations",
        "dimensions": [{"field": "userId"}],
        "orderBy": [{"field": "count_count", "direction": "desc"}],
        "config": {"row_limit": 10},
    }
    assert parse(MetricsApi.V2, **top_n).row_limit == 10
    assert parse(MetricsApi.V1, view="observations", dimensions=[{"field": "userId"}])
    no_limit = {key: value for key, value in top_n.items() if key != "config"}
    refused("require both 'config.row_limit'", MetricsApi.V2, **no_limit)
    refused(
        "cannot be used with timeDimension",
        MetricsApi.V2,
        **top_n,
        timeDimension={"granularity": "day"},
    )


def test_every_view_declares_count_and_only_known_aggregations() -> None:
    for view in VIEWS.values():
        assert "count" in view.measures
        for dimension in view.dimensions.values():
            assert dimension.sources


# --- time buckets -------------------------------------------------------------------------


def test_buckets_per_granularity() -> None:
    end = datetime(2024, 3, 2, 1, 0, tzinfo=UTC)
    weeks = list(buckets(START, end, Granularity.WEEK))
    assert weeks[0] == datetime(2024, 1, 29, tzinfo=UTC)  # the Monday before
    assert all(week.weekday() == 0 for week in weeks) and len(weeks) == 5
    months = list(buckets(START, end, Granularity.MONTH))
    assert months == [datetime(2024, m, 1, tzinfo=UTC) for m in (1, 2, 3)]
    for granularity in Granularity:
        assert bucket_count(START, end, granularity) == len(list(buckets(START, end, granularity)))
    december = list(buckets(datetime(2023, 12, 5), datetime(2024, 1, 5), Granularity.MONTH))
    assert december == [datetime(2023, 12, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)]


def test_bucket_labels_and_auto() -> None:
    assert bucket_label(START, Granularity.HOUR) == "2024-01-30T22:15:00.000Z"
    assert bucket_label(START, Granularity.WEEK) == "2024-01-30"
    assert auto_granularity(START, START + timedelta(minutes=90)) is Granularity.MINUTE
    assert auto_granularity(START, START + timedelta(days=30)) is Granularity.DAY
    assert auto_granularity(START, START + timedelta(days=200)) is Granularity.WEEK
    assert auto_granularity(START, START + timedelta(days=800)) is Granularity.MONTH


# --- results ------------------------------------------------------------------------------


def test_percentile_interpolates_and_histogram_bins() -> None:
    assert percentile([10, 1, 3, 2, 4], 0.95) == pytest.approx(8.8)
    assert percentile([], 0.5) is None
    assert histogram([1.0, 2.0, 2.5, 4.0], 3) == [[1.0, 2.0, 1.0], [2.0, 3.0, 2.0], [3.0, 4.0, 1.0]]
    assert histogram([5.0, 5.0], 10) == [[5.0, 5.0, 2.0]]
    assert histogram([], 10) == []


def test_order_rows_puts_nulls_last_both_ways() -> None:
    rows = [{"k": 2}, {"k": None}, {"k": 3}, {"k": 1}]
    assert [r["k"] for r in order_rows(rows, [OrderTerm(key="k")])] == [1, 2, 3, None]
    descending = order_rows(rows, [OrderTerm(key="k", descending=True)])
    assert [r["k"] for r in descending] == [3, 2, 1, None]


def test_fill_adds_the_missing_buckets_with_zero_counts() -> None:
    query = parse(
        metrics=[
            {"measure": "count", "aggregation": "count"},
            {"measure": "latency", "aggregation": "avg"},
            {"measure": "totalCost", "aggregation": "histogram"},
        ],
        timeDimension={"granularity": "day"},
    )
    day = datetime(2024, 2, 1, tzinfo=UTC)
    stored = [
        {"time_dimension": day, "count_count": 2.0, "avg_latency": 5, "histogram_totalCost": []}
    ]
    assert wire_rows(query, stored) == [
        {
            "time_dimension": "2024-01-30",
            "count_count": 0,
            "avg_latency": None,
            "histogram_totalCost": [],
        },
        {
            "time_dimension": "2024-01-31",
            "count_count": 0,
            "avg_latency": None,
            "histogram_totalCost": [],
        },
        {
            "time_dimension": "2024-02-01",
            "count_count": 2,
            "avg_latency": 5.0,
            "histogram_totalCost": [],
        },
        {
            "time_dimension": "2024-02-02",
            "count_count": 0,
            "avg_latency": None,
            "histogram_totalCost": [],
        },
    ]
    limited = parse(timeDimension={"granularity": "day"}, config={"row_limit": 2})
    assert len(filled_rows(limited, [])) == 2
