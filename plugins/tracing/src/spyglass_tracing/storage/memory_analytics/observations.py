"""Observation lists of the in-memory store (``GET /observations``, ``/v2/observations``)."""

from __future__ import annotations

from collections.abc import Iterable

from spyglass_core.domain.tracing import Observation
from spyglass_tracing.domain.queries import ObservationQuery
from spyglass_tracing.storage.memory_analytics.filters import TraceOf, observation_filter
from spyglass_tracing.storage.memory_analytics.rows import in_range, is_after, newest_first

__all__ = ("matching_observations",)


def matching_observations(
    observations: Iterable[Observation], query: ObservationQuery, trace_of: TraceOf
) -> list[Observation]:
    """The live ``observations`` ``query`` keeps, newest ``start_time`` first (then id desc).

    ``trace_of`` finds an observation's live trace, for the conditions on it.
    """
    matches = observation_filter(query.filters, trace_of)

    def on_trace(obs: Observation) -> bool:
        if query.user_id is None and query.session_id is None:
            return True
        trace = trace_of(obs)
        return (
            trace is not None
            and (query.user_id is None or trace.user_id == query.user_id)
            and (query.session_id is None or trace.session_id == query.session_id)
        )

    found = [
        obs
        for obs in observations
        if (query.trace_id is None or obs.trace_id == query.trace_id)
        and (query.name is None or obs.name == query.name)
        and (query.type is None or obs.type.value == query.type)
        and (query.level is None or obs.level.value == query.level)
        and (
            query.parent_observation_id is None
            or obs.parent_observation_id == query.parent_observation_id
        )
        and (query.version is None or obs.version == query.version)
        and (not query.environments or obs.environment in query.environments)
        and in_range(obs.start_time, query.from_start_time, query.to_start_time)
        and (query.is_root is None or (obs.parent_observation_id is None) == query.is_root)
        and is_after(obs.start_time, obs.id, query.after)
        and on_trace(obs)
        and matches(obs)
    ]
    return newest_first(found, lambda obs: obs.start_time)
