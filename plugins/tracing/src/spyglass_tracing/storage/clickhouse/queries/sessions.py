"""ClickHouse SQL of sessions: the distinct ``session_id`` of live traces, grouped."""

from __future__ import annotations

from spyglass_tracing.domain.queries import SessionQuery
from spyglass_tracing.storage.clickhouse.queries.select import (
    Params,
    Where,
    limit_sql,
    select_latest,
)

__all__ = ("session_where", "sessions_count_sql", "sessions_sql")

_SESSION_SOURCE_COLUMNS = ("id", "project_id", "timestamp", "session_id", "environment",
                           "event_ts", "is_deleted")  # fmt: skip


def session_where(params: Params, session_id: str | None = None) -> Where:
    """Live traces of one session, or of any session."""
    where = Where()
    if session_id is None:
        where.narrowing("session_id IS NOT NULL")
    else:
        where.narrowing(f"session_id = {params.bind(session_id, 'String')}")
    return where


def _sessions_grouped(traces: str, where: Where, query: SessionQuery | None, params: Params) -> str:
    """One row per session: id, created_at (first trace) and its first trace's environment."""
    source = select_latest(traces, _SESSION_SOURCE_COLUMNS, where)
    having: list[str] = []
    if query is not None:
        if query.from_timestamp is not None:
            having.append(f"session_created_at >= {params.time(query.from_timestamp)}")
        if query.to_timestamp is not None:
            having.append(f"session_created_at < {params.time(query.to_timestamp)}")
        if query.environments:
            having.append(f"session_environment IN {params.strings(query.environments)}")
    sql = (
        "SELECT assumeNotNull(session_id) AS session_key, "
        "min(`timestamp`) AS session_created_at, "
        # (timestamp, id): two first traces at the same millisecond still pick one.
        "argMin(environment, (`timestamp`, id)) AS session_environment "
        f"FROM ({source}) GROUP BY session_key"
    )
    if having:
        sql += f" HAVING {' AND '.join(having)}"
    return sql


def sessions_sql(
    traces: str,
    where: Where,
    params: Params,
    query: SessionQuery | None = None,
) -> str:
    """Sessions, newest first (then id); paged when ``query`` is given."""
    sql = _sessions_grouped(traces, where, query, params)
    sql += " ORDER BY session_created_at DESC, session_key ASC"
    if query is not None:
        sql += f" {limit_sql(params, query.limit, query.offset)}"
    return sql


def sessions_count_sql(traces: str, where: Where, params: Params, query: SessionQuery) -> str:
    """How many sessions ``query`` matches."""
    return f"SELECT count() FROM ({_sessions_grouped(traces, where, query, params)})"
