"""Contract suite for the web UI's lists on AnalyticsStore: the traces table, its filter
options and the users pages, on the in-memory fake and ClickHouse (embedded chDB)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import (
    Observation,
    ObservationLevel,
    ObservationType,
    Score,
    ScoreDataType,
    Trace,
)
from spyglass_tracing.domain.ui_lists import (
    ScoreCondition,
    TraceListCursor,
    TraceListQuery,
    TraceRow,
    TraceRowScore,
    UserCursor,
    UserQuery,
    UserRow,
    decode_trace_cursor,
    decode_user_cursor,
    encode_cursor_struct,
)
from spyglass_tracing.ports.analytics import AnalyticsStore
from tests.contract.analytics_support import opened_store

P1, P2 = "project-1", "project-2"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = datetime(2200, 1, 1, tzinfo=UTC)
"""An ``event_ts`` after any write time: the version written with it wins."""


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture(params=["memory", "chdb"])
async def store(request: pytest.FixtureRequest, chdb_dsn: str) -> AsyncIterator[AnalyticsStore]:
    async with opened_store(request.param, chdb_dsn) as opened:
        yield opened


def trace(trace_id: str, seconds: float, project: str = P1, **fields: Any) -> Trace:
    return Trace(id=trace_id, project_id=project, timestamp=at(seconds), **fields)


def span(
    obs_id: str, trace_id: str, start: float, end: float | None = None, **fields: Any
) -> Observation:
    return Observation(
        id=obs_id,
        trace_id=trace_id,
        project_id=fields.pop("project_id", P1),
        type=fields.pop("type", ObservationType.SPAN),
        start_time=at(start),
        end_time=None if end is None else at(end),
        **fields,
    )


def score(score_id: str, trace_id: str | None, name: str, value: float, seconds: float = 0,
          **fields: Any) -> Score:  # fmt: skip
    return Score(id=score_id, project_id=P1, timestamp=at(seconds), name=name, value=value,
                 trace_id=trace_id, **fields)  # fmt: skip


async def ids(store: AnalyticsStore, **query: Any) -> list[str]:
    page = await store.find_trace_rows(P1, TraceListQuery(limit=200, **query))
    return [row.id for row in page.items]


async def walk(store: AnalyticsStore, query: TraceListQuery) -> list[TraceRow]:
    """Every page of ``query``, the cursor going through its wire form each time."""
    rows: list[TraceRow] = []
    after: TraceListCursor | None = None
    for _ in range(500):
        page = await store.find_trace_rows(P1, msgspec.structs.replace(query, after=after))
        assert len(page.items) <= query.limit
        rows.extend(page.items)
        if page.next_after is None:
            return rows
        assert len(page.items) == query.limit
        text = encode_cursor_struct(page.next_after)
        after = decode_trace_cursor(text, query.order_by, query.order_desc)
    raise AssertionError("the walk does not end")


# --- rows and their aggregates ------------------------------------------------------------


async def test_a_row_carries_its_trace_and_the_aggregates_of_its_observations(
    store: AnalyticsStore,
) -> None:
    await store.upsert_traces([
        trace("t1", 0, name="chat", user_id="u1", session_id="s1", tags=["a", "b"],
              environment="production", release="r1", version="v1",
              input='{"q": "' + "é" * 300 + '"}', output="short"),
        trace("t2", 10),
    ])  # fmt: skip
    await store.upsert_observations([
        span("o1", "t1", 0, 2.5, level=ObservationLevel.DEBUG, total_cost=0.1,
             usage_details={"input": 10, "output": 5, "total": 15}),
        span("o2", "t1", 1, None, level=ObservationLevel.WARNING,
             usage_details={"input": 3, "input_cached_tokens": 2, "output": 1}),
        span("o3", "t1", 1.5, 4.25, level=ObservationLevel.DEFAULT, total_cost=0.2,
             provided_model_name="gpt-4o"),
    ])  # fmt: skip
    await store.upsert_scores([
        score("sc1", "t1", "quality", 0.75, 1),
        score("sc2", "t1", "label", 0, 2, data_type=ScoreDataType.CATEGORICAL, string_value="good",
              observation_id="o3"),
        score("sc3", "t1", "ok", 1, 3, data_type=ScoreDataType.BOOLEAN, string_value="True"),
        score("sc4", None, "session-only", 1, 4, session_id="s1"),
    ])  # fmt: skip
    page = await store.find_trace_rows(P1, TraceListQuery())
    assert [row.id for row in page.items] == ["t2", "t1"]
    assert page.next_after is None
    empty, full = page.items
    assert empty == TraceRow(
        id="t2", timestamp=at(10), name=None, user_id=None, session_id=None, tags=[],
        environment="default", release=None, version=None, level=ObservationLevel.DEFAULT,
        latency=None, total_cost=None, input_tokens=0, output_tokens=0, total_tokens=0,
        observation_count=0, scores=[], input_preview=None, output_preview=None,
    )  # fmt: skip
    assert full.timestamp == at(0)
    assert (full.name, full.user_id, full.session_id, full.tags) == ("chat", "u1", "s1", ["a", "b"])
    assert (full.environment, full.release, full.version) == ("production", "r1", "v1")
    assert full.level is ObservationLevel.WARNING
    assert full.latency == pytest.approx(4.25)
    assert full.total_cost == pytest.approx(0.3)
    # input_cached_tokens counts as input; an observation without ``total`` sums its counts.
    assert (full.input_tokens, full.output_tokens, full.total_tokens) == (15, 6, 21)
    assert full.observation_count == 3
    assert full.scores == [
        TraceRowScore(name="ok", value=1.0, string_value="True", data_type=ScoreDataType.BOOLEAN),
        TraceRowScore(name="label", value=None, string_value="good",
                      data_type=ScoreDataType.CATEGORICAL),
        TraceRowScore(name="quality", value=0.75, string_value=None,
                      data_type=ScoreDataType.NUMERIC),
    ]  # fmt: skip
    assert full.input_preview == '{"q": "' + "é" * 193
    assert full.output_preview == "short"


async def test_the_worst_level_wins_and_a_row_keeps_its_twenty_newest_scores(
    store: AnalyticsStore,
) -> None:
    await store.upsert_traces([trace("t1", 0), trace("t2", 1), trace("t3", 2)])
    await store.upsert_observations([
        span("o1", "t1", 0, level=ObservationLevel.ERROR),
        span("o2", "t1", 0, level=ObservationLevel.WARNING),
        span("o3", "t2", 0, level=ObservationLevel.DEBUG),
        span("o4", "t3", 0, level=ObservationLevel.DEFAULT),
        span("o5", "t3", 0, level=ObservationLevel.DEBUG),
    ])  # fmt: skip
    await store.upsert_scores([score(f"s{i:02d}", "t1", f"n{i:02d}", i, i) for i in range(25)])
    rows = {row.id: row for row in (await store.find_trace_rows(P1, TraceListQuery())).items}
    assert rows["t1"].level is ObservationLevel.ERROR
    assert rows["t2"].level is ObservationLevel.DEBUG
    assert rows["t3"].level is ObservationLevel.DEFAULT
    assert [s.name for s in rows["t1"].scores] == [f"n{i:02d}" for i in range(24, 4, -1)]
    assert rows["t1"].latency == 0.0


# --- filters ------------------------------------------------------------------------------


async def seed_filtered(store: AnalyticsStore) -> AnalyticsStore:
    await store.upsert_traces([
        trace("t1", 0, name="Chat Answer", user_id="u1", session_id="s1", tags=["a", "b"],
              environment="production"),
        trace("t2", 10, name="chat", user_id="u2", session_id="s1", tags=["a"],
              environment="staging"),
        trace("t3", 20, name="rag", user_id="u1", session_id="s2", tags=["b", "c"]),
        trace("t4", 30, name=None, user_id=None, session_id=None),
        trace("t5", 40, name="other", user_id="needle", tags=["a", "b", "c"]),
        trace("x1", 5, project=P2, name="chat", user_id="u1"),
    ])  # fmt: skip
    await store.upsert_observations([
        span("o1", "t1", 0, level=ObservationLevel.ERROR, provided_model_name="gpt-4o"),
        span("o2", "t2", 10, level=ObservationLevel.WARNING, provided_model_name="claude"),
        span("o3", "t3", 20, provided_model_name="gpt-4o"),
        span("o4", "t5", 40, level=ObservationLevel.DEBUG),
        span("x1", "x1", 5, project_id=P2, level=ObservationLevel.ERROR),
    ])  # fmt: skip
    await store.upsert_scores([
        score("sc1", "t1", "quality", 0.9),
        score("sc2", "t2", "quality", 0.4, 10),
        score("sc3", "t3", "quality", 0.0, data_type=ScoreDataType.CATEGORICAL,
              string_value="bad"),
        score("sc4", "t3", "verdict", 0, 20, data_type=ScoreDataType.CATEGORICAL,
              string_value="good", observation_id="o3"),
        score("sc5", "t5", "verdict", 1, data_type=ScoreDataType.BOOLEAN, string_value="True"),
    ])  # fmt: skip
    return store


@pytest.fixture
async def filtered(store: AnalyticsStore) -> AnalyticsStore:
    """A few traces to filter, in a store a test may change."""
    return await seed_filtered(store)


@pytest.fixture(scope="module", params=["memory", "chdb"])
async def shared_filtered(
    request: pytest.FixtureRequest, chdb_dsn: str
) -> AsyncIterator[AnalyticsStore]:
    """The same traces, seeded once per module: for tests that only read."""
    async with opened_store(request.param, chdb_dsn) as opened:
        yield await seed_filtered(opened)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["t5", "t4", "t3", "t2", "t1"]),
        ({"names": ["chat", "rag"]}, ["t3", "t2"]),
        ({"user_ids": ["u1", "needle"]}, ["t5", "t3", "t1"]),
        ({"session_id": "s1"}, ["t2", "t1"]),
        ({"tags": ["a", "b"]}, ["t5", "t1"]),
        ({"tags": ["c"], "names": ["other"]}, ["t5"]),
        ({"environments": ["production", "staging"]}, ["t2", "t1"]),
        ({"environments": ["default"]}, ["t5", "t4", "t3"]),
        ({"levels": [ObservationLevel.ERROR, ObservationLevel.WARNING]}, ["t2", "t1"]),
        ({"levels": [ObservationLevel.DEFAULT]}, ["t3"]),
        ({"models": ["gpt-4o"]}, ["t3", "t1"]),
        ({"models": ["gpt-4o"], "levels": [ObservationLevel.ERROR]}, ["t1"]),
        ({"search": "CHAT"}, ["t2", "t1"]),
        ({"search": "answer"}, ["t1"]),
        ({"search": "t3"}, ["t3"]),
        ({"search": "s2"}, ["t3"]),
        ({"search": "needle"}, ["t5"]),
        ({"search": "u"}, []),  # ids match exactly, never as substrings
        ({"from_timestamp": at(10), "to_timestamp": at(30)}, ["t3", "t2"]),
        ({"score": ScoreCondition(name="quality")}, ["t3", "t2", "t1"]),
        ({"score": ScoreCondition(name="quality", minimum=0.4)}, ["t2", "t1"]),
        ({"score": ScoreCondition(name="quality", minimum=0.1, maximum=0.5)}, ["t2"]),
        ({"score": ScoreCondition(name="quality", maximum=0.5)}, ["t2"]),  # t3's is categorical
        ({"score": ScoreCondition(name="verdict", string_value="good")}, ["t3"]),
        ({"score": ScoreCondition(name="verdict", string_value="True")}, ["t5"]),
        ({"score": ScoreCondition(name="quality", string_value="bad")}, ["t3"]),
        ({"score": ScoreCondition(name="missing")}, []),
    ],
)
async def test_filters(
    filtered: AnalyticsStore, query: dict[str, Any], expected: list[str]
) -> None:
    assert await ids(filtered, **query) == expected


async def test_filters_read_the_newest_version_and_skip_deleted_traces(
    filtered: AnalyticsStore,
) -> None:
    renamed = trace("t2", 10, name="renamed", user_id="u9", session_id="s1", tags=["a"],
                    environment="staging", event_ts=LATER)  # fmt: skip
    await filtered.upsert_traces([renamed])
    await filtered.upsert_observations([span("o2", "t2", 10, level=ObservationLevel.DEFAULT,
                                             event_ts=LATER)])  # fmt: skip
    assert await ids(filtered, names=["chat"]) == []
    assert await ids(filtered, names=["renamed"]) == ["t2"]
    assert await ids(filtered, user_ids=["u2"]) == []
    assert await ids(filtered, levels=[ObservationLevel.WARNING]) == []
    await filtered.delete_traces(P1, ["t1"])
    assert await ids(filtered) == ["t5", "t4", "t3", "t2"]
    assert await ids(filtered, levels=[ObservationLevel.ERROR]) == []


# --- orders and keyset pages --------------------------------------------------------------

_NAMES = ["beta", None, "alpha", "gamma", "Alpha", None, "beta"]


def _seed_130() -> tuple[list[Trace], list[Observation], dict[str, dict[str, Any]]]:
    """130 traces, ten per timestamp; latency, cost and name with ties and NULLs."""
    traces, observations, values = [], [], {}
    for i in range(130):
        trace_id = f"t{i:03d}"
        traces.append(trace(trace_id, i // 10, name=_NAMES[i % 7]))
        latency: int | None = None
        cost: Decimal | None = None
        if i % 4:
            latency = (i % 5) * 500
            price = [None, 0.5, 1.25][i % 3]
            cost = None if price is None else Decimal(repr(price))
            observations.append(
                span(f"o{i:03d}", trace_id, i // 10, i // 10 + latency / 1000, total_cost=price)
            )
        values[trace_id] = {
            "timestamp": at(i // 10),
            "latency": latency,
            "totalCost": cost,
            "name": _NAMES[i % 7],
        }
    return traces, observations, values


def _expected(values: dict[str, dict[str, Any]], order_by: str, desc: bool) -> list[str]:
    valued = [i for i in values if values[i][order_by] is not None]
    null = [i for i in values if values[i][order_by] is None]
    valued.sort(key=lambda i: (values[i][order_by], i), reverse=desc)
    null.sort(reverse=desc)
    return valued + null


@pytest.fixture(scope="module", params=["memory", "chdb"])
async def seeded_130(
    request: pytest.FixtureRequest, chdb_dsn: str
) -> AsyncIterator[tuple[AnalyticsStore, dict[str, dict[str, Any]]]]:
    async with opened_store(request.param, chdb_dsn) as opened:
        traces, observations, values = _seed_130()
        await opened.upsert_traces(traces)
        await opened.upsert_observations(observations)
        yield opened, values


@pytest.mark.parametrize("order_by", ["timestamp", "latency", "totalCost", "name"])
@pytest.mark.parametrize("desc", [True, False])
async def test_a_keyset_walk_returns_every_row_once_in_order(
    seeded_130: tuple[AnalyticsStore, dict[str, dict[str, Any]]], order_by: str, desc: bool
) -> None:
    store, values = seeded_130
    rows = await walk(store, TraceListQuery(limit=7, order_by=order_by, order_desc=desc))
    assert [row.id for row in rows] == _expected(values, order_by, desc)


async def test_pages_stay_exact_when_updates_moved_traces_back_in_time(
    store: AnalyticsStore,
) -> None:
    # 300 traces were first written far in the future and then moved back: their outdated
    # versions come first in the table's order, so a scan of the newest versions must look
    # past them (and eventually sort everything) without skipping a row.
    moved = [trace(f"m{i:03d}", 100_000 + i, event_ts=at(0)) for i in range(300)]
    await store.upsert_traces(moved)
    await store.upsert_traces([trace(f"m{i:03d}", i, event_ts=at(1)) for i in range(300)])
    await store.upsert_traces([trace(f"n{i}", 1000 + i) for i in range(5)])
    first = await store.find_trace_rows(P1, TraceListQuery(limit=1))
    assert [row.id for row in first.items] == ["n4"]
    newest = await walk(store, TraceListQuery(limit=50))
    assert [row.id for row in newest] == [f"n{i}" for i in range(4, -1, -1)] + [
        f"m{i:03d}" for i in range(299, -1, -1)
    ]
    assert [row.timestamp for row in newest[5:7]] == [at(299), at(298)]
    oldest = await walk(store, TraceListQuery(limit=50, order_desc=False))
    assert [row.id for row in oldest] == [row.id for row in reversed(newest)]


async def test_a_page_with_a_filter_and_a_cursor_continues_after_it(
    filtered: AnalyticsStore,
) -> None:
    query = TraceListQuery(limit=1, tags=["a"])
    rows = await walk(filtered, query)
    assert [row.id for row in rows] == ["t5", "t2", "t1"]


@pytest.mark.parametrize(
    "text",
    [
        "not base64!!",
        "",
        encode_cursor_struct(UserCursor(last_seen=0, user_id="u")),
        encode_cursor_struct(TraceListCursor(order_by="name", desc=True, value="a", id="t1")),
        encode_cursor_struct(TraceListCursor(order_by="timestamp", desc=False, value=0, id="t1")),
        encode_cursor_struct(TraceListCursor(order_by="timestamp", desc=True, value="x", id="t")),
        encode_cursor_struct(TraceListCursor(order_by="timestamp", desc=True, value=2**62, id="t")),
    ],
)
def test_a_malformed_or_foreign_cursor_is_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput):
        decode_trace_cursor(text, "timestamp", True)


@pytest.mark.parametrize(
    ("order_by", "value"),
    [("totalCost", "1e5"), ("totalCost", "NaN"), ("totalCost", 3), ("latency", "1"),
     ("name", 5)],
)  # fmt: skip
def test_a_cursor_value_of_the_wrong_kind_is_invalid_input(order_by: str, value: Any) -> None:
    text = encode_cursor_struct(TraceListCursor(order_by=order_by, desc=True, value=value, id="t"))
    with pytest.raises(InvalidInput):
        decode_trace_cursor(text, order_by, True)
    with pytest.raises(InvalidInput):
        decode_user_cursor("e30")  # {}


async def test_an_unknown_order_or_an_empty_page_is_invalid_input(store: AnalyticsStore) -> None:
    with pytest.raises(InvalidInput):
        await store.find_trace_rows(P1, TraceListQuery(order_by="userId"))
    with pytest.raises(InvalidInput):
        TraceListQuery(limit=0)
    with pytest.raises(InvalidInput):
        UserQuery(limit=-1)


# --- filter options -----------------------------------------------------------------------


async def test_filter_options_are_the_most_frequent_values_first(
    filtered: AnalyticsStore,
) -> None:
    await filtered.upsert_scores([score("sc6", None, "session-only", 1, session_id="s1")])
    options = await filtered.trace_filter_options(P1, None, None)
    assert options.names == ["Chat Answer", "chat", "other", "rag"]
    assert options.user_ids == ["u1", "needle", "u2"]
    assert options.tags == ["a", "b", "c"]
    assert options.environments == ["default", "production", "staging"]
    assert options.models == ["gpt-4o", "claude"]
    assert options.score_names == ["quality", "verdict"]
    assert options.levels == [
        ObservationLevel.DEBUG, ObservationLevel.DEFAULT, ObservationLevel.ERROR,
        ObservationLevel.WARNING,
    ]  # fmt: skip
    windowed = await filtered.trace_filter_options(P1, at(10), at(30))
    assert windowed.names == ["chat", "rag"]
    assert windowed.user_ids == ["u1", "u2"]
    assert windowed.models == ["claude", "gpt-4o"]
    assert windowed.score_names == ["quality", "verdict"]
    empty = await filtered.trace_filter_options("nobody", None, None)
    assert empty.names == empty.levels == []


async def test_filter_options_hold_at_most_a_hundred_values(store: AnalyticsStore) -> None:
    await store.upsert_traces([trace(f"t{i}", i, name=f"name-{i:03d}") for i in range(120)])
    await store.upsert_traces([trace(f"x{i}", i, name="popular") for i in range(3)])
    options = await store.trace_filter_options(P1, None, None)
    assert len(options.names) == 100
    assert options.names[:3] == ["popular", "name-000", "name-001"]


# --- users --------------------------------------------------------------------------------


async def test_users_sum_their_traces_sessions_cost_and_tokens(store: AnalyticsStore) -> None:
    await store.upsert_traces([
        trace("t1", 0, user_id="u1", session_id="s1"),
        trace("t2", 10, user_id="u1", session_id="s1"),
        trace("t3", 20, user_id="u1", session_id="s2"),
        trace("t4", 30, user_id="u1"),
        trace("t5", 5, user_id="User-Two"),
        trace("t6", 50),
        trace("x1", 60, project=P2, user_id="u1"),
    ])  # fmt: skip
    await store.upsert_observations([
        span("o1", "t1", 0, total_cost=0.25, usage_details={"input": 1, "output": 2, "total": 3}),
        span("o2", "t3", 20, total_cost=0.5, usage_details={"input": 4}),
        span("o3", "t6", 50, total_cost=9.0),
    ])  # fmt: skip
    page = await store.find_users(P1, UserQuery())
    assert page.next_after is None
    assert page.items == [
        UserRow(user_id="u1", trace_count=4, session_count=2, total_cost=0.75, total_tokens=7,
                first_seen=at(0), last_seen=at(30)),
        UserRow(user_id="User-Two", trace_count=1, session_count=0, total_cost=0.0,
                total_tokens=0, first_seen=at(5), last_seen=at(5)),
    ]  # fmt: skip
    assert await store.get_user(P1, "u1") == page.items[0]
    assert await store.get_user(P1, "User-Two") == page.items[1]
    assert await store.get_user(P1, "nobody") is None
    assert await store.get_user(P2, "User-Two") is None
    searched = await store.find_users(P1, UserQuery(search="user-t"))
    assert [row.user_id for row in searched.items] == ["User-Two"]


async def test_a_users_walk_returns_everyone_once_last_seen_first(store: AnalyticsStore) -> None:
    # 25 users, ties on last seen (five share each second).
    await store.upsert_traces([trace(f"t{i}", i // 5, user_id=f"user-{i:02d}") for i in range(25)])
    seen: list[str] = []
    after: UserCursor | None = None
    for _ in range(20):
        page = await store.find_users(P1, UserQuery(limit=4, after=after))
        seen.extend(row.user_id for row in page.items)
        if page.next_after is None:
            break
        after = decode_user_cursor(encode_cursor_struct(page.next_after))
    assert seen == [f"user-{i:02d}" for i in range(24, -1, -1)]
