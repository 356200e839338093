"""The writing half of the ClickHouse analytics store: row versions and trace summaries.

A trace row carries the summary of its observations (``queries/summaries.py``), so every
write that changes observations also writes a new version of their traces, after them:

0. rows moved to another day of their table's key have their days recorded
   (``moved_rows.py``), traces that leave a user get a tombstone under that user
   (``traces_by_user.py``);
1. the observations and the scores are inserted;
2. the summaries of every trace written or touched are computed from the stored
   observations, which now include this write's (one query per project);
3. the traces are inserted with them. A trace the write touched only through its
   observations is read back and written again unchanged but for its summary, one
   millisecond after the version it was read from;
4. the days those traces are counted in are marked changed for the daily rollup
   (``daily_rollup.py``).

The summary is a function of what is stored, not a delta: a write that failed halfway
and is retried (the ingestion worker retries a batch until it is applied) computes it
again from the observations as they are, so it is right once a write has returned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import msgspec

from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_tracing.domain.time import utc
from spyglass_tracing.storage.clickhouse.deletions import ClickHouseDeletions
from spyglass_tracing.storage.clickhouse.mapping import (
    OBSERVATION_COLUMNS,
    SCORE_COLUMNS,
    TRACE_COLUMNS,
    observation_to_row,
    score_to_row,
    trace_from_row,
    trace_to_row,
)
from spyglass_tracing.storage.clickhouse.moved_rows import Row
from spyglass_tracing.storage.clickhouse.queries.select import Params, Where, select_latest
from spyglass_tracing.storage.clickhouse.queries.summaries import (
    EMPTY_SUMMARY,
    SUMMARY_COLUMNS,
    summaries_sql,
)

__all__ = ("ClickHouseWrites",)

_Item = TypeVar("_Item", Trace, Observation, Score)
_SUMMARIZED_TRACE_COLUMNS = (*TRACE_COLUMNS, *SUMMARY_COLUMNS)
_ONE_VERSION_LATER = timedelta(milliseconds=1)


class ClickHouseWrites(ClickHouseDeletions):
    """Appends row versions to the tracing tables, trace summaries kept; a store base."""

    async def upsert_traces(self, traces: Sequence[Trace]) -> None:
        """Append new versions of these traces, each with its observations' summary."""
        await self.write(traces=traces)

    async def upsert_observations(self, observations: Sequence[Observation]) -> None:
        """Append new versions of these observations, then of their traces' summaries."""
        await self.write(observations=observations)

    async def upsert_scores(self, scores: Sequence[Score]) -> None:
        """Append new versions of these scores (one insert)."""
        await self.write(scores=scores)

    async def write(
        self,
        *,
        traces: Sequence[Trace] = (),
        observations: Sequence[Observation] = (),
        scores: Sequence[Score] = (),
        replaces: Sequence[Row] | None = None,
    ) -> None:
        """Append a merge's row versions: observations and scores first, then traces.

        ``replaces``: the stored newest versions the rows were merged from (None: not
        known; the store then reads back the days of the rows' stored versions).
        """
        if traces or observations or scores:
            await self._run(self._write, traces, observations, scores, replaces)

    def _write(
        self,
        traces: Sequence[Trace],
        observations: Sequence[Observation],
        scores: Sequence[Score],
        replaces: Sequence[Row] | None,
    ) -> None:
        # On the client's thread: the mapping of thousands of rows stays off the loop.
        now = datetime.now(UTC)
        self._moved.record([*observations, *scores, *traces], replaces)
        self._insert("observations", observations, observation_to_row, OBSERVATION_COLUMNS, now)
        self._insert("scores", scores, score_to_row, SCORE_COLUMNS, now)
        by_project: dict[str, list[Trace]] = defaultdict(list)
        for trace in traces:
            by_project[trace.project_id].append(trace)
        touched: dict[str, set[str]] = defaultdict(set)
        for observation in observations:
            touched[observation.project_id].add(observation.trace_id)
        for project_id, trace_ids in touched.items():
            missing = trace_ids - {trace.id for trace in by_project[project_id]}
            if missing:
                by_project[project_id].extend(
                    msgspec.structs.replace(
                        trace, event_ts=utc(trace.event_ts or now) + _ONE_VERSION_LATER
                    )
                    for trace in self._stored_traces(project_id, sorted(missing))
                )
        # Before the versions: a trace leaving a user is hidden from the user's list
        # (traces_by_user.py). Touched traces keep their user.
        self._user_tombstones.record(traces, replaces, now)
        rows: list[list[Any]] = []
        for project_id, project_traces in by_project.items():
            summaries = self._summaries(project_id, sorted({trace.id for trace in project_traces}))
            rows.extend(_summarized(trace, summaries, now) for trace in project_traces)
        if rows:
            self._client.insert(
                self._table("traces"), rows, column_names=list(_SUMMARIZED_TRACE_COLUMNS)
            )
        # After the traces are stored: the days they are counted in are out of date.
        for project_id, project_traces in by_project.items():
            self._rollup.mark_traces(project_id, sorted({trace.id for trace in project_traces}))

    def _insert(
        self,
        table: str,
        items: Sequence[_Item],
        to_row: Callable[..., list[Any]],
        columns: Sequence[str],
        now: datetime,
    ) -> None:
        if items:
            rows = [to_row(item, default_event_ts=now) for item in items]
            self._client.insert(self._table(table), rows, column_names=list(columns))

    def _stored_traces(self, project_id: str, trace_ids: Sequence[str]) -> list[Trace]:
        params = Params(project_id)
        where = Where(direct=[f"id IN {params.strings(trace_ids)}"])
        sql = select_latest(self._table("traces"), TRACE_COLUMNS, where)
        return [trace_from_row(row) for row in self._rows(sql, params.values)]

    def _summaries(self, project_id: str, trace_ids: Sequence[str]) -> dict[str, list[Any]]:
        if not trace_ids:
            return {}
        params = Params(project_id)
        sql = summaries_sql(self._table("observations"), params, trace_ids)
        return {row[0]: list(row[1:]) for row in self._rows(sql, params.values)}


def _summarized(trace: Trace, summaries: dict[str, list[Any]], now: datetime) -> list[Any]:
    summary = summaries.get(trace.id, EMPTY_SUMMARY)
    return [*trace_to_row(trace, default_event_ts=now), *summary]
