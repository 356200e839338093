"""The web UI's lists on ClickHouse: the traces table, its filter options, the users.

Each read runs its few queries in one hop to the connection's thread (``UiListReader``
methods are synchronous). A traces-table page is:

1. the page's ids in order (``limit + 1`` of them, the last telling whether more follow):
   for the default order a scan of the newest row versions in the sorting key's order,
   checked exactly (``_time_page``); for the other orders a sort of every matching trace.
   Filtered by users, the traces are read off ``traces_by_user`` (``_scoped``), sorted
   whole when the users have few rows there;
2. for those ids only: the shown columns, the aggregates of their observations and their
   newest scores, three small queries whatever the size of the project.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import ObservationLevel, ScoreDataType
from spyglass_tracing.domain.time import utc
from spyglass_tracing.domain.ui_lists import (
    LEVEL_SEVERITY,
    TRACE_LIST_ORDERS,
    TraceFilterOptions,
    TraceListCursor,
    TraceListPage,
    TraceListQuery,
    TraceRow,
    TraceRowScore,
    UserCursor,
    UserPage,
    UserQuery,
    UserRow,
    cost_text,
    millis,
    score_value_shown,
)
from spyglass_tracing.storage.clickhouse.queries.select import Params
from spyglass_tracing.storage.clickhouse.queries.ui_traces import (
    Tables,
    exact_page_sql,
    full_time_page_sql,
    page_aggregates_sql,
    page_rows_sql,
    page_scores_sql,
    prefix_sql,
    trace_list_where,
    value_page_sql,
)
from spyglass_tracing.storage.clickhouse.queries.ui_users import (
    filter_options_sql,
    user_totals_sql,
    users_sql,
)
from spyglass_tracing.storage.clickhouse.traces_by_user import users_rows_sql, users_traces

__all__ = ("UiListReader",)

_LEVELS = {severity: level for level, severity in LEVEL_SEVERITY.items()}
_SORTED_WHOLE_ROWS = 5_000
"""Users with at most this many row versions in ``traces_by_user`` get their newest page
by sorting them whole there; more, and the newest-first scan of ``traces`` finds it
sooner. At 10 M observations, the page's ids: 1,400 versions 6 ms against 27, 12,800
13 against 16, 118,000 81 against 22."""
_PREFIX_GROWTH = 8
_PREFIX_ROUNDS = 3
"""The prefix scan grows eightfold while outdated versions hide the page, then gives way
to a full sort: three rounds read up to 128 pages' worth of row versions."""


class _Aggregates:
    """One trace's observation aggregates as a row of ``page_aggregates_sql``."""

    def __init__(self, row: Sequence[Any] | None) -> None:
        values: Sequence[Any] = row or (
            None, 0, 0, None, 0, 0, 0, LEVEL_SEVERITY[ObservationLevel.DEFAULT]
        )  # fmt: skip
        _, count, latency_ms, cost, inputs, outputs, total, severity = values
        self.count = int(count)
        self.latency = None if self.count == 0 else int(latency_ms) / 1000
        self.cost = None if cost is None else float(cost)
        self.tokens = (int(inputs), int(outputs), int(total))
        self.level = _LEVELS[int(severity)]


class UiListReader:
    """The queries of the UI's lists on one client (call from its thread)."""

    def __init__(self, client: Any, tables: Tables) -> None:
        self._client = client
        self._tables = tables

    def _rows(self, sql: str, params: Params) -> list[Sequence[Any]]:
        return list(self._client.query(sql, parameters=params.values).result_rows)

    def _scoped(
        self, query: TraceListQuery, params: Params, ids: Sequence[str] | None = None
    ) -> Tables:
        """The tables a query of the traces table reads (of the traces ``ids`` only, when
        given). Filtered by users, the traces are those users' of ``traces_by_user``, side
        by side there, where in ``traces`` they are spread over every day (at 10 M
        observations one user's first page in the table took 231 ms, a granule for each
        of its rows)."""
        if not query.user_ids:
            return self._tables
        return self._tables.with_users_traces(
            users_traces(self._tables.traces, params, query.user_ids, ids)
        )

    def _few_users_rows(self, project_id: str, query: TraceListQuery) -> bool:
        """Whether the users filtered on have few enough row versions to sort whole."""
        params = Params(project_id)
        sql = users_rows_sql(self._tables.traces, params, query.user_ids, _SORTED_WHOLE_ROWS)
        return int(self._rows(sql, params)[0][0]) <= _SORTED_WHOLE_ROWS

    # --- traces table -----------------------------------------------------------------

    def trace_rows(self, project_id: str, query: TraceListQuery) -> TraceListPage:
        """One page of the traces table. Raises: InvalidInput for an unknown order."""
        if query.order_by not in TRACE_LIST_ORDERS:
            raise InvalidInput("Invalid orderBy", details=f"cannot order by '{query.order_by}'")
        days: list[date] | None = None
        if query.order_by == "timestamp":
            timed = self._time_page(project_id, query)
            keyed = [(row_id, millis(utc(ts))) for row_id, ts, _ in timed]
            days = sorted({day for _, _, day in timed[: query.limit]})
        else:
            keyed = self._value_page(project_id, query)
        page = keyed[: query.limit]
        items = self._page_rows(project_id, query, [row_id for row_id, _ in page], days)
        next_after = None
        if len(keyed) > query.limit and page:
            last_id, value = page[-1]
            next_after = TraceListCursor(
                order_by=query.order_by,
                desc=query.order_desc,
                value=cost_text(value) if isinstance(value, Decimal) else value,
                id=last_id,
            )
        return TraceListPage(items=items, next_after=next_after)

    def _time_page(self, project_id: str, query: TraceListQuery) -> list[Sequence[Any]]:
        """(id, timestamp, day) of ``limit + 1`` matching traces after the cursor, in order.

        The prefix scan returns the first ``n`` row versions that may match. Their ids,
        deduplicated exactly, those whose (timestamp, id) comes no later than the
        last scanned version's are exactly the matching traces up to there; when that is
        too few (outdated versions took the room), the scan grows. Users with few rows in
        ``traces_by_user`` have their traces sorted whole there instead.
        """
        if query.user_ids and self._few_users_rows(project_id, query):
            return self._full_time_page(project_id, query)  # side by side: sorted whole
        traces = self._tables.traces
        wanted = query.limit + 1
        n = 3 * wanted
        for _ in range(_PREFIX_ROUNDS):
            params = Params(project_id)
            where = trace_list_where(query, params, self._tables)
            prefix = self._rows(prefix_sql(query, where, params, traces, n), params)
            if not prefix:
                return []
            ids = list(dict.fromkeys(row[0] for row in prefix))  # in stream order
            days = sorted({row[2] for row in prefix})
            sql = exact_page_sql(query, where, params, self._tables, ids, days)
            exact = self._rows(sql, params)
            if len(prefix) < n:  # the whole stream was read: every match is in ``exact``
                return exact[:wanted]
            last_id, last_time, _ = prefix[-1]
            if query.order_desc:
                known = [row for row in exact if (row[1], row[0]) >= (last_time, last_id)]
            else:
                known = [row for row in exact if (row[1], row[0]) <= (last_time, last_id)]
            if len(known) >= wanted:
                return known[:wanted]
            n *= _PREFIX_GROWTH
        return self._full_time_page(project_id, query)

    def _full_time_page(self, project_id: str, query: TraceListQuery) -> list[Sequence[Any]]:
        """``_time_page`` by deduplicating every matching trace."""
        params = Params(project_id)
        tables = self._scoped(query, params)
        where = trace_list_where(query, params, tables)
        return self._rows(full_time_page_sql(query, where, params, tables.traces), params)

    def _value_page(self, project_id: str, query: TraceListQuery) -> list[tuple[str, Any]]:
        params = Params(project_id)
        tables = self._scoped(query, params)
        where = trace_list_where(query, params, tables)
        # Aggregating only the matching traces' observations pays when conditions narrow.
        narrowed = bool(where.direct or where.outer or tables.of_users)
        sql = value_page_sql(query, where, params, tables, narrowed)
        return [(row_id, value) for row_id, value in self._rows(sql, params)]

    def _page_rows(
        self, project_id: str, query: TraceListQuery, ids: Sequence[str],
        days: Sequence[date] | None,
    ) -> list[TraceRow]:  # fmt: skip
        if not ids:
            return []
        params = Params(project_id)
        tables = self._scoped(query, params, ids)
        found = {row[0]: row for row in self._rows(page_rows_sql(params, tables, ids, days),
                                                   params)}  # fmt: skip
        aggregates = {
            row[0]: row
            for row in self._rows(page_aggregates_sql(params, tables.observations, ids), params)
        }
        scores: dict[str, list[TraceRowScore]] = {}
        for trace_id, name, value, string_value, data_type in self._rows(
            page_scores_sql(params, tables.scores, ids), params
        ):
            kind = ScoreDataType(data_type)
            scores.setdefault(trace_id, []).append(
                TraceRowScore(
                    name=name,
                    value=score_value_shown(kind, float(value)),
                    string_value=string_value,
                    data_type=kind,
                )
            )
        # A trace deleted since its id was picked is left out.
        return [
            _trace_row(found[row_id], _Aggregates(aggregates.get(row_id)), scores.get(row_id, []))
            for row_id in ids
            if row_id in found
        ]

    # --- filter options ---------------------------------------------------------------

    def filter_options(
        self, project_id: str, start: datetime | None, end: datetime | None
    ) -> TraceFilterOptions:
        """Distinct filter values in ``[start, end)``, most frequent first."""
        params = Params(project_id)
        by_kind: dict[str, list[str]] = {}
        for sql in filter_options_sql(params, self._tables, start, end):
            for kind, value in self._rows(sql, params):
                by_kind.setdefault(kind, []).append(value)
        return TraceFilterOptions(
            names=by_kind.get("name", []),
            user_ids=by_kind.get("userId", []),
            tags=by_kind.get("tag", []),
            environments=by_kind.get("environment", []),
            models=by_kind.get("model", []),
            score_names=by_kind.get("scoreName", []),
            levels=[ObservationLevel(level) for level in by_kind.get("level", [])],
        )

    # --- users ------------------------------------------------------------------------

    def users(self, project_id: str, query: UserQuery, user_id: str | None = None) -> UserPage:
        """One page of users (just ``user_id`` when given), last seen first."""
        params = Params(project_id)
        grouped = self._rows(users_sql(params, self._tables.traces, query, user_id), params)
        page = grouped[: query.limit]
        totals: dict[str, tuple[Any, Any]] = {}
        if page:
            params = Params(project_id)
            sql = user_totals_sql(params, self._tables, [row[0] for row in page])
            totals = {uid: (cost, tokens) for uid, cost, tokens in self._rows(sql, params)}
        items = [_user_row(row, totals.get(row[0])) for row in page]
        next_after = None
        if len(grouped) > query.limit and items:
            last = items[-1]
            next_after = UserCursor(last_seen=millis(last.last_seen), user_id=last.user_id)
        return UserPage(items=items, next_after=next_after)


def _trace_row(
    row: Sequence[Any], aggregates: _Aggregates, scores: list[TraceRowScore]
) -> TraceRow:
    (row_id, timestamp, name, user_id, session_id, tags, environment, release, version,
     input_preview, output_preview) = row  # fmt: skip
    inputs, outputs, total = aggregates.tokens
    return TraceRow(
        id=row_id,
        timestamp=utc(timestamp),
        name=name,
        user_id=user_id,
        session_id=session_id,
        tags=list(tags),
        environment=environment,
        release=release,
        version=version,
        level=aggregates.level,
        latency=aggregates.latency,
        total_cost=aggregates.cost,
        input_tokens=inputs,
        output_tokens=outputs,
        total_tokens=total,
        observation_count=aggregates.count,
        scores=scores,
        input_preview=input_preview,
        output_preview=output_preview,
    )


def _user_row(row: Sequence[Any], totals: tuple[Any, Any] | None) -> UserRow:
    user_id, traces, sessions, first_seen, last_seen = row
    cost, tokens = totals or (None, 0)
    return UserRow(
        user_id=user_id,
        trace_count=int(traces),
        session_count=int(sessions),
        total_cost=0.0 if cost is None else float(cost),
        total_tokens=int(tokens),
        first_seen=utc(first_seen),
        last_seen=utc(last_seen),
    )
