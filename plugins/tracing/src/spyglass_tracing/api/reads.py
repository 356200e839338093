"""What the read routes share: query-parameter parsing, ``filter`` included.

Every rule here raises ``InvalidInput`` (400) with a message saying which parameter is
wrong; the routes themselves stay declarative.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from spyglass_core.domain.errors import InvalidInput
from spyglass_tracing.domain.filter_columns import FilterColumn
from spyglass_tracing.domain.queries import FilterCondition, parse_filter
from spyglass_tracing.domain.time import utc_or_none
from spyglass_tracing.views.wire import page_meta

__all__ = (
    "MAX_PAGE_LIMIT",
    "choice",
    "comma_list",
    "field_groups",
    "filters",
    "offset_page",
    "unless_filtered",
    "when",
)

MAX_PAGE_LIMIT = 100
"""Offset pages hold at most this many items (Langfuse's ``limit`` bound)."""

_E = TypeVar("_E", bound=enum.Enum)
_T = TypeVar("_T")


def filters(raw: str | None, columns: Mapping[str, FilterColumn]) -> list[FilterCondition]:
    """The validated ``filter`` parameter (400 when malformed); ``columns`` is one of the
    declarations of ``spyglass_tracing.domain.filter_columns``."""
    return parse_filter(raw, columns)


def unless_filtered(conditions: Sequence[FilterCondition], column: str, value: _T) -> _T | None:
    """``value``, or None when ``filter`` names ``column``: the filter takes precedence."""
    if any(condition.column == column for condition in conditions):
        return None
    return value


def when(value: datetime | None) -> datetime | None:
    """A query datetime in UTC (naive means UTC)."""
    return utc_or_none(value)


def comma_list(raw: str | None) -> list[str]:
    """``a, b,c`` as ``["a", "b", "c"]``; empty entries dropped."""
    if not raw:
        return []
    return [item.strip() for item in raw.split(",") if item.strip()]


def choice(raw: str | None, kind: type[_E], parameter: str) -> _E | None:
    """The member of ``kind`` that ``raw`` names, case-insensitively; 400 when none."""
    if raw is None:
        return None
    try:
        return kind(raw.strip().upper())
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InvalidInput(
            "Invalid request data", details=f"{parameter} must be one of: {allowed}"
        ) from None


def field_groups(
    raw: str | None,
    allowed: Collection[str],
    default: Iterable[str],
    *,
    strict: bool = True,
    always: Iterable[str] = (),
) -> frozenset[str]:
    """The ``fields`` parameter as a set of groups (``always`` added).

    Unknown groups give 400 when ``strict``, else are ignored (as ``GET /traces`` does).
    """
    requested = comma_list(raw)
    if not requested:
        return frozenset(default) | frozenset(always)
    unknown = [group for group in requested if group not in allowed]
    if unknown and strict:
        raise InvalidInput(
            "Invalid request data",
            details=f"unknown field group(s): {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))}",
        )
    return frozenset(group for group in requested if group in allowed) | frozenset(always)


def offset_page(items: Sequence[Any], page: int, limit: int, total: int) -> dict[str, Any]:
    """``{data, meta}`` of an offset page, as keyword arguments of a typed page struct."""
    return {"data": list(items), "meta": page_meta(page, limit, total)}
