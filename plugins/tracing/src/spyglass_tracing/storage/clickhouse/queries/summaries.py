"""ClickHouse SQL of trace summaries: what a trace's observations add up to, kept on its row.

Every version of a trace row written by this store carries the summary of the trace's
live observations at the moment it was written (migration ``0006``):

``observation_count``  how many
``first_start``        the earliest ``start_time`` (NULL without observations)
``last_end``           the latest ``end_time``, or ``start_time`` where it has none
``total_cost``         the sum of their ``total_cost`` (NULL when none has a cost)
``observation_ids``    their ids, ordered by (``start_time``, ``id``)
``model_usage``        per ``provided_model_name`` (NULL included): observations,
                       input, output and total usage, summed cost

The store writes a trace's summary after the observations it sums (``ClickHouseWrites``),
so the newest trace version is exact once a write has returned. Reads of per-trace
metrics and of daily metrics take these columns instead of deduplicating observations.
"""

from __future__ import annotations

from collections.abc import Sequence

from spyglass_tracing.storage.clickhouse.queries.select import Params, Where, select_latest

__all__ = ("EMPTY_SUMMARY", "SUMMARY_COLUMNS", "summaries_sql")

SUMMARY_COLUMNS = ("observation_count", "first_start", "last_end", "total_cost",
                   "observation_ids", "model_usage")  # fmt: skip
"""The trace row's summary columns, in the order ``summaries_sql`` returns them."""

EMPTY_SUMMARY: tuple[object, ...] = (0, None, None, None, [], [])
"""The summary of a trace without observations (the columns' defaults)."""

_OBSERVATION_COLUMNS = ("id", "project_id", "trace_id", "start_time", "end_time",
                        "provided_model_name", "usage_details", "total_cost", "event_ts",
                        "is_deleted")  # fmt: skip


def summaries_sql(observations: str, params: Params, trace_ids: Sequence[str]) -> str:
    """``trace_id`` and the ``SUMMARY_COLUMNS`` of each of these traces with observations.

    Two levels: per (trace, model) the sums, then per trace the model rows as an array of
    tuples (``groupArray`` skips NULLs, so the model goes inside the tuple).
    """
    where = Where()
    where.of_traces(params.strings(trace_ids))
    latest = select_latest(observations, _OBSERVATION_COLUMNS, where)
    per_model = (
        "SELECT trace_id, provided_model_name AS model, count() AS n, "
        "min(start_time) AS first, max(coalesce(end_time, start_time)) AS last, "
        "sum(total_cost) AS cost, sum(usage_details['input']) AS input, "
        "sum(usage_details['output']) AS output, sum(usage_details['total']) AS total, "
        "groupArray((start_time, id)) AS ids "
        f"FROM ({latest}) GROUP BY trace_id, model"
    )
    return (
        "SELECT trace_id, sum(n), min(first), max(last), sum(cost), "
        "arrayMap(x -> x.2, arraySort(arrayFlatten(groupArray(ids)))), "
        "groupArray((model, n, input, output, total, cost)) "
        f"FROM ({per_model}) GROUP BY trace_id"
    )
