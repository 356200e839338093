"""Contract suite for AnalyticsStore's trace lists: rows by id, filters, orders and pages."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import (
    ObservationLevel,
    ObservationType,
    Trace,
)
from spyglass_tracing.domain.filter_columns import (
    OBSERVATION_FILTER_COLUMNS,
    OBSERVATION_FILTERS,
    SCORE_FILTER_COLUMNS,
    SCORE_FILTERS,
    TRACE_FILTER_COLUMNS,
    TRACE_FILTERS,
    FilterColumn,
)
from spyglass_tracing.domain.queries import (
    FilterCondition,
    ObservationQuery,
    ScoreQuery,
    TraceQuery,
)
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.storage.memory_analytics import MemoryAnalyticsStore
from tests.contract.analytics_support import (
    P1,
    P2,
    PLUS2,
    T0,
    H,
    S,
    analytics_store,
    cond,
    found_observations,
    found_scores,
    found_traces,
    full_trace,
    observation,
    opened_chdb_store,
    score,
    trace,
)

__all__ = ("analytics_store",)  # the fixture, used by name


async def test_get_many_by_ids(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces(
        [trace("t1", name="old"), trace("t2"), trace("t3"), trace("t1", project_id=P2)]
    )
    await analytics_store.upsert_traces([trace("t1", name="new", event_ts=T0 + S)])
    await analytics_store.delete_traces(P1, ["t3"])
    await analytics_store.upsert_observations(
        [observation("o1"), observation("o2"), observation("o1", project_id=P2)]
    )
    await analytics_store.upsert_observations([observation("o2", is_deleted=True, event_ts=T0 + S)])
    await analytics_store.upsert_scores([score("s1"), score("s2"), score("s9", project_id=P2)])
    await analytics_store.delete_scores(P1, ["s2"])

    traces = await analytics_store.get_traces(P1, ["t1", "t2", "t3", "nope", "t1"])
    assert sorted((t.id, t.name) for t in traces) == [("t1", "new"), ("t2", None)]
    assert [o.id for o in await analytics_store.get_observations(P1, ["o1", "o2", "x"])] == ["o1"]
    assert [s.id for s in await analytics_store.get_scores(P1, ["s1", "s2", "s9"])] == ["s1"]
    assert await analytics_store.get_traces(P1, []) == []
    assert await analytics_store.get_observations(P1, []) == []
    assert await analytics_store.get_scores(P1, []) == []


async def test_get_many_takes_a_thousand_ids(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces([trace(f"t{i}") for i in range(0, 1000, 2)])
    got = await analytics_store.get_traces(P1, [f"t{i}" for i in range(1000)])
    assert sorted(t.id for t in got) == sorted(f"t{i}" for i in range(0, 1000, 2))


async def _traces_to_filter(store: AnalyticsStore) -> None:
    await store.upsert_traces(
        [
            trace(
                "t1", name="chat-bot", user_id="u1", session_id="s1", environment="prod",
                tags=["a", "b"], version="1", release="r1", metadata={"k": "val", "n": "5"},
                bookmarked=True,
            ),
            trace(
                "t2", timestamp=T0 + H, name="search", user_id="u2", environment="dev",
                tags=["b"], metadata={"k": "other", "n": "12"}, public=True,
            ),
            trace(
                "t3", timestamp=T0 + 2 * H, session_id="s2", environment="prod",
                metadata={"n": "x"},
            ),
            trace("t1", project_id=P2, name="chat-bot"),
        ]
    )  # fmt: skip


async def test_find_traces_by_simple_parameters(analytics_store: AnalyticsStore) -> None:
    await _traces_to_filter(analytics_store)
    cases: list[tuple[dict[str, object], list[str]]] = [
        ({}, ["t1", "t2", "t3"]),
        ({"user_id": "u1"}, ["t1"]),
        ({"name": "search"}, ["t2"]),
        ({"session_id": "s2"}, ["t3"]),
        ({"version": "1"}, ["t1"]),
        ({"release": "r1"}, ["t1"]),
        ({"environments": ["prod"]}, ["t1", "t3"]),
        ({"environments": ["prod", "dev"]}, ["t1", "t2", "t3"]),
        ({"tags": ["b"]}, ["t1", "t2"]),
        ({"tags": ["a", "b"]}, ["t1"]),
        ({"tags": ["a", "z"]}, []),
        ({"from_timestamp": T0 + H}, ["t2", "t3"]),
        ({"to_timestamp": T0 + H}, ["t1"]),
        ({"from_timestamp": T0 + H, "to_timestamp": T0 + 2 * H}, ["t2"]),
        ({"from_timestamp": T0 + H - timedelta(microseconds=1)}, ["t2", "t3"]),
        ({"to_timestamp": (T0 + H).astimezone(PLUS2)}, ["t1"]),
        ({"user_id": "u1", "environments": ["dev"]}, []),
    ]
    for query, expected in cases:
        assert await found_traces(analytics_store, **query) == expected, query


async def test_trace_filter_conditions(analytics_store: AnalyticsStore) -> None:
    await _traces_to_filter(analytics_store)
    cases: list[tuple[list[FilterCondition], list[str]]] = [
        ([cond("name", "string", "=", "chat-bot")], ["t1"]),
        ([cond("name", "string", "contains", "a")], ["t1", "t2"]),
        ([cond("name", "string", "does not contain", "bot")], ["t2"]),  # NULL never matches
        ([cond("name", "string", "starts with", "se")], ["t2"]),
        ([cond("name", "string", "ends with", "bot")], ["t1"]),
        ([cond("name", "stringOptions", "any of", ["search", "x"])], ["t2"]),
        ([cond("name", "stringOptions", "none of", ["search"])], ["t1"]),
        ([cond("name", "null", "is null")], ["t3"]),
        ([cond("id", "stringOptions", "any of", ["t1", "t3"])], ["t1", "t3"]),
        ([cond("id", "string", "=", "t2")], ["t2"]),
        ([cond("tags", "arrayOptions", "any of", ["a", "z"])], ["t1"]),
        ([cond("tags", "arrayOptions", "none of", ["a"])], ["t2", "t3"]),
        ([cond("tags", "arrayOptions", "all of", ["a", "b"])], ["t1"]),
        ([cond("tags", "arrayOptions", "all of", ["b"])], ["t1", "t2"]),
        ([cond("timestamp", "datetime", ">", T0)], ["t2", "t3"]),
        ([cond("timestamp", "datetime", ">=", T0)], ["t1", "t2", "t3"]),
        ([cond("timestamp", "datetime", "<", T0 + H)], ["t1"]),
        ([cond("timestamp", "datetime", "<=", T0 + H)], ["t1", "t2"]),
        ([cond("timestamp", "datetime", "=", (T0 + H).astimezone(PLUS2))], ["t2"]),
        ([cond("metadata", "stringObject", "=", "val", key="k")], ["t1"]),
        ([cond("metadata", "stringObject", "contains", "th", key="k")], ["t2"]),
        ([cond("metadata", "stringObject", "does not contain", "val", key="k")], ["t2", "t3"]),
        ([cond("metadata", "stringObject", "starts with", "v", key="k")], ["t1"]),
        ([cond("metadata", "stringObject", "ends with", "er", key="k")], ["t2"]),
        ([cond("metadata", "numberObject", ">", 6, key="n")], ["t2"]),
        ([cond("metadata", "numberObject", "<=", 5, key="n")], ["t1"]),
        ([cond("metadata", "numberObject", "!=", 5, key="n")], ["t2"]),  # "x" is no number
        ([cond("metadata", "numberObject", "=", 12, key="n")], ["t2"]),
        ([cond("metadata", "numberObject", ">=", 5, key="n")], ["t1", "t2"]),
        ([cond("metadata", "numberObject", "<", 100, key="n")], ["t1", "t2"]),
        ([cond("bookmarked", "boolean", "=", True)], ["t1"]),
        ([cond("bookmarked", "boolean", "<>", True)], ["t2", "t3"]),
        ([cond("public", "boolean", "=", True)], ["t2"]),
        ([cond("userId", "null", "is null")], ["t3"]),
        ([cond("userId", "null", "is not null")], ["t1", "t2"]),
        ([cond("userId", "string", "=", "u2")], ["t2"]),
        ([cond("sessionId", "null", "is null")], ["t2"]),
        ([cond("sessionId", "stringOptions", "any of", ["s1", "s2"])], ["t1", "t3"]),
        ([cond("environment", "stringOptions", "any of", ["prod"])], ["t1", "t3"]),
        ([cond("environment", "string", "=", "dev")], ["t2"]),
        ([cond("version", "string", "=", "1")], ["t1"]),
        ([cond("release", "null", "is not null")], ["t1"]),
        (
            [cond("name", "string", "contains", "a"), cond("environment", "string", "=", "prod")],
            ["t1"],
        ),
    ]
    for filters, expected in cases:
        assert await found_traces(analytics_store, filters=filters) == expected, filters


async def test_invalid_filters_are_rejected(analytics_store: AnalyticsStore) -> None:
    bad = [
        cond("nope", "string", "=", "x"),
        cond("name", "number", "=", 1.0),
        cond("name", "string", ">", "x"),
        cond("metadata", "stringObject", "=", "x"),  # no key
    ]
    for condition in bad:
        with pytest.raises(InvalidInput):
            await analytics_store.find_traces(P1, TraceQuery(filters=[condition]))
    with pytest.raises(InvalidInput):
        await analytics_store.find_observations(
            P1, ObservationQuery(filters=[cond("tags", "arrayOptions", "any of", ["a"])])
        )
    with pytest.raises(InvalidInput):
        await analytics_store.find_scores(
            P1, ScoreQuery(filters=[cond("userId", "string", "=", "u")])
        )
    with pytest.raises(InvalidInput):
        await analytics_store.find_traces(P1, TraceQuery(order_by="input"))
    with pytest.raises(InvalidInput):
        await analytics_store.find_scores(P1, ScoreQuery(value_operator="~", value=1.0))


def _valid_value(type: str) -> object:
    return {
        "string": "x",
        "stringOptions": ["x"],
        "arrayOptions": ["x"],
        "number": 1.0,
        "datetime": T0,
        "stringObject": "x",
        "numberObject": 1.0,
        "boolean": True,
    }.get(type)


async def test_every_allowed_filter_column_and_type_runs(analytics_store: AnalyticsStore) -> None:
    from spyglass_tracing.domain.filter_columns import FILTER_OPERATORS

    tables = [
        (TRACE_FILTER_COLUMNS, analytics_store.find_traces, TraceQuery),
        (OBSERVATION_FILTER_COLUMNS, analytics_store.find_observations, ObservationQuery),
        (SCORE_FILTER_COLUMNS, analytics_store.find_scores, ScoreQuery),
    ]
    for columns, find, query_type in tables:
        conditions = [
            cond(column, type, operator, _valid_value(type), key="k")
            for column, types in columns.items()
            for type in sorted(types)
            for operator in sorted(FILTER_OPERATORS[type])
        ]
        for condition in conditions:
            page = await find(P1, query_type(filters=[condition]))  # type: ignore[operator]
            assert page.items == [], condition


_SAMPLES: dict[str, tuple[str, object]] = {
    "stringOptions": ("any of", None),
    "arrayOptions": ("any of", ["a"]),
    "number": (">=", 0.5),
    "datetime": (">=", None),
    "stringObject": ("=", "value"),
    "numberObject": (">", 1.0),
    "boolean": ("=", True),
    "null": ("is null", None),
}


def _conditions(columns: Mapping[str, FilterColumn], rich: object, rich_trace: Trace) -> list[Any]:
    """One condition per declared column and type, with a value the rich row holds."""
    found = []
    for column, declared in sorted(columns.items()):
        held = getattr(rich_trace if declared.on_trace else rich, declared.field)
        held = held.value if isinstance(held, enum.Enum) else held
        for kind in sorted(declared.types):
            operator, value = _SAMPLES.get(kind, ("=", None))
            key = {"stringObject": "key", "numberObject": "n"}.get(kind)
            if value is None and kind == "stringOptions":
                value = [held]
            elif value is None and kind != "null":
                value = held
            found.append(cond(column, kind, operator, value, key))
    return found


async def test_every_declared_filter_runs_alike_on_memory_and_clickhouse(
    chdb_dsn: str,
) -> None:
    # Both stores derive their filters from one declaration; this checks that each
    # declared field exists in both and that they agree on which rows match.
    rich_trace = full_trace(metadata={"key": "value", "n": "2"})
    traces = [rich_trace, trace("t2")]
    rich_observation = observation(
        "o1",
        name="llm",
        type=ObservationType.GENERATION,
        level=ObservationLevel.WARNING,
        end_time=T0 + S,
        version="3",
        parent_observation_id="o0",
        provided_model_name="gpt-4o",
        prompt_name="greeting",
        metadata={"key": "value", "n": "2"},
        cost_details={"total": 1.25},
        total_cost=1.25,
    )
    observations = [rich_observation, observation("o2", trace_id="t2")]
    rich_score = score(
        "s1",
        trace_id="t1",
        observation_id="o1",
        session_id="session-1",
        string_value="good",
        config_id="cfg",
        metadata={"key": "value", "n": "2"},
        value=0.75,
    )
    scores = [rich_score, score("s2", value=0.25)]

    memory = MemoryAnalyticsStore()
    async with opened_chdb_store(chdb_dsn) as clickhouse:
        for store in (memory, clickhouse):
            await store.upsert_traces(traces)
            await store.upsert_observations(observations)
            await store.upsert_scores(scores)
        checks = [
            *(("trace", c) for c in _conditions(TRACE_FILTERS, rich_trace, rich_trace)),
            *(
                ("observation", c)
                for c in _conditions(OBSERVATION_FILTERS, rich_observation, rich_trace)
            ),
            *(("score", c) for c in _conditions(SCORE_FILTERS, rich_score, rich_trace)),
        ]
        matched = 0
        for entity, condition in checks:
            results = []
            for store in (memory, clickhouse):
                if entity == "trace":
                    page: Any = await store.find_traces(P1, TraceQuery(filters=[condition]))
                elif entity == "observation":
                    page = await store.find_observations(P1, ObservationQuery(filters=[condition]))
                else:
                    page = await store.find_scores(P1, ScoreQuery(filters=[condition]))
                results.append(sorted(item.id for item in page.items))
            assert results[0] == results[1], (entity, condition)
            matched += bool(results[0])
        assert matched >= len(checks) // 2  # the samples do select rows


async def test_find_traces_order_and_tie_break(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces(
        [
            trace("a", timestamp=T0 + S, name="x", session_id="s2", release="r1", version="2",
                  environment="prod"),
            trace("b", name="y", user_id="u1", session_id="s1", version="1", environment="dev"),
            trace("c", timestamp=T0 + S, user_id="u2", release="r2", environment="prod"),
            trace("d", timestamp=T0 - S, name="x", user_id="u1", environment="dev"),
        ]
    )  # fmt: skip

    async def order(order_by: str, desc: bool) -> list[str]:
        query = TraceQuery(order_by=order_by, order_desc=desc)
        return [t.id for t in (await analytics_store.find_traces(P1, query)).items]

    assert await order("timestamp", True) == ["c", "a", "b", "d"]
    assert await order("timestamp", False) == ["d", "b", "a", "c"]
    # NULLs last in both directions; ties broken by id in the same direction.
    assert await order("name", True) == ["b", "d", "a", "c"]
    assert await order("name", False) == ["a", "d", "b", "c"]
    assert await order("userId", False) == ["b", "d", "c", "a"]
    assert await order("userId", True) == ["c", "d", "b", "a"]
    assert await order("sessionId", False) == ["b", "a", "c", "d"]
    assert await order("release", True) == ["c", "a", "d", "b"]
    assert await order("version", False) == ["b", "a", "c", "d"]
    assert await order("environment", False) == ["b", "d", "a", "c"]
    assert await order("id", True) == ["d", "c", "b", "a"]
    default = await analytics_store.find_traces(P1, TraceQuery())
    assert [t.id for t in default.items] == ["c", "a", "b", "d"]


async def test_find_traces_offset_pages(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces([trace(f"t{i}", timestamp=T0 + i * S) for i in range(7)])
    await analytics_store.upsert_traces([trace("other", project_id=P2)])
    pages = [
        await analytics_store.find_traces(P1, TraceQuery(limit=3, offset=offset))
        for offset in (0, 3, 6, 9)
    ]
    assert [page.total for page in pages] == [7, 7, 7, 7]
    assert [[t.id for t in page.items] for page in pages] == [
        ["t6", "t5", "t4"],
        ["t3", "t2", "t1"],
        ["t0"],
        [],
    ]
    assert pages[0].items[0] == trace("t6", timestamp=T0 + 6 * S)
    with pytest.raises(InvalidInput):
        await analytics_store.find_traces(P1, TraceQuery(offset=-1))


async def test_finds_read_only_the_newest_version(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces([trace("t1", name="A", user_id="u1"), trace("t2")])
    await analytics_store.upsert_traces(
        [
            trace("t1", name="B", user_id="u9", event_ts=T0 + S),
            # Moved ten days later: the old time range no longer finds it.
            trace("t2", timestamp=T0 + timedelta(days=10), event_ts=T0 + S),
        ]
    )
    assert await found_traces(analytics_store, name="A") == []
    assert await found_traces(analytics_store, name="B") == ["t1"]
    assert await found_traces(analytics_store, user_id="u1") == []
    assert await found_traces(analytics_store, filters=[cond("name", "string", "=", "A")]) == []
    assert await found_traces(analytics_store, from_timestamp=T0 - H, to_timestamp=T0 + H) == ["t1"]
    assert await found_traces(analytics_store, from_timestamp=T0 + timedelta(days=9)) == ["t2"]

    await analytics_store.upsert_observations(
        [observation("o1", name="A"), observation("o2", trace_id="t2")]
    )
    await analytics_store.upsert_observations(
        [
            observation("o1", name="B", start_time=T0 + timedelta(days=3), event_ts=T0 + S),
            observation("o2", trace_id="t2", event_ts=T0 + S),
        ]
    )
    assert await found_observations(analytics_store, name="A") == []
    assert await found_observations(analytics_store, to_start_time=T0 + H) == ["o2"]
    assert await found_observations(analytics_store, trace_id="t1") == ["o1"]
    assert await found_observations(analytics_store, trace_id="t2") == ["o2"]
    # The trace's user changed from u1 to u9.
    assert await found_observations(analytics_store, user_id="u1") == []
    assert await found_observations(analytics_store, user_id="u9") == ["o1"]

    # A score's trace, once set, never changes (the store's contract); the rest may.
    await analytics_store.upsert_scores([score("s1", name="A", trace_id="t1")])
    await analytics_store.upsert_scores([score("s1", name="B", trace_id="t1", event_ts=T0 + S)])
    assert await found_scores(analytics_store, names=["A"]) == []
    assert await found_scores(analytics_store, trace_id="t1") == ["s1"]
    assert await found_scores(analytics_store, trace_id="t2") == []


async def test_the_total_of_a_list_without_conditions_follows_every_write(
    analytics_store: AnalyticsStore,
) -> None:
    """ClickHouse counts the whole project from its daily rollup: the total must follow
    new traces, moved ones, tombstones, deletes and the epoch's day (1970-01-01, which
    the rollup's marks reserve)."""
    store = analytics_store

    async def total() -> int | None:
        page = await store.find_traces(P1, TraceQuery(limit=1))
        assert page.total == len((await store.find_traces(P1, TraceQuery(limit=100))).items)
        return page.total

    epoch = datetime(1970, 1, 1, 12, tzinfo=UTC)
    first = [trace("t1"), trace("t2", timestamp=T0 - timedelta(days=2)),
             trace("t3", timestamp=epoch), trace("t9", project_id=P2)]  # fmt: skip
    await store.upsert_traces(first)
    assert await total() == 3
    await store.upsert_traces([trace("t2", timestamp=T0 + timedelta(days=1), event_ts=T0 + S)])
    assert await total() == 3
    await store.upsert_traces([trace("t4", timestamp=T0 - timedelta(days=9))])
    assert await total() == 4
    await store.upsert_traces([trace("t4", is_deleted=True, event_ts=T0 + S)])
    assert await total() == 3
    await store.delete_traces(P1, ["t1", "t3"])
    assert await total() == 1


async def test_finds_skip_deleted_rows_and_other_projects(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces(
        [trace("t1"), trace("t2"), trace("t3"), trace("t9", project_id=P2)]
    )
    await analytics_store.upsert_traces([trace("t2", is_deleted=True, event_ts=T0 + S)])
    await analytics_store.upsert_observations(
        [observation("o1"), observation("o3", trace_id="t3"), observation("o9", project_id=P2)]
    )
    await analytics_store.delete_traces(P1, ["t3"])
    await analytics_store.upsert_observations([observation("o1", is_deleted=True, event_ts=T0 + S)])
    await analytics_store.upsert_scores([score("s1"), score("s2"), score("s9", project_id=P2)])
    await analytics_store.delete_scores(P1, ["s2"])

    assert await found_traces(analytics_store) == ["t1"]
    assert await found_observations(analytics_store) == []
    assert await found_scores(analytics_store) == ["s1"]
    page = await analytics_store.find_traces(P2, TraceQuery())
    assert [t.id for t in page.items] == ["t9"] and page.total == 1
