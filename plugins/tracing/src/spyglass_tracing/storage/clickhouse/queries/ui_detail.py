"""ClickHouse SQL of the web UI's detail reads: a trace's observation nodes (no payload
columns), session summaries and a session's turns, keyset-paged.

Each read deduplicates only the columns it needs (``select_latest`` with a narrow column
list), so ``input``, ``output`` and ``metadata`` are never read where they are not shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from spyglass_tracing.domain.ui_detail import (
    MAX_SESSION_USER_IDS,
    STATUS_MESSAGE_PREVIEW_CHARS,
    SessionSummaryQuery,
)
from spyglass_tracing.storage.clickhouse.mapping import TRACE_COLUMNS
from spyglass_tracing.storage.clickhouse.queries.select import (
    Params,
    Where,
    limit_sql,
    page_sql,
    select_latest,
)

__all__ = (
    "NODE_COLUMNS",
    "observation_nodes_sql",
    "session_aggregates_sql",
    "session_turns_sql",
    "sessions_page_sql",
)

NODE_COLUMNS: tuple[str, ...] = (
    "id", "trace_id", "type", "start_time", "end_time", "completion_start_time", "name",
    "parent_observation_id", "level", "provided_model_name", "total_cost", "usage_details",
    "status_message",
)  # fmt: skip
"""What an observation node reads, in the order ``observation_nodes_sql`` selects it."""

_NODE_SOURCE_COLUMNS = (*NODE_COLUMNS, "project_id", "event_ts", "is_deleted")


def _ascending_keyset(
    where: Where, params: Params, column: str, after: tuple[datetime, str]
) -> None:
    """Rows strictly after ``after`` in ``column ASC, id ASC`` order (checked on the newest
    version: an update may move a row in time)."""
    time, last_id = params.time(after[0]), params.bind(after[1], "String")
    where.outer.append(f"({column} > {time} OR ({column} = {time} AND id > {last_id}))")


def observation_nodes_sql(
    observations: str,
    params: Params,
    trace_id: str,
    after: tuple[datetime, str] | None,
    limit: int,
) -> str:
    """One page of a trace's observation nodes, (start_time, id) ascending."""
    where = Where()
    where.of_traces(f"({params.bind(trace_id, 'String')})")
    if after is not None:
        _ascending_keyset(where, params, "start_time", after)
    message = f"leftUTF8(status_message, {STATUS_MESSAGE_PREVIEW_CHARS})"
    select = ", ".join(f"`{c}`" if c != "status_message" else message for c in NODE_COLUMNS)
    sql = select_latest(observations, _NODE_SOURCE_COLUMNS, where, select=select)
    return f"{sql} ORDER BY start_time, id {limit_sql(params, limit, 0)}"


def session_turns_sql(
    traces: str,
    params: Params,
    session_id: str,
    after: tuple[datetime, str] | None,
    limit: int,
) -> str:
    """One page of a session's traces (full rows, ``TRACE_COLUMNS``), oldest first.

    ``page_sql`` cuts the page without the payload columns and reads them for its rows only.
    """
    where = Where()
    where.narrowing(f"session_id = {params.bind(session_id, 'String')}")
    if after is not None:
        _ascending_keyset(where, params, "`timestamp`", after)
    return page_sql(
        traces, TRACE_COLUMNS, where, "`timestamp` ASC, id ASC", params, limit=limit, offset=0
    )


# --- sessions -----------------------------------------------------------------------------

_SESSION_TRACE_COLUMNS = ("id", "project_id", "timestamp", "session_id", "user_id",
                          "environment", "event_ts", "is_deleted")  # fmt: skip
_SESSION_OBSERVATION_COLUMNS = ("id", "project_id", "trace_id", "start_time", "end_time",
                                "total_cost", "usage_details", "event_ts",
                                "is_deleted")  # fmt: skip
_TOKENS = (
    "if(mapContains(o.usage_details, 'total'), o.usage_details['total'], "
    "o.usage_details['input'] + o.usage_details['output'])"
)


def sessions_page_sql(
    traces: str,
    params: Params,
    query: SessionSummaryQuery,
    session_ids: Sequence[str] | None = None,
) -> str:
    """One row per session: (id, created_at, last_trace_at, trace count, user ids,
    environment), newest last trace first, paged as ``query`` says (or only ``session_ids``).
    """
    where = Where()
    where.narrowing("session_id IS NOT NULL")
    if session_ids is not None:
        where.narrowing(f"session_id IN {params.strings(session_ids)}")
    if query.search:
        needle = params.bind(query.search, "String")
        where.narrowing(f"positionCaseInsensitiveUTF8(session_id, {needle}) > 0")
    having: list[str] = []
    if query.from_timestamp is not None:
        having.append(f"last_trace_at >= {params.time(query.from_timestamp)}")
    if query.to_timestamp is not None:
        having.append(f"last_trace_at < {params.time(query.to_timestamp)}")
    if query.user_id is not None:
        having.append(f"countIf(user_id = {params.bind(query.user_id, 'String')}) > 0")
    if query.after is not None:
        time, last_id = params.time(query.after[0]), params.bind(query.after[1], "String")
        having.append(
            f"(last_trace_at < {time} OR (last_trace_at = {time} AND session_key < {last_id}))"
        )
    source = select_latest(traces, _SESSION_TRACE_COLUMNS, where)
    sql = (
        "SELECT assumeNotNull(session_id) AS session_key, "
        "min(`timestamp`) AS created_at, max(`timestamp`) AS last_trace_at, count(), "
        f"arraySlice(arraySort(groupUniqArray(user_id)), 1, {MAX_SESSION_USER_IDS}), "
        # (timestamp, id): two first traces at the same millisecond still pick one.
        "argMin(environment, (`timestamp`, id)) "
        f"FROM ({source}) GROUP BY session_key"
    )
    if having:
        sql += f" HAVING {' AND '.join(having)}"
    return (
        f"{sql} ORDER BY last_trace_at DESC, session_key DESC {limit_sql(params, query.limit, 0)}"
    )


def session_aggregates_sql(
    traces: str, observations: str, params: Params, session_ids: Sequence[str]
) -> str:
    """Per session of ``session_ids`` that has observations: (id, summed cost, summed
    tokens, first observation start, last observation end or start)."""
    on_sessions = Where()
    on_sessions.narrowing(f"session_id IN {params.strings(session_ids)}")
    session_traces = select_latest(
        traces, _SESSION_TRACE_COLUMNS, on_sessions, select="id, session_id"
    )
    on_traces = Where()
    # Checked on the newest version by the join below.
    on_traces.of_traces(f"(SELECT id FROM ({session_traces}))", check=False)
    session_observations = select_latest(observations, _SESSION_OBSERVATION_COLUMNS, on_traces)
    return (
        f"SELECT assumeNotNull(t.session_id), sum(o.total_cost), sum({_TOKENS}), "
        "min(o.start_time), max(coalesce(o.end_time, o.start_time)) "
        f"FROM ({session_observations}) AS o INNER JOIN ({session_traces}) AS t "
        "ON o.trace_id = t.id GROUP BY t.session_id"
    )
