"""In-memory analytics store: the newest version of each row, in dicts.

It behaves like the ClickHouse adapter where tests can tell: datetimes come back as
UTC with millisecond precision (``DateTime64(3)``), a missing ``event_ts`` is set to the
write time, and a delete removes every version so a later write may recreate the row.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

import msgspec

from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_core.ports.analytics import AnalyticsStore

__all__ = ("MemoryAnalyticsStore",)

_Row = TypeVar("_Row", Trace, Observation, Score)
_Key = tuple[str, str]


def _normalize_datetime(value: datetime) -> datetime:
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _stored(row: _Row, now: datetime) -> _Row:
    """A private copy of ``row`` as the database would keep it."""
    changes = {
        field: _normalize_datetime(value)
        for field in row.__struct_fields__
        if isinstance(value := getattr(row, field), datetime)
    }
    if row.event_ts is None:
        changes["event_ts"] = _normalize_datetime(now)
    return msgspec.structs.replace(copy.deepcopy(row), **changes)


def _keep_newest(table: dict[_Key, _Row], rows: Sequence[_Row]) -> None:
    now = datetime.now(UTC)
    for row in rows:
        new = _stored(row, now)
        key = (new.project_id, new.id)
        old = table.get(key)
        # Equal event_ts: the contract lets any version win; here the later write does.
        if old is None or _event_ts(new) >= _event_ts(old):
            table[key] = new


def _event_ts(row: Trace | Observation | Score) -> datetime:
    assert row.event_ts is not None  # set by _stored
    return row.event_ts


def _live(row: _Row | None) -> _Row | None:
    return None if row is None or row.is_deleted else copy.deepcopy(row)


class MemoryAnalyticsStore(AnalyticsStore):
    """Traces, observations and scores keyed by (project_id, id); for tests."""

    def __init__(self) -> None:
        self._traces: dict[_Key, Trace] = {}
        self._observations: dict[_Key, Observation] = {}
        self._scores: dict[_Key, Score] = {}

    async def upsert_traces(self, traces: Sequence[Trace]) -> None:
        """Keep each trace unless a newer version is already stored."""
        _keep_newest(self._traces, traces)

    async def upsert_observations(self, observations: Sequence[Observation]) -> None:
        """Keep each observation unless a newer version is already stored."""
        _keep_newest(self._observations, observations)

    async def upsert_scores(self, scores: Sequence[Score]) -> None:
        """Keep each score unless a newer version is already stored."""
        _keep_newest(self._scores, scores)

    async def get_trace(self, project_id: str, trace_id: str) -> Trace | None:
        """The newest version of a trace, or None when absent or deleted."""
        return _live(self._traces.get((project_id, trace_id)))

    async def get_observation(self, project_id: str, observation_id: str) -> Observation | None:
        """The newest version of an observation, or None when absent or deleted."""
        return _live(self._observations.get((project_id, observation_id)))

    async def get_score(self, project_id: str, score_id: str) -> Score | None:
        """The newest version of a score, or None when absent or deleted."""
        return _live(self._scores.get((project_id, score_id)))

    async def list_observations(self, project_id: str, trace_id: str) -> Sequence[Observation]:
        """The observations of one trace, ordered by start time then id."""
        found = [
            copy.deepcopy(obs)
            for (project, _), obs in self._observations.items()
            if project == project_id and obs.trace_id == trace_id and not obs.is_deleted
        ]
        return sorted(found, key=lambda obs: (obs.start_time, obs.id))

    async def list_scores(self, project_id: str, trace_id: str) -> Sequence[Score]:
        """The scores attached to one trace, ordered by timestamp then id."""
        found = [
            copy.deepcopy(score)
            for (project, _), score in self._scores.items()
            if project == project_id and score.trace_id == trace_id and not score.is_deleted
        ]
        return sorted(found, key=lambda score: (score.timestamp, score.id))

    async def delete_traces(self, project_id: str, trace_ids: Sequence[str]) -> None:
        """Delete traces and their observations. Unknown ids are a no-op."""
        doomed = set(trace_ids)
        for trace_id in doomed:
            self._traces.pop((project_id, trace_id), None)
        for key in [
            key
            for key, obs in self._observations.items()
            if key[0] == project_id and obs.trace_id in doomed
        ]:
            del self._observations[key]

    async def delete_scores(self, project_id: str, score_ids: Sequence[str]) -> None:
        """Delete scores. Unknown ids are a no-op."""
        for score_id in score_ids:
            self._scores.pop((project_id, score_id), None)

    async def ping(self) -> None:
        """Always answers."""
