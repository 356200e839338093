"""What the project dashboard shows, in one typed answer (``GET …/dashboard``).

Costs are in USD, latencies in milliseconds; a total or bucket without any cost is 0.
Traces are counted in the window by their timestamp, observations (and so costs and
tokens) by their start time, scores by their timestamp.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

__all__ = (
    "Dashboard",
    "DashboardBucket",
    "DashboardTotals",
    "ModelCost",
    "ScoreAverage",
    "TraceNameCount",
    "UserCost",
)


class DashboardTotals(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Counts and sums over the whole window."""

    traces: int
    observations: int
    total_cost: float
    total_tokens: int


class DashboardBucket(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One time bucket (``start`` in UTC); latencies are of the bucket's traces."""

    start: datetime
    traces: int
    observations: int
    total_cost: float
    total_tokens: int
    # Milliseconds, like every latency of the metrics query (Langfuse's unit there).
    latency_p50: float | None
    latency_p95: float | None
    latency_p99: float | None


class TraceNameCount(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """How many traces carry a name (None: traces without one)."""

    name: str | None
    traces: int


class ModelCost(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Cost and usage of the observations of one model."""

    model: str
    observations: int
    total_cost: float
    total_tokens: int


class UserCost(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Traces of one user and the cost of their observations."""

    user_id: str
    traces: int
    total_cost: float


class ScoreAverage(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The average of one numeric (or boolean) score in one bucket that has some."""

    start: datetime
    name: str
    average: float | None
    count: int


class Dashboard(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The dashboard of one project over ``from_timestamp``..``to_timestamp``.

    ``granularity`` is the bucket width used (``auto`` resolved); ``series`` holds every
    bucket of the window, empty ones included; the top lists hold at most 20 entries,
    largest first.
    """

    from_timestamp: datetime
    to_timestamp: datetime
    granularity: str
    totals: DashboardTotals
    series: list[DashboardBucket]
    top_trace_names: list[TraceNameCount]
    cost_by_model: list[ModelCost]
    users: list[UserCost]
    scores: list[ScoreAverage]
