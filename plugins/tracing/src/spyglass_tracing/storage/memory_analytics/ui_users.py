"""The users pages of the in-memory store: distinct ``user_id`` of live traces."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from spyglass_core.domain.tracing import Observation, Trace
from spyglass_tracing.domain.ui_lists import UserCursor, UserPage, UserQuery, UserRow, millis
from spyglass_tracing.storage.memory_analytics.ui_traces import usage_of

__all__ = ("user_rows",)


def _user_row(user_id: str, traces: list[Trace], observations: list[Observation]) -> UserRow:
    cost = sum(
        (Decimal(repr(o.total_cost)) for o in observations if o.total_cost is not None),
        Decimal(),
    )
    return UserRow(
        user_id=user_id,
        trace_count=len(traces),
        session_count=len({t.session_id for t in traces if t.session_id is not None}),
        total_cost=float(cost),
        total_tokens=sum(usage_of(o)[2] for o in observations),
        first_seen=min(t.timestamp for t in traces),
        last_seen=max(t.timestamp for t in traces),
    )


def _after(row: UserRow, cursor: UserCursor | None) -> bool:
    if cursor is None:
        return True
    last_seen = millis(row.last_seen)
    return last_seen < cursor.last_seen or (
        last_seen == cursor.last_seen and row.user_id < cursor.user_id
    )


def user_rows(
    traces: Iterable[Trace],
    observations: Iterable[Observation],
    query: UserQuery,
    only: str | None = None,
) -> UserPage:
    """One page of users of the live ``traces`` (or just the user ``only``), last seen
    first, then user id descending."""
    needle = (query.search or "").lower()
    by_user: dict[str, list[Trace]] = defaultdict(list)
    for trace in traces:
        user_id = trace.user_id
        if user_id is None or (only is not None and user_id != only):
            continue
        if needle in user_id.lower():
            by_user[user_id].append(trace)
    user_of = {trace.id: user for user, found in by_user.items() for trace in found}
    observed: dict[str, list[Observation]] = defaultdict(list)
    for obs in observations:
        if obs.trace_id in user_of:
            observed[user_of[obs.trace_id]].append(obs)
    rows = [_user_row(user, found, observed[user]) for user, found in by_user.items()]
    rows = [row for row in rows if _after(row, query.after)]
    rows.sort(key=lambda row: (row.last_seen, row.user_id), reverse=True)
    page = rows[: query.limit]
    next_after = None
    if len(rows) > query.limit and page:
        next_after = UserCursor(last_seen=millis(page[-1].last_seen), user_id=page[-1].user_id)
    return UserPage(items=page, next_after=next_after)
