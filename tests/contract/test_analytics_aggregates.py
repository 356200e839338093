"""Contract suite for AnalyticsStore's aggregates: sessions, trace metrics, daily metrics."""

from __future__ import annotations

from datetime import timedelta

import pytest

from spyglass_core.domain.tracing import (
    Observation,
    ObservationType,
)
from spyglass_tracing.domain.queries import (
    DailyMetric,
    DailyModelUsage,
    MetricsQuery,
    Session,
    SessionQuery,
    TraceMetrics,
    TraceQuery,
)
from spyglass_tracing.ports.analytics import AnalyticsStore
from tests.contract.analytics_support import (
    P1,
    P2,
    T0,
    H,
    S,
    analytics_store,
    observation,
    score,
    trace,
)

__all__ = ("analytics_store",)  # the fixture, used by name


async def test_sessions(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces(
        [
            trace("t1", session_id="s1", environment="prod"),
            trace("t2", session_id="s1", timestamp=T0 - H, environment="dev"),
            trace("t3", session_id="s2", timestamp=T0 + H, environment="prod"),
            trace("t4"),
            trace("t5", session_id="s3", timestamp=T0 + H, environment="prod"),
            trace("t6", session_id="s4", timestamp=T0 + 2 * H),
            trace("t7", session_id="s6", timestamp=T0 + 3 * H),
            trace("t9", session_id="s9", project_id=P2),
        ]
    )
    await analytics_store.delete_traces(P1, ["t6"])
    # t7 leaves its session: s6 is gone, s5 appears.
    await analytics_store.upsert_traces(
        [trace("t7", session_id="s5", timestamp=T0 + 3 * H, event_ts=T0 + S)]
    )

    async def sessions(**query: object) -> tuple[list[str], int | None]:
        page = await analytics_store.find_sessions(P1, SessionQuery(**query))  # type: ignore[arg-type]
        return [s.id for s in page.items], page.total

    assert await sessions() == (["s5", "s2", "s3", "s1"], 4)
    assert await sessions(from_timestamp=T0) == (["s5", "s2", "s3"], 3)
    assert await sessions(from_timestamp=T0 - H, to_timestamp=T0 + H) == (["s1"], 1)
    assert await sessions(environments=["dev"]) == (["s1"], 1)
    assert await sessions(environments=["prod"]) == (["s2", "s3"], 2)
    assert await sessions(limit=2, offset=1) == (["s2", "s3"], 4)
    assert await sessions(limit=2, offset=4) == ([], 4)

    s1 = Session(id="s1", project_id=P1, created_at=T0 - H, environment="dev")
    page = await analytics_store.find_sessions(P1, SessionQuery(environments=["dev"]))
    assert list(page.items) == [s1]
    assert await analytics_store.get_session(P1, "s1") == s1
    assert await analytics_store.get_session(P1, "s4") is None
    assert await analytics_store.get_session(P1, "s6") is None
    assert await analytics_store.get_session(P1, "s9") is None
    assert await analytics_store.get_session(P2, "s9") == Session(
        id="s9", project_id=P2, created_at=T0, environment="default"
    )
    got = await analytics_store.session_traces(P1, "s1")
    assert got == [trace("t2", session_id="s1", timestamp=T0 - H, environment="dev"),
                   trace("t1", session_id="s1", environment="prod")]  # fmt: skip
    assert [t.id for t in await analytics_store.session_traces(P1, "s5")] == ["t7"]
    assert await analytics_store.session_traces(P1, "s6") == []
    assert await analytics_store.session_traces(P1, "nope") == []


async def test_trace_metrics(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_observations(
        [
            observation("o2", trace_id="m1", start_time=T0 + S,
                        end_time=T0 + timedelta(seconds=5.5), total_cost=0.2),
            observation("o1", trace_id="m1", end_time=T0 + 2 * S, total_cost=0.1),
            observation("o3", trace_id="m1", start_time=T0 + 6 * S),
            observation("o4", trace_id="m2"),
            observation("gone", trace_id="m2", start_time=T0 - H, total_cost=9.0),
            observation("o9", trace_id="m1", project_id=P2, start_time=T0 - H, total_cost=9.0),
        ]
    )  # fmt: skip
    await analytics_store.upsert_observations(
        [observation("gone", trace_id="m2", is_deleted=True, event_ts=T0 + S)]
    )
    metrics = await analytics_store.trace_metrics(P1, ["m1", "m2", "m3"])
    assert metrics == {
        # Latency runs to the last end, or start when an observation has no end.
        "m1": TraceMetrics(
            trace_id="m1", latency=6.0, total_cost=0.3, observation_ids=["o1", "o2", "o3"]
        ),
        "m2": TraceMetrics(trace_id="m2", latency=0.0, total_cost=0.0, observation_ids=["o4"]),
        "m3": TraceMetrics(trace_id="m3", latency=0.0, total_cost=0.0, observation_ids=[]),
    }
    assert await analytics_store.trace_metrics(P1, []) == {}


async def test_scores_of_traces(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_scores(
        [
            score("b", trace_id="t1", timestamp=T0 + S),
            score("c", trace_id="t1"),
            score("a", trace_id="t1", timestamp=T0 + S),
            score("d", trace_id="t2"),
            score("loose"),
            score("gone", trace_id="t2"),
            score("x", trace_id="t1", project_id=P2),
        ]
    )
    await analytics_store.delete_scores(P1, ["gone"])
    got = await analytics_store.scores_of_traces(P1, ["t1", "t2", "t3"])
    assert {key: [s.id for s in value] for key, value in got.items()} == {
        "t1": ["c", "a", "b"],
        "t2": ["d"],
        "t3": [],
    }
    assert got["t2"] == [score("d", trace_id="t2")]
    assert await analytics_store.scores_of_traces(P1, []) == {}
    # The ids alone, in the same order (what a page of traces shows).
    ids = await analytics_store.score_ids_of_traces(P1, ["t1", "t2", "t3"])
    assert ids == {"t1": ["c", "a", "b"], "t2": ["d"], "t3": []}
    assert await analytics_store.score_ids_of_traces(P1, []) == {}


async def test_a_page_of_traces_with_their_metrics(analytics_store: AnalyticsStore) -> None:
    """The page and its metrics answer as ``find_traces`` and ``trace_metrics`` do, for
    the newest-first scan and for another order (deduplicating every candidate)."""
    await analytics_store.upsert_traces(
        [trace(f"m{i}", timestamp=T0 + i * S, name=f"n{i % 2}") for i in range(6)]
    )
    await analytics_store.upsert_observations(
        [
            observation("o1", trace_id="m1", end_time=T0 + 3 * S, total_cost=0.1),
            observation("o2", trace_id="m1", start_time=T0 + S, total_cost=0.2),
            observation("o3", trace_id="m4"),
        ]
    )
    for query in (
        TraceQuery(limit=4),
        TraceQuery(limit=2, offset=1, name="n1"),
        TraceQuery(limit=3, order_by="name", order_desc=False),
    ):
        page, metrics = await analytics_store.find_traces_with_metrics(P1, query)
        assert page == await analytics_store.find_traces(P1, query)
        ids = [item.id for item in page.items]
        assert metrics == await analytics_store.trace_metrics(P1, ids)
    page, metrics = await analytics_store.find_traces_with_metrics(P1, TraceQuery(limit=5))
    assert metrics["m1"] == TraceMetrics(
        trace_id="m1", latency=3.0, total_cost=pytest.approx(0.3), observation_ids=["o1", "o2"]
    )
    assert metrics["m5"].observation_ids == [] and metrics["m5"].latency == 0.0


async def _daily_data(store: AnalyticsStore) -> None:
    # T0 is 22:30 UTC on 31 March: two hours later is 1 April.
    await store.upsert_traces(
        [
            trace("d1", name="chat", user_id="u1", tags=["a", "b"], environment="prod"),
            trace("d2", timestamp=T0 + H, name="chat", user_id="u2", tags=["a"],
                  environment="dev"),
            trace("d3", timestamp=T0 + 2 * H, name="other", user_id="u1", tags=["b"],
                  environment="prod"),
            trace("d4"),
            trace("p2", project_id=P2),
        ]
    )  # fmt: skip

    def generation(
        id: str, trace_id: str, model: str | None, usage: dict[str, int], cost: float | None
    ) -> Observation:
        return observation(
            id,
            trace_id=trace_id,
            type=ObservationType.GENERATION,
            provided_model_name=model,
            usage_details=usage,
            total_cost=cost,
        )

    await store.upsert_observations(
        [
            generation("g1", "d1", "gpt-4o", {"input": 10, "output": 20, "total": 30}, 0.1),
            generation("g2", "d1", "claude", {"input": 1, "output": 2, "total": 3}, 0.2),
            generation("g3", "d1", None, {}, None),
            generation("g4", "d2", "gpt-4o", {"input": 5, "output": 5, "total": 10}, 0.05),
            generation("g5", "d3", "gpt-4o", {"input": 100, "total": 100}, 1.0),
            generation("g6", "d4", "gpt-4o", {"input": 7}, 7.0),
            generation("g7", "p2", "gpt-4o", {"input": 7}, 7.0),
        ]
    )
    await store.delete_traces(P1, ["d4"])


async def test_daily_metrics(analytics_store: AnalyticsStore) -> None:
    await _daily_data(analytics_store)
    april = DailyMetric(
        date="2024-04-01",
        count_traces=1,
        count_observations=1,
        total_cost=1.0,
        usage=[DailyModelUsage(model="gpt-4o", input_usage=100, output_usage=0, total_usage=100,
                               count_observations=1, count_traces=1, total_cost=1.0)],
    )  # fmt: skip
    march = DailyMetric(
        date="2024-03-31",
        count_traces=2,
        count_observations=4,
        total_cost=0.35,
        usage=[
            DailyModelUsage(model="claude", input_usage=1, output_usage=2, total_usage=3,
                            count_observations=1, count_traces=1, total_cost=0.2),
            DailyModelUsage(model="gpt-4o", input_usage=15, output_usage=25, total_usage=40,
                            count_observations=2, count_traces=2, total_cost=0.15),
            DailyModelUsage(model=None, input_usage=0, output_usage=0, total_usage=0,
                            count_observations=1, count_traces=1, total_cost=0.0),
        ],
    )  # fmt: skip
    page = await analytics_store.daily_metrics(P1, MetricsQuery())
    assert list(page.items) == [april, march]
    assert page.total == 2

    async def days(**query: object) -> list[tuple[str, int, int]]:
        page = await analytics_store.daily_metrics(P1, MetricsQuery(**query))  # type: ignore[arg-type]
        return [(d.date, d.count_traces, d.count_observations) for d in page.items]

    assert await days(trace_name="chat") == [("2024-03-31", 2, 4)]
    assert await days(user_id="u1") == [("2024-04-01", 1, 1), ("2024-03-31", 1, 3)]
    assert await days(tags=["a", "b"]) == [("2024-03-31", 1, 3)]
    assert await days(environments=["dev"]) == [("2024-03-31", 1, 1)]
    assert await days(from_timestamp=T0 + H) == [("2024-04-01", 1, 1), ("2024-03-31", 1, 1)]
    assert await days(to_timestamp=T0 + 2 * H) == [("2024-03-31", 2, 4)]
    assert await days(trace_name="nope") == []
    second = await analytics_store.daily_metrics(P1, MetricsQuery(limit=1, offset=1))
    assert list(second.items) == [march] and second.total == 2
    empty = await analytics_store.daily_metrics(P1, MetricsQuery(offset=5))
    assert list(empty.items) == [] and empty.total == 2
