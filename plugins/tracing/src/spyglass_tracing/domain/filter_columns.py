"""The columns the read API filters and sorts on, declared once for every store.

The ``filter`` parameter (Langfuse's ``FilterState``) names columns by their API id.
For each entity the declaration below gives, per column id, the filter types it accepts
and the domain field it reads (``FilterColumn``). Everything else derives from it: the
validation of ``parse_filter``, the ClickHouse SQL (the analytics tables name their
columns after the Struct fields, so ``field`` is the table column too) and the in-memory
store's getters (``field`` read as an attribute, an enum by its value).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple, Protocol, TypeVar

from spyglass_core.domain.errors import InvalidInput

__all__ = (
    "FILTER_OPERATORS",
    "OBSERVATION_FILTERS",
    "OBSERVATION_FILTER_COLUMNS",
    "SCORE_FILTERS",
    "SCORE_FILTER_COLUMNS",
    "TRACE_FILTERS",
    "TRACE_FILTER_COLUMNS",
    "TRACE_ORDER_FIELDS",
    "FilterColumn",
    "Typed",
    "accepted_types",
    "checked_column",
)

FILTER_OPERATORS: Mapping[str, frozenset[str]] = {
    "string": frozenset({"=", "contains", "does not contain", "starts with", "ends with"}),
    "stringOptions": frozenset({"any of", "none of"}),
    "arrayOptions": frozenset({"any of", "none of", "all of"}),
    "number": frozenset({"=", ">", "<", ">=", "<=", "!="}),
    "datetime": frozenset({">", "<", ">=", "<=", "="}),
    "stringObject": frozenset({"=", "contains", "does not contain", "starts with", "ends with"}),
    "numberObject": frozenset({"=", ">", "<", ">=", "<=", "!="}),
    "boolean": frozenset({"=", "<>"}),
    "null": frozenset({"is null", "is not null"}),
}
"""The filter types of Langfuse's FilterState and the operators each accepts."""


class FilterColumn(NamedTuple):
    """A filterable API column: the filter types it accepts and the field it reads.

    ``field`` is an attribute of the row's Struct (``Trace``, ``Observation``, ``Score``)
    and the analytics table's column of the same name. With ``on_trace`` it is the
    field of the row's trace instead (a row without a live trace never matches).
    """

    types: frozenset[str]
    field: str
    on_trace: bool = False


_TEXT = frozenset({"string", "stringOptions"})
_TEXT_OR_NULL = _TEXT | {"null"}
_METADATA = frozenset({"stringObject", "numberObject"})
_TIME = frozenset({"datetime"})
_BOOLEAN = frozenset({"boolean"})

TRACE_FILTERS: Mapping[str, FilterColumn] = {
    "id": FilterColumn(_TEXT, "id"),
    "name": FilterColumn(_TEXT_OR_NULL, "name"),
    "timestamp": FilterColumn(_TIME, "timestamp"),
    "userId": FilterColumn(_TEXT_OR_NULL, "user_id"),
    "sessionId": FilterColumn(_TEXT_OR_NULL, "session_id"),
    "environment": FilterColumn(_TEXT, "environment"),
    "tags": FilterColumn(frozenset({"arrayOptions"}), "tags"),
    "version": FilterColumn(_TEXT_OR_NULL, "version"),
    "release": FilterColumn(_TEXT_OR_NULL, "release"),
    "metadata": FilterColumn(_METADATA, "metadata"),
    "bookmarked": FilterColumn(_BOOLEAN, "bookmarked"),
    "public": FilterColumn(_BOOLEAN, "public"),
}
"""Columns the ``filter`` of ``GET /traces`` may name."""

OBSERVATION_FILTERS: Mapping[str, FilterColumn] = {
    "id": FilterColumn(_TEXT, "id"),
    "traceId": FilterColumn(_TEXT, "trace_id"),
    "name": FilterColumn(_TEXT_OR_NULL, "name"),
    "type": FilterColumn(_TEXT, "type"),
    "level": FilterColumn(_TEXT, "level"),
    "startTime": FilterColumn(_TIME, "start_time"),
    "endTime": FilterColumn(_TIME | {"null"}, "end_time"),
    "environment": FilterColumn(_TEXT, "environment"),
    "version": FilterColumn(_TEXT_OR_NULL, "version"),
    "parentObservationId": FilterColumn(_TEXT_OR_NULL, "parent_observation_id"),
    "model": FilterColumn(_TEXT_OR_NULL, "provided_model_name"),
    "promptName": FilterColumn(_TEXT_OR_NULL, "prompt_name"),
    "metadata": FilterColumn(_METADATA, "metadata"),
    "userId": FilterColumn(_TEXT_OR_NULL, "user_id", on_trace=True),
    "sessionId": FilterColumn(_TEXT_OR_NULL, "session_id", on_trace=True),
    "totalCost": FilterColumn(frozenset({"number", "null"}), "total_cost"),
}
"""Columns the ``filter`` of the observation lists may name (user and session: the trace's)."""

SCORE_FILTERS: Mapping[str, FilterColumn] = {
    "id": FilterColumn(_TEXT, "id"),
    "name": FilterColumn(_TEXT, "name"),
    "source": FilterColumn(_TEXT, "source"),
    "dataType": FilterColumn(_TEXT, "data_type"),
    "environment": FilterColumn(_TEXT, "environment"),
    "value": FilterColumn(frozenset({"number"}), "value"),
    "stringValue": FilterColumn(_TEXT_OR_NULL, "string_value"),
    "traceId": FilterColumn(_TEXT_OR_NULL, "trace_id"),
    "observationId": FilterColumn(_TEXT_OR_NULL, "observation_id"),
    "sessionId": FilterColumn(_TEXT_OR_NULL, "session_id"),
    "timestamp": FilterColumn(_TIME, "timestamp"),
    "configId": FilterColumn(_TEXT_OR_NULL, "config_id"),
    "metadata": FilterColumn(_METADATA, "metadata"),
}
"""Columns the ``filter`` of the score lists may name."""


def accepted_types(columns: Mapping[str, FilterColumn]) -> Mapping[str, frozenset[str]]:
    """Each column id of a declaration with the filter types it accepts."""
    return {name: column.types for name, column in columns.items()}


TRACE_FILTER_COLUMNS = accepted_types(TRACE_FILTERS)
"""Trace columns a ``filter`` may name, each with the filter types it accepts."""

OBSERVATION_FILTER_COLUMNS = accepted_types(OBSERVATION_FILTERS)
"""Observation columns a ``filter`` may name, each with the filter types it accepts."""

SCORE_FILTER_COLUMNS = accepted_types(SCORE_FILTERS)
"""Score columns a ``filter`` may name, each with the filter types it accepts."""

TRACE_ORDER_FIELDS: Mapping[str, str] = {
    "timestamp": "timestamp",
    "name": "name",
    "userId": "user_id",
    "sessionId": "session_id",
    "release": "release",
    "version": "version",
    "environment": "environment",
    "id": "id",
}
"""``TraceQuery.order_by`` values (``orderBy`` of ``GET /traces``) and the field each sorts on."""


class Typed(Protocol):
    """A column as a store derives it from a ``FilterColumn``: it keeps its ``types``."""

    @property
    def types(self) -> frozenset[str]:
        """The filter types the column accepts."""
        ...


_Column = TypeVar("_Column", bound=Typed)


def checked_column(
    column: str, kind: str, operator: str, columns: Mapping[str, _Column]
) -> _Column:
    """The column a condition names, once its filter type and operator are allowed.

    Raises:
        InvalidInput: ``column`` is not in ``columns``, does not accept ``kind``, or
            ``kind`` does not accept ``operator``.
    """
    found = columns.get(column)
    if found is None:
        raise InvalidInput("Invalid filter", details=f"unknown filter column '{column}'")
    if kind not in found.types:
        raise InvalidInput(
            "Invalid filter", details=f"column '{column}' cannot be filtered as '{kind}'"
        )
    if operator not in FILTER_OPERATORS[kind]:
        raise InvalidInput(
            "Invalid filter", details=f"operator '{operator}' is not valid for type '{kind}'"
        )
    return found
