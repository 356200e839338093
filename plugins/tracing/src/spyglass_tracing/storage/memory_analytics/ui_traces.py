"""The traces table of the in-memory store: rows, their aggregates, order and keyset.

It computes what the ClickHouse store computes, over every live row (these stores hold
test data): the aggregates of each trace's live observations, its newest scores, the
order with NULLs last in both directions, and "strictly after the cursor".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import Observation, ObservationLevel, Score, ScoreDataType, Trace
from spyglass_tracing.domain.ui_lists import (
    MAX_FILTER_OPTIONS,
    MAX_ROW_SCORES,
    PREVIEW_CHARS,
    TRACE_LIST_ORDERS,
    ScoreCondition,
    TraceFilterOptions,
    TraceListCursor,
    TraceListPage,
    TraceListQuery,
    TraceRow,
    TraceRowScore,
    cost_text,
    millis,
    score_value_shown,
    worst_level,
)
from spyglass_tracing.storage.memory_analytics.rows import in_range

__all__ = ("ObservationTotals", "filter_options", "observation_totals", "trace_rows", "usage_of")


def usage_of(obs: Observation) -> tuple[int, int, int]:
    """(input, output, total) tokens of one observation: ``input``/``input_*`` keys,
    ``output``/``output_*`` keys, and ``total`` (the sum of all keys when absent)."""
    usage = obs.usage_details

    def side(prefix: str) -> int:
        return sum(v for k, v in usage.items() if k == prefix or k.startswith(f"{prefix}_"))

    total = usage["total"] if "total" in usage else sum(usage.values())
    return side("input"), side("output"), total


@dataclass
class ObservationTotals:
    """Aggregates of one trace's live observations."""

    count: int = 0
    first_start: datetime | None = None
    last_end: datetime | None = None
    cost: Decimal | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    levels: list[ObservationLevel] = field(default_factory=list)
    models: set[str] = field(default_factory=set)

    def add(self, obs: Observation) -> None:
        """Count ``obs`` in."""
        self.count += 1
        end = obs.end_time or obs.start_time
        self.first_start = min(self.first_start or obs.start_time, obs.start_time)
        self.last_end = max(self.last_end or end, end)
        if obs.total_cost is not None:
            self.cost = (self.cost or Decimal()) + Decimal(repr(obs.total_cost))
        inputs, outputs, total = usage_of(obs)
        self.input_tokens += inputs
        self.output_tokens += outputs
        self.total_tokens += total
        self.levels.append(obs.level)
        if obs.provided_model_name is not None:
            self.models.add(obs.provided_model_name)

    @property
    def latency_ms(self) -> int | None:
        """Milliseconds from the first start to the last end, None without observations."""
        if self.first_start is None or self.last_end is None:
            return None
        return millis(self.last_end) - millis(self.first_start)


def observation_totals(observations: Iterable[Observation]) -> dict[str, ObservationTotals]:
    """Aggregates of the live ``observations``, by trace id."""
    totals: dict[str, ObservationTotals] = defaultdict(ObservationTotals)
    for obs in observations:
        totals[obs.trace_id].add(obs)
    return totals


def _score_matches(score: Score, condition: ScoreCondition) -> bool:
    if score.name != condition.name:
        return False
    if condition.minimum is not None or condition.maximum is not None:
        if score.data_type is not ScoreDataType.NUMERIC:
            return False
        if condition.minimum is not None and score.value < condition.minimum:
            return False
        if condition.maximum is not None and score.value > condition.maximum:
            return False
    if condition.string_value is not None:
        if score.data_type not in (ScoreDataType.CATEGORICAL, ScoreDataType.BOOLEAN):
            return False
        return score.string_value == condition.string_value
    return True


def _searched(trace: Trace, search: str) -> bool:
    needle = search.lower()
    return (
        (trace.name is not None and needle in trace.name.lower())
        or search in (trace.id, trace.session_id, trace.user_id)
    )  # fmt: skip


def _trace_matches(trace: Trace, query: TraceListQuery) -> bool:
    return (
        in_range(trace.timestamp, query.from_timestamp, query.to_timestamp)
        and (not query.names or trace.name in query.names)
        and (not query.user_ids or trace.user_id in query.user_ids)
        and (query.session_id is None or trace.session_id == query.session_id)
        and set(query.tags) <= set(trace.tags)
        and (not query.environments or trace.environment in query.environments)
        and (not query.search or _searched(trace, query.search))
    )


def _sort_value(order_by: str, trace: Trace, totals: ObservationTotals) -> Any:
    if order_by == "timestamp":
        return millis(trace.timestamp)
    if order_by == "latency":
        return totals.latency_ms
    if order_by == "totalCost":
        return totals.cost
    return trace.name


def _cursor_value(order_by: str, value: Any) -> int | str | None:
    if order_by == "totalCost" and value is not None:
        return cost_text(value)
    return value  # type: ignore[no-any-return]


def _after(value: Any, row_id: str, cursor: TraceListCursor, desc: bool) -> bool:
    """Strictly after ``cursor`` in (value, id) order, one direction, NULLs last."""
    last: Any = cursor.value
    if cursor.order_by == "totalCost" and last is not None:
        last = Decimal(str(last))
    if last is None:
        return value is None and (row_id < cursor.id if desc else row_id > cursor.id)
    if value is None:
        return True
    if value == last:
        return row_id < cursor.id if desc else row_id > cursor.id
    return bool(value < last) if desc else bool(value > last)


def _ordered(keyed: list[tuple[Any, Trace]], desc: bool) -> list[tuple[Any, Trace]]:
    valued = [item for item in keyed if item[0] is not None]
    null = [item for item in keyed if item[0] is None]
    valued.sort(key=lambda item: (item[0], item[1].id), reverse=desc)
    null.sort(key=lambda item: item[1].id, reverse=desc)
    return valued + null


def _row(trace: Trace, totals: ObservationTotals, scores: Sequence[Score]) -> TraceRow:
    newest = sorted(scores, key=lambda s: (s.timestamp, s.id), reverse=True)[:MAX_ROW_SCORES]
    latency = totals.latency_ms
    return TraceRow(
        id=trace.id,
        timestamp=trace.timestamp,
        name=trace.name,
        user_id=trace.user_id,
        session_id=trace.session_id,
        tags=list(trace.tags),
        environment=trace.environment,
        release=trace.release,
        version=trace.version,
        level=worst_level(totals.levels),
        latency=None if latency is None else latency / 1000,
        total_cost=None if totals.cost is None else float(totals.cost),
        input_tokens=totals.input_tokens,
        output_tokens=totals.output_tokens,
        total_tokens=totals.total_tokens,
        observation_count=totals.count,
        scores=[
            TraceRowScore(
                name=s.name,
                value=score_value_shown(s.data_type, s.value),
                string_value=s.string_value,
                data_type=s.data_type,
            )
            for s in newest
        ],
        input_preview=None if trace.input is None else trace.input[:PREVIEW_CHARS],
        output_preview=None if trace.output is None else trace.output[:PREVIEW_CHARS],
    )


def trace_rows(
    traces: Iterable[Trace],
    observations: Iterable[Observation],
    scores: Iterable[Score],
    query: TraceListQuery,
) -> TraceListPage:
    """One page of the traces table over the live rows of one project."""
    if query.order_by not in TRACE_LIST_ORDERS:
        raise InvalidInput("Invalid orderBy", details=f"cannot order by '{query.order_by}'")
    totals = observation_totals(observations)
    scores_by_trace: dict[str, list[Score]] = defaultdict(list)
    for score in scores:
        if score.trace_id is not None:
            scores_by_trace[score.trace_id].append(score)
    levels, models, condition = set(query.levels), set(query.models), query.score
    empty = ObservationTotals()

    def keep(trace: Trace) -> bool:
        found = totals.get(trace.id, empty)
        return (
            _trace_matches(trace, query)
            and (not levels or bool(levels & set(found.levels)))
            and (not models or bool(models & found.models))
            and (
                condition is None
                or any(_score_matches(s, condition) for s in scores_by_trace[trace.id])
            )
        )

    keyed = [
        (_sort_value(query.order_by, trace, totals.get(trace.id, empty)), trace)
        for trace in traces
        if keep(trace)
    ]
    if query.after is not None:
        after = query.after
        keyed = [item for item in keyed if _after(item[0], item[1].id, after, query.order_desc)]
    page = _ordered(keyed, query.order_desc)[: query.limit + 1]
    more = len(page) > query.limit
    page = page[: query.limit]
    items = [_row(t, totals.get(t.id, empty), scores_by_trace[t.id]) for _, t in page]
    next_after = None
    if more and page:
        value, last = page[-1]
        next_after = TraceListCursor(
            order_by=query.order_by,
            desc=query.order_desc,
            value=_cursor_value(query.order_by, value),
            id=last.id,
        )
    return TraceListPage(items=items, next_after=next_after)


def _most_frequent(values: Iterable[str]) -> list[str]:
    counts = Counter(values)
    ranked = sorted(counts, key=lambda value: (-counts[value], value))
    return ranked[:MAX_FILTER_OPTIONS]


def filter_options(
    traces: Iterable[Trace],
    observations: Iterable[Observation],
    scores: Iterable[Score],
    start: datetime | None,
    end: datetime | None,
) -> TraceFilterOptions:
    """Distinct filter values of the live rows in ``[start, end)``, most frequent first."""
    in_time = [t for t in traces if in_range(t.timestamp, start, end)]
    observed = [o for o in observations if in_range(o.start_time, start, end)]
    level_names = _most_frequent(o.level.value for o in observed)
    return TraceFilterOptions(
        names=_most_frequent(t.name for t in in_time if t.name is not None),
        user_ids=_most_frequent(t.user_id for t in in_time if t.user_id is not None),
        tags=_most_frequent(tag for t in in_time for tag in set(t.tags)),
        environments=_most_frequent(t.environment for t in in_time),
        models=_most_frequent(
            o.provided_model_name for o in observed if o.provided_model_name is not None
        ),
        score_names=_most_frequent(
            s.name for s in scores if s.trace_id is not None and in_range(s.timestamp, start, end)
        ),
        levels=[ObservationLevel(name) for name in level_names],
    )
