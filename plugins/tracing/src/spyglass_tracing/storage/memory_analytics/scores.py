"""Score lists of the in-memory store (v1, v2, v3): their conditions, value tests included."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import Score
from spyglass_tracing.domain.queries import ScoreQuery
from spyglass_tracing.storage.memory_analytics.filters import COMPARE, TraceOf, score_filter
from spyglass_tracing.storage.memory_analytics.rows import in_range, is_after, newest_first

__all__ = ("matching_scores",)


def matching_scores(scores: Iterable[Score], query: ScoreQuery, trace_of: TraceOf) -> list[Score]:
    """The live ``scores`` ``query`` keeps, newest ``timestamp`` first (then id desc).

    ``trace_of`` finds a score's live trace, for the conditions on it.
    """
    matches = score_filter(query.filters, trace_of)
    value_ok = _score_value_test(query)
    trace_tags = set(query.trace_tags)

    def on_trace(score: Score) -> bool:
        if query.user_id is None and not trace_tags:
            return True
        trace = trace_of(score) if score.trace_id is not None else None
        return (
            trace is not None
            and (query.user_id is None or trace.user_id == query.user_id)
            and trace_tags <= set(trace.tags)
        )

    def any_of(values: Sequence[str], value: str | None) -> bool:
        return not values or (value is not None and value in values)

    found = [
        score
        for score in scores
        if any_of(query.ids, score.id)
        and any_of(query.names, score.name)
        and any_of(query.sources, score.source.value)
        and any_of(query.data_types, score.data_type.value)
        and any_of(query.environments, score.environment)
        and any_of(query.config_ids, score.config_id)
        and any_of(query.queue_ids, score.queue_id)
        and any_of(query.author_user_ids, score.author_user_id)
        and any_of(query.string_values, score.string_value)
        and any_of(query.observation_ids, score.observation_id)
        and (query.trace_id is None or score.trace_id == query.trace_id)
        and (query.session_id is None or score.session_id == query.session_id)
        and (query.dataset_run_id is None or score.dataset_run_id == query.dataset_run_id)
        and in_range(score.timestamp, query.from_timestamp, query.to_timestamp)
        and is_after(score.timestamp, score.id, query.after)
        and value_ok(score.value)
        and on_trace(score)
        and matches(score)
    ]
    return newest_first(found, lambda score: score.timestamp)


def _score_value_test(query: ScoreQuery) -> Callable[[float], bool]:
    """``value_operator`` with ``value`` (only together), then ``value_min``/``value_max``."""
    if query.value_operator is not None and query.value_operator not in COMPARE:
        raise InvalidInput(
            "Invalid filter", details=f"unsupported operator '{query.value_operator}'"
        )
    compare = (
        COMPARE[query.value_operator]
        if query.value_operator is not None and query.value is not None
        else None
    )

    def test(value: float) -> bool:
        return (
            (compare is None or compare(value, query.value))
            and (query.value_min is None or value >= query.value_min)
            and (query.value_max is None or value <= query.value_max)
        )

    return test
