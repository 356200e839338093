"""The ``filter`` conditions (Langfuse's ``FilterState``), evaluated like the ClickHouse
adapter's SQL: a condition on a NULL value never holds (except ``is null``), a missing
metadata key reads as ``""`` and a metadata value that is no number matches no number.

The columns a condition may name are declared once in
``spyglass_tracing.domain.filter_columns``; the getters here are derived from it.
"""

from __future__ import annotations

import enum
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_tracing.domain.filter_columns import (
    OBSERVATION_FILTERS,
    SCORE_FILTERS,
    TRACE_FILTERS,
    FilterColumn,
)
from spyglass_tracing.domain.queries import FilterCondition, checked_condition
from spyglass_tracing.domain.time import utc

__all__ = (
    "COMPARE",
    "TraceOf",
    "field_getter",
    "observation_filter",
    "score_filter",
    "trace_filter",
)

TraceOf = Callable[[Any], Trace | None]
"""Finds a row's live trace (None when it has none)."""

COMPARE: Mapping[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
"""The comparison operators of ``number`` and ``datetime`` filters (and score values)."""

# What ClickHouse's toFloat64OrNull accepts: no blanks, underscores or hex, unlike float().
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|nan)", re.IGNORECASE)


def field_getter(field: str) -> Callable[[Any], Any]:
    """Reads the domain ``field`` of a row; an enum reads as its value, as stored."""

    def get(row: Any) -> Any:
        value = getattr(row, field)
        return value.value if isinstance(value, enum.Enum) else value

    return get


class _Field(NamedTuple):
    """A filterable API column: how to read it and the filter types it accepts.

    With ``on_trace``, ``get`` reads the row's trace rather than the row.
    """

    get: Callable[[Any], Any]
    types: frozenset[str]
    on_trace: bool = False


def _fields(columns: Mapping[str, FilterColumn]) -> Mapping[str, _Field]:
    """The getters of a ``filter_columns`` declaration."""
    return {
        name: _Field(field_getter(column.field), column.types, column.on_trace)
        for name, column in columns.items()
    }


_TRACE_FIELDS = _fields(TRACE_FILTERS)
_OBSERVATION_FIELDS = _fields(OBSERVATION_FILTERS)
_SCORE_FIELDS = _fields(SCORE_FILTERS)


def _number(text: str) -> float | None:
    return float(text) if _NUMBER.fullmatch(text) else None


def _string_holds(op: str, value: str, wanted: str) -> bool:
    if op == "=":
        return value == wanted
    if op == "contains":
        return wanted in value
    if op == "does not contain":
        return wanted not in value
    if op == "starts with":
        return value.startswith(wanted)
    return value.endswith(wanted)


def _array_holds(op: str, value: Iterable[str], wanted: Iterable[str]) -> bool:
    present, asked = set(value), set(wanted)
    if op == "all of":
        return asked <= present
    return bool(present & asked) != (op == "none of")


def _holds(condition: FilterCondition, value: Any) -> bool:
    """Whether ``value`` satisfies ``condition`` (already checked), NULL as in SQL."""
    kind, op, wanted = condition.type, condition.operator, condition.value
    if kind == "null":
        return (value is None) == (op == "is null")
    if kind in ("stringObject", "numberObject"):
        value = value.get(condition.key, "")
        if kind == "numberObject":
            value = _number(value)
    if value is None:
        return False
    if kind in ("string", "stringObject"):
        return _string_holds(op, value, wanted)
    if kind == "stringOptions":
        return (value in wanted) != (op == "none of")
    if kind == "arrayOptions":
        return _array_holds(op, value, wanted)
    if kind in ("number", "numberObject"):
        return COMPARE[op](float(value), float(wanted))
    if kind == "datetime":
        return COMPARE[op](value, utc(wanted))
    return bool(value == wanted) == (op == "=")  # boolean: "=" or "<>"


def _on_row(condition: FilterCondition, get: Callable[[Any], Any]) -> Callable[[Any], bool]:
    def check(row: Any) -> bool:
        return _holds(condition, get(row))

    return check


def _on_trace(
    condition: FilterCondition,
    get: Callable[[Any], Any],
    trace_of: TraceOf,
) -> Callable[[Any], bool]:
    """A condition on the row's live trace; a row without one never matches."""

    def check(row: Any) -> bool:
        trace = trace_of(row)
        return trace is not None and _holds(condition, get(trace))

    return check


def _predicate(
    conditions: Sequence[FilterCondition],
    fields: Mapping[str, _Field],
    trace_of: TraceOf,
) -> Callable[[Any], bool]:
    """One test for all ``conditions``; ``trace_of`` finds a row's live trace."""
    checks: list[Callable[[Any], bool]] = []
    for condition in conditions:
        found = checked_condition(condition, fields)
        if found.on_trace:
            checks.append(_on_trace(condition, found.get, trace_of))
        else:
            checks.append(_on_row(condition, found.get))
    return lambda row: all(check(row) for check in checks)


def trace_filter(conditions: Sequence[FilterCondition]) -> Callable[[Trace], bool]:
    """One test for the ``filter`` of a trace list. Raises: InvalidInput (bad condition)."""
    return _predicate(conditions, _TRACE_FIELDS, lambda row: None)


def observation_filter(
    conditions: Sequence[FilterCondition], trace_of: TraceOf
) -> Callable[[Observation], bool]:
    """One test for the ``filter`` of an observation list (``trace_of`` for trace columns)."""
    return _predicate(conditions, _OBSERVATION_FIELDS, trace_of)


def score_filter(
    conditions: Sequence[FilterCondition], trace_of: TraceOf
) -> Callable[[Score], bool]:
    """One test for the ``filter`` of a score list (``trace_of`` for trace columns)."""
    return _predicate(conditions, _SCORE_FIELDS, trace_of)


def condition_holds(condition: FilterCondition, value: Any) -> bool:
    """Whether ``value`` satisfies one already-checked ``condition``, NULL as in SQL.

    For filters on values that are no column of a row (the metrics query's dimensions).
    """
    return _holds(condition, value)
