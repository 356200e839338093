"""Aggregates of the in-memory store: per-trace metrics and ``GET /metrics/daily``.

Costs are summed as decimals, as ClickHouse's ``Decimal64`` columns are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from spyglass_core.domain.tracing import Observation, Trace
from spyglass_tracing.domain.queries import (
    DailyMetric,
    DailyModelUsage,
    MetricsQuery,
    Page,
    TraceMetrics,
)
from spyglass_tracing.storage.memory_analytics.rows import decimal_sum, in_range, page

__all__ = ("daily_metrics", "trace_metrics")


def trace_metrics(
    trace_ids: Sequence[str], observations: Iterable[Observation]
) -> dict[str, TraceMetrics]:
    """Latency, total cost and observation ids of each trace (every id gets an entry),
    from the live ``observations``."""
    by_trace: dict[str, list[Observation]] = {trace_id: [] for trace_id in trace_ids}
    for obs in observations:
        if obs.trace_id in by_trace:
            by_trace[obs.trace_id].append(obs)
    return {trace_id: _trace_metrics(trace_id, obs) for trace_id, obs in by_trace.items()}


def _trace_metrics(trace_id: str, observations: list[Observation]) -> TraceMetrics:
    if not observations:
        return TraceMetrics(trace_id=trace_id, latency=0.0, total_cost=0.0)
    first = min(obs.start_time for obs in observations)
    last = max(obs.end_time or obs.start_time for obs in observations)
    return TraceMetrics(
        trace_id=trace_id,
        latency=(last - first).total_seconds(),
        total_cost=decimal_sum(obs.total_cost for obs in observations),
        observation_ids=[
            obs.id for obs in sorted(observations, key=lambda obs: (obs.start_time, obs.id))
        ],
    )


def _model_usage(model: str | None, observations: list[Observation]) -> DailyModelUsage:
    def usage(key: str) -> int:
        return sum(obs.usage_details.get(key, 0) for obs in observations)

    return DailyModelUsage(
        model=model,
        input_usage=usage("input"),
        output_usage=usage("output"),
        total_usage=usage("total"),
        count_observations=len(observations),
        count_traces=len({obs.trace_id for obs in observations}),
        total_cost=decimal_sum(obs.total_cost for obs in observations),
    )


def _daily_metric(day: str, traces: int, observations: list[Observation]) -> DailyMetric:
    by_model: dict[str | None, list[Observation]] = defaultdict(list)
    for obs in observations:
        by_model[obs.provided_model_name].append(obs)
    usage = [
        _model_usage(model, by_model[model])
        for model in sorted(by_model, key=lambda model: (model is None, model or ""))
    ]
    return DailyMetric(
        date=day,
        count_traces=traces,
        count_observations=len(observations),
        total_cost=decimal_sum(item.total_cost for item in usage),
        usage=usage,
    )


def daily_metrics(
    traces: Iterable[Trace], observations: Iterable[Observation], query: MetricsQuery
) -> Page[DailyMetric]:
    """Per-day counts, costs and usage by model of the live ``traces`` and ``observations``,
    newest day first, one offset page with the total."""
    tags = set(query.tags)
    day_of: dict[str, str] = {
        trace.id: trace.timestamp.date().isoformat()
        for trace in traces
        if (query.trace_name is None or trace.name == query.trace_name)
        and (query.user_id is None or trace.user_id == query.user_id)
        and tags <= set(trace.tags)
        and (not query.environments or trace.environment in query.environments)
        and in_range(trace.timestamp, query.from_timestamp, query.to_timestamp)
    }
    traces_per_day: dict[str, int] = defaultdict(int)
    for day in day_of.values():
        traces_per_day[day] += 1
    by_day: dict[str, list[Observation]] = defaultdict(list)
    for obs in observations:
        if obs.trace_id in day_of:
            by_day[day_of[obs.trace_id]].append(obs)
    days = page(sorted(traces_per_day, reverse=True), query.offset, query.limit)
    items = [_daily_metric(day, traces_per_day[day], by_day[day]) for day in days.items]
    return Page(items=items, total=days.total)
