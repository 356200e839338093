"""The ids of each trace's scores, side by side: what a page of traces shows of them.

``scores`` is sorted by the scores' own time; the scores of a page's traces were found
through the ``trace_id`` bloom filter of every granule of the project, then read a
granule for nearly each trace of a scattered page (at 10 M observations, 25 to 45 ms).
``scores_by_trace`` (migration ``0012``) holds every score version's id, trace, time
and version again, sorted by ``(project_id, trace_id, id)``: a materialized view copies
each version as ``scores`` takes it, and deletes delete here too (``deletions``). A
score's trace never changes, so all versions of a score are under one trace here and
deduplicate as in ``scores``.
"""

from __future__ import annotations

from collections.abc import Sequence

from spyglass_tracing.storage.clickhouse.queries.select import Params, Where, select_latest

__all__ = ("SCORES_BY_TRACE_TABLE", "score_ids_sql")

SCORES_BY_TRACE_TABLE = "scores_by_trace"
_COLUMNS = ("id", "trace_id", "project_id", "timestamp", "event_ts", "is_deleted")


def score_ids_sql(table: str, params: Params, trace_ids: Sequence[str]) -> str:
    """``(id, trace_id)`` of the live scores of ``trace_ids`` in ``table`` (the qualified
    ``scores_by_trace``), by timestamp then id."""
    # The trace is part of the key: a condition on every version, so ``direct``.
    where = Where(direct=[f"trace_id IN {params.strings(trace_ids)}"])
    latest = select_latest(table, _COLUMNS, where, select="id, trace_id")
    return f"{latest} ORDER BY `timestamp`, id"
