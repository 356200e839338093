"""ClickHouse SQL of ``GET /traces``: its conditions and its order."""

from __future__ import annotations

from collections.abc import Mapping

from spyglass_core.domain.errors import InvalidInput
from spyglass_tracing.domain.filter_columns import TRACE_FILTERS, TRACE_ORDER_FIELDS
from spyglass_tracing.domain.queries import TraceQuery
from spyglass_tracing.storage.clickhouse.queries.filters import column_sql, filters_sql
from spyglass_tracing.storage.clickhouse.queries.select import Params, Where, time_range

__all__ = ("TRACE_ORDER_COLUMNS", "trace_order", "trace_where")

TRACE_ORDER_COLUMNS: Mapping[str, str] = {
    name: column_sql(field) for name, field in TRACE_ORDER_FIELDS.items()
}
"""``TraceQuery.order_by`` values and the column each sorts on."""


def trace_where(query: TraceQuery, params: Params, traces: str) -> Where:
    """The conditions of ``GET /traces``: simple parameters and filter conditions."""
    where = Where()
    time_range(where, params, "`timestamp`", query.from_timestamp, query.to_timestamp)
    # User and session are selective: worth narrowing the deduplication with.
    if query.user_id is not None:
        where.narrowing(f"user_id = {params.bind(query.user_id, 'String')}", scattered=True)
    if query.session_id is not None:
        where.narrowing(f"session_id = {params.bind(query.session_id, 'String')}", scattered=True)
    for column, value in (
        ("name", query.name),
        ("version", query.version),
        ("release", query.release),
    ):
        if value is not None:
            where.outer.append(f"{column} = {params.bind(value, 'String')}")
    if query.environments:
        where.outer.append(f"environment IN {params.strings(query.environments)}")
    if query.tags:
        where.outer.append(f"hasAll(tags, {params.strings(query.tags)})")
    where.outer.extend(filters_sql(query.filters, TRACE_FILTERS, params, traces))
    return where


def trace_order(query: TraceQuery) -> str:
    """ORDER BY for ``GET /traces``: the whitelisted column, then id, one direction."""
    column = TRACE_ORDER_COLUMNS.get(query.order_by)
    if column is None:
        raise InvalidInput("Invalid orderBy", details=f"cannot order traces by '{query.order_by}'")
    direction = "DESC" if query.order_desc else "ASC"
    return f"{column} {direction}, id {direction}"
