"""Per-trace and daily metrics follow every observation write, in any order (both stores).

ClickHouse keeps what a trace's observations add up to on the trace row
(``storage/clickhouse/queries/summaries.py``); these check that the summary is exact
after observations arrive later than their trace, change, or are deleted, and that the
trace itself reads back unchanged.
"""

from __future__ import annotations

from datetime import timedelta

import msgspec

from spyglass_core.domain.tracing import Observation, ObservationType
from spyglass_tracing.domain.queries import DailyMetric, DailyModelUsage, MetricsQuery, TraceMetrics
from spyglass_tracing.ports.analytics import AnalyticsStore
from tests.contract.analytics_support import (
    P1,
    P2,
    T0,
    S,
    analytics_store,
    observation,
    trace,
)

__all__ = ("analytics_store",)  # the fixture, used by name


def generation(id: str, model: str | None, usage: dict[str, int], cost: float | None,
               **changes: object) -> Observation:  # fmt: skip
    return observation(id, trace_id="m1", type=ObservationType.GENERATION,
                       provided_model_name=model, usage_details=usage, total_cost=cost,
                       **changes)  # fmt: skip


async def test_observations_after_their_trace_update_its_metrics(
    analytics_store: AnalyticsStore,
) -> None:
    store = analytics_store
    await store.upsert_traces([trace("m1")])
    await store.upsert_observations(
        [generation("o1", "gpt-4o", {"input": 1, "output": 2, "total": 3}, 0.5, end_time=T0 + S)]
    )
    assert await store.trace_metrics(P1, ["m1"]) == {
        "m1": TraceMetrics(trace_id="m1", latency=1.0, total_cost=0.5, observation_ids=["o1"])
    }
    later = T0 + timedelta(minutes=1)
    await store.upsert_observations(
        [
            generation("o1", "gpt-4o", {"input": 10, "output": 20, "total": 30}, 2.0,
                       end_time=T0 + 4 * S, event_ts=later),
            generation("o2", "claude", {"input": 5, "total": 5}, 0.25, start_time=T0 + S),
            generation("o3", None, {}, 9.0, start_time=T0 + 9 * S),
            observation("elsewhere", trace_id="m1", project_id=P2, total_cost=1.0),
        ]
    )  # fmt: skip
    await store.upsert_observations(
        [observation("o3", trace_id="m1", is_deleted=True, event_ts=later)]
    )

    assert await store.trace_metrics(P1, ["m1"]) == {
        "m1": TraceMetrics(
            trace_id="m1", latency=4.0, total_cost=2.25, observation_ids=["o1", "o2"]
        )
    }
    page = await store.daily_metrics(P1, MetricsQuery())
    assert list(page.items) == [
        DailyMetric(
            date="2024-03-31",
            count_traces=1,
            count_observations=2,
            total_cost=2.25,
            usage=[
                DailyModelUsage(model="claude", input_usage=5, output_usage=0, total_usage=5,
                                count_observations=1, count_traces=1, total_cost=0.25),
                DailyModelUsage(model="gpt-4o", input_usage=10, output_usage=20,
                                total_usage=30, count_observations=1, count_traces=1,
                                total_cost=2.0),
            ],
        )
    ]  # fmt: skip
    # The trace reads back as written; only its version may have moved on.
    stored = await store.get_trace(P1, "m1")
    assert stored is not None and stored.event_ts is not None and stored.event_ts >= T0
    assert msgspec.structs.replace(stored, event_ts=None) == msgspec.structs.replace(
        trace("m1"), event_ts=None
    )


async def test_a_trace_written_after_its_observations_counts_them(
    analytics_store: AnalyticsStore,
) -> None:
    store = analytics_store
    await store.upsert_observations(
        [generation("o1", "gpt-4o", {"input": 3, "total": 3}, 0.5),
         generation("o2", "gpt-4o", {"input": 4, "total": 4}, None, start_time=T0 + 2 * S)]
    )  # fmt: skip
    await store.upsert_traces([trace("m1"), trace("bare", timestamp=T0 - timedelta(days=1))])

    assert await store.trace_metrics(P1, ["m1", "bare"]) == {
        "m1": TraceMetrics(trace_id="m1", latency=2.0, total_cost=0.5,
                           observation_ids=["o1", "o2"]),
        "bare": TraceMetrics(trace_id="bare", latency=0.0, total_cost=0.0),
    }  # fmt: skip
    page = await store.daily_metrics(P1, MetricsQuery())
    assert [(d.date, d.count_traces, d.count_observations, d.total_cost) for d in page.items] == [
        ("2024-03-31", 1, 2, 0.5),
        ("2024-03-30", 1, 0, 0.0),
    ]
    assert page.items[0].usage == [
        DailyModelUsage(model="gpt-4o", input_usage=7, output_usage=0, total_usage=7,
                        count_observations=2, count_traces=1, total_cost=0.5)
    ]  # fmt: skip


async def test_one_write_of_a_merge_sums_its_own_observations(
    analytics_store: AnalyticsStore,
) -> None:
    """``write`` stores the observations before the traces that sum them."""
    store = analytics_store
    await store.write(
        traces=[trace("m1"), trace("m2", project_id=P2)],
        observations=[
            generation("o1", "gpt-4o", {"total": 3}, 0.5, end_time=T0 + 3 * S),
            observation("o2", trace_id="m2", project_id=P2, total_cost=1.0),
        ],
    )
    assert await store.trace_metrics(P1, ["m1"]) == {
        "m1": TraceMetrics(trace_id="m1", latency=3.0, total_cost=0.5, observation_ids=["o1"])
    }
    assert await store.trace_metrics(P2, ["m2"]) == {
        "m2": TraceMetrics(trace_id="m2", latency=0.0, total_cost=1.0, observation_ids=["o2"])
    }
    assert await store.get_trace(P1, "m1") == trace("m1")
