"""ClickHouse SQL of the ``filter`` conditions (Langfuse's ``FilterState``).

The columns a condition may name are declared once in
``spyglass_tracing.domain.filter_columns``; each column's ``field`` is the table column it
compares, so only the SQL of the filter types and operators is written here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from spyglass_core.domain.errors import InvalidInput
from spyglass_tracing.domain.filter_columns import FilterColumn
from spyglass_tracing.domain.queries import FilterCondition, checked_condition
from spyglass_tracing.storage.clickhouse.queries.select import Params, Where, trace_ids_in

__all__ = (
    "COMPARISONS",
    "bad_operator",
    "column_sql",
    "comparison_sql",
    "filters_sql",
)

# Decimal64(12) columns, compared as Float64: Decimal cannot hold the range a float filter
# may carry.
_DECIMAL_FIELDS = frozenset({"total_cost"})


def column_sql(field: str) -> str:
    """The SQL expression a filter on the domain ``field`` compares: its table column."""
    return f"toFloat64(`{field}`)" if field in _DECIMAL_FIELDS else f"`{field}`"


COMPARISONS = frozenset({"=", "!=", "<", ">", "<=", ">="})
"""The comparison operators of ``number`` and ``datetime`` filters (and score values)."""


def _string_sql(expr: str, operator: str, value: str) -> str:
    match operator:
        case "=":
            return f"{expr} = {value}"
        case "contains":
            return f"position({expr}, {value}) > 0"
        case "does not contain":
            return f"position({expr}, {value}) = 0"
        case "starts with":
            return f"startsWith({expr}, {value})"
        case "ends with":
            return f"endsWith({expr}, {value})"
    raise bad_operator(operator)


def comparison_sql(expr: str, operator: str, value: str) -> str:
    """``expr <operator> value``. Raises: InvalidInput unless ``operator`` is a comparison."""
    if operator not in COMPARISONS:
        raise bad_operator(operator)
    return f"{expr} {operator} {value}"


def bad_operator(operator: str) -> InvalidInput:
    """The error for an operator the SQL has no translation of."""
    return InvalidInput("Invalid filter", details=f"unsupported operator '{operator}'")


def _condition_sql(condition: FilterCondition, expr: str, params: Params) -> str:
    """SQL for one condition on ``expr``; ``condition`` is already checked."""
    kind, operator, value = condition.type, condition.operator, condition.value
    if kind == "string":
        return _string_sql(expr, operator, params.bind(value, "String"))
    if kind == "stringOptions":
        negation = "NOT " if operator == "none of" else ""
        return f"{expr} {negation}IN {params.strings(value)}"
    if kind == "arrayOptions":
        values = params.strings(value)
        if operator == "all of":
            return f"hasAll({expr}, {values})"
        return f"{'NOT ' if operator == 'none of' else ''}hasAny({expr}, {values})"
    if kind == "number":
        return comparison_sql(expr, operator, params.bind(float(value), "Float64"))
    if kind == "datetime":
        return comparison_sql(expr, operator, params.time(value))
    if kind == "boolean":
        return f"{expr} {'=' if operator == '=' else '!='} {params.bind(bool(value), 'Bool')}"
    if kind == "null":
        return f"{expr} {'IS NULL' if operator == 'is null' else 'IS NOT NULL'}"
    entry = f"{expr}[{params.bind(condition.key, 'String')}]"
    if kind == "stringObject":
        return _string_sql(entry, operator, params.bind(value, "String"))
    # numberObject: metadata values are strings; one that is no number matches nothing.
    number = params.bind(float(value), "Float64")
    return comparison_sql(f"toFloat64OrNull({entry})", operator, number)


def filters_sql(
    conditions: Sequence[FilterCondition],
    columns: Mapping[str, FilterColumn],
    params: Params,
    traces: str,
) -> list[str]:
    """One SQL condition per filter condition, each checked against ``columns``.

    A condition on the row's trace (``on_trace``) becomes ``trace_id IN`` the live
    traces of the ``traces`` table that match it.
    """
    sql: list[str] = []
    for condition in conditions:
        column = checked_condition(condition, columns)
        expr = _condition_sql(condition, column_sql(column.field), params)
        sql.append(trace_ids_in(traces, Where(outer=[expr])) if column.on_trace else expr)
    return sql


def condition_sql(condition: FilterCondition, expr: str, params: Params) -> str:
    """SQL for one already-checked ``condition`` on the expression ``expr``.

    For filters on expressions that are no column of a table (the metrics query's
    dimensions); ``expr`` must come from the caller's own declarations, never a request.
    """
    return _condition_sql(condition, expr, params)
