"""Read-side query shapes: filters, pages and the aggregates the read API returns.

The public API's ``filter`` parameter is a JSON list of conditions (Langfuse's
``FilterState``). ``parse_filter`` validates it against the columns a table allows
(declared in ``filter_columns``); adapters check each condition again with
``checked_condition`` and translate it into their own query language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.input_limits import check_json_depth
from spyglass_tracing.domain.filter_columns import FilterColumn, Typed, checked_column

__all__ = (
    "DailyMetric",
    "DailyModelUsage",
    "FilterCondition",
    "MetricsQuery",
    "ObservationQuery",
    "Page",
    "ScoreQuery",
    "Session",
    "SessionQuery",
    "TraceMetrics",
    "TraceQuery",
    "checked_condition",
    "parse_filter",
)

_T = TypeVar("_T")
_Column = TypeVar("_Column", bound=Typed)

_KEYED = frozenset({"stringObject", "numberObject"})
"""Filter types on a metadata entry: their conditions name its ``key``."""


class FilterCondition(msgspec.Struct, kw_only=True, frozen=True):
    """One validated condition: ``column`` is the API's camelCase column name.

    ``value`` is a str, a float, a bool, a datetime or a list of str, as ``type`` says;
    ``key`` names the metadata key for ``stringObject``/``numberObject``.
    """

    column: str
    type: str
    operator: str
    value: Any = None
    key: str | None = None


class _RawCondition(msgspec.Struct, kw_only=True):
    column: str
    type: str
    operator: str
    value: Any = None
    key: str | None = None


def parse_filter(raw: str | None, columns: Mapping[str, FilterColumn]) -> list[FilterCondition]:
    """Validate a ``filter`` query parameter.

    Args:
        raw: the JSON text, or None/empty for no filter.
        columns: the allowed columns (``filter_columns``), each with the filter types it
            accepts.

    Raises:
        InvalidInput: the JSON is malformed or nested deeper than ``MAX_JSON_DEPTH``, or
            a condition names an unknown column, type or operator, or carries a value
            of the wrong type.
    """
    if not raw:
        return []
    check_json_depth(raw)
    try:
        items = msgspec.json.decode(raw, type=list[_RawCondition])
    except msgspec.DecodeError as error:
        raise InvalidInput("Invalid filter", details=f"filter is not valid: {error}") from None
    return [_validated(item, columns) for item in items]


def _validated(item: _RawCondition, columns: Mapping[str, FilterColumn]) -> FilterCondition:
    checked_column(item.column, item.type, item.operator, columns)
    value = _coerce_value(item)
    if item.type in _KEYED and not item.key:
        raise _needs_key(item.type)
    return FilterCondition(
        column=item.column, type=item.type, operator=item.operator, value=value, key=item.key
    )


def _needs_key(kind: str) -> InvalidInput:
    return InvalidInput("Invalid filter", details=f"'{kind}' filters need a 'key'")


def checked_condition(condition: FilterCondition, columns: Mapping[str, _Column]) -> _Column:
    """The column ``condition`` is about, for a store about to apply it.

    A store checks every condition again (a caller may build one without
    ``parse_filter``). Raises: InvalidInput as ``checked_column``, or when a metadata
    condition names no ``key``.
    """
    found = checked_column(condition.column, condition.type, condition.operator, columns)
    if condition.type in _KEYED and condition.key is None:
        raise _needs_key(condition.type)
    return found


def _coerce_value(item: _RawCondition) -> Any:
    kind, value = item.type, item.value
    try:
        if kind in ("string", "stringObject"):
            return msgspec.convert(value, str)
        if kind in ("number", "numberObject"):
            return msgspec.convert(value, float, strict=False)
        if kind == "datetime":
            return msgspec.convert(value, datetime, strict=False)
        if kind in ("stringOptions", "arrayOptions"):
            return msgspec.convert(value, list[str])
        if kind == "boolean":
            return msgspec.convert(value, bool, strict=False)
    except msgspec.ValidationError as error:
        raise InvalidInput(
            "Invalid filter", details=f"bad value for column '{item.column}': {error}"
        ) from None
    return None  # "null" filters carry no value


class Page(msgspec.Struct, Generic[_T], kw_only=True):
    """One page of results and, for offset pagination, how many match in all."""

    items: Sequence[_T]
    total: int | None = None


class TraceQuery(msgspec.Struct, kw_only=True):
    """``GET /traces``: every given filter must hold; ``tags`` must all be present.

    ``from_timestamp`` is inclusive, ``to_timestamp`` exclusive. ``order_by`` is a
    column (``timestamp``, ``name``, ``userId``, ``sessionId``, ``release``,
    ``version``, ``environment``, ``id``) and ``order_desc`` its direction.
    """

    user_id: str | None = None
    name: str | None = None
    session_id: str | None = None
    from_timestamp: datetime | None = None
    to_timestamp: datetime | None = None
    tags: Sequence[str] = ()
    version: str | None = None
    release: str | None = None
    environments: Sequence[str] = ()
    filters: Sequence[FilterCondition] = ()
    order_by: str = "timestamp"
    order_desc: bool = True
    offset: int = 0
    limit: int = 50


class ObservationQuery(msgspec.Struct, kw_only=True):
    """``GET /observations`` and ``/v2/observations``, newest start time first.

    ``user_id`` and ``session_id`` filter on the observation's trace. ``is_root``
    keeps observations with (True) or without (False) a parent. For keyset pagination
    pass ``after`` = (start_time, id) of the last row seen; ``with_total`` asks for
    the total count (offset pagination only).
    """

    trace_id: str | None = None
    name: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    type: str | None = None
    level: str | None = None
    parent_observation_id: str | None = None
    environments: Sequence[str] = ()
    from_start_time: datetime | None = None
    to_start_time: datetime | None = None
    version: str | None = None
    is_root: bool | None = None
    filters: Sequence[FilterCondition] = ()
    offset: int = 0
    limit: int = 50
    after: tuple[datetime, str] | None = None
    with_total: bool = True


class ScoreQuery(msgspec.Struct, kw_only=True):
    """Score lists (v1, v2, v3), newest timestamp first; every given filter must hold.

    ``user_id`` and ``trace_tags`` filter on the score's trace. ``value_operator`` is
    one of ``< > <= >= != =`` applied with ``value``. ``after`` is (timestamp, id) of
    the last row seen, for keyset pagination.
    """

    ids: Sequence[str] = ()
    names: Sequence[str] = ()
    sources: Sequence[str] = ()
    data_types: Sequence[str] = ()
    environments: Sequence[str] = ()
    config_ids: Sequence[str] = ()
    queue_ids: Sequence[str] = ()
    author_user_ids: Sequence[str] = ()
    string_values: Sequence[str] = ()
    trace_id: str | None = None
    observation_ids: Sequence[str] = ()
    session_id: str | None = None
    dataset_run_id: str | None = None
    user_id: str | None = None
    trace_tags: Sequence[str] = ()
    from_timestamp: datetime | None = None
    to_timestamp: datetime | None = None
    value_operator: str | None = None
    value: float | None = None
    value_min: float | None = None
    value_max: float | None = None
    filters: Sequence[FilterCondition] = ()
    offset: int = 0
    limit: int = 50
    after: tuple[datetime, str] | None = None
    with_total: bool = True


class Session(msgspec.Struct, kw_only=True):
    """A session: the traces sharing a ``session_id``; created at its first trace."""

    id: str
    project_id: str
    created_at: datetime
    environment: str


class SessionQuery(msgspec.Struct, kw_only=True):
    """``GET /sessions``, newest first; ``from`` inclusive, ``to`` exclusive on created_at."""

    from_timestamp: datetime | None = None
    to_timestamp: datetime | None = None
    environments: Sequence[str] = ()
    offset: int = 0
    limit: int = 50


class TraceMetrics(msgspec.Struct, kw_only=True):
    """Aggregates over a trace's observations: latency in seconds (first start to last
    end, 0 without observations), the sum of their costs, and their ids."""

    trace_id: str
    latency: float
    total_cost: float
    observation_ids: list[str] = []


class MetricsQuery(msgspec.Struct, kw_only=True):
    """``GET /metrics/daily``: filters on traces; days newest first."""

    trace_name: str | None = None
    user_id: str | None = None
    tags: Sequence[str] = ()
    environments: Sequence[str] = ()
    from_timestamp: datetime | None = None
    to_timestamp: datetime | None = None
    offset: int = 0
    limit: int = 50


class DailyModelUsage(msgspec.Struct, kw_only=True, rename="camel"):
    """Usage of one model on one day."""

    model: str | None
    input_usage: int
    output_usage: int
    total_usage: int
    count_observations: int
    count_traces: int
    total_cost: float


class DailyMetric(msgspec.Struct, kw_only=True, rename="camel"):
    """Counts and cost of one day (``date`` is ``YYYY-MM-DD``)."""

    date: str
    count_traces: int
    count_observations: int
    total_cost: float
    usage: list[DailyModelUsage] = []
