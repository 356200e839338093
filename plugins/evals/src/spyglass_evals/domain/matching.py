"""Whether an object matches a rule's filters, and the columns each kind of object has.

A rule's filters are Langfuse's filter conditions (``evaluator_shapes.RuleFilter``, stored
as their wire JSON). Every condition must hold. The object is seen as a row of columns
named like the read API's (``name``, ``traceName``, ``userId``, ``tags``, ``metadata`` ...);
a column the object does not have reads as absent, which satisfies only negative
conditions (``none of``, ``does not contain``, ``is not set``, ``is null``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.events import ExperimentItemRan
from spyglass_core.domain.tracing import Observation, Trace

__all__ = ("experiment_item_row", "matches", "observation_row", "trace_row")

_COMPARE = {
    "=": lambda a, b: a == b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
}


def trace_row(trace: Trace) -> dict[str, Any]:
    """A trace's columns (its name answers both ``name`` and ``traceName``)."""
    return {
        "name": trace.name,
        "traceName": trace.name,
        "environment": trace.environment,
        "userId": trace.user_id,
        "sessionId": trace.session_id,
        "version": trace.version,
        "release": trace.release,
        "tags": list(trace.tags),
        "metadata": dict(trace.metadata),
        "timestamp": trace.timestamp,
    }


def observation_row(observation: Observation, trace: Trace | None) -> dict[str, Any]:
    """An observation's columns, with its trace's name, user, session and tags."""
    return {
        "type": observation.type.value,
        "name": observation.name,
        "environment": observation.environment,
        "level": observation.level.value,
        "version": observation.version,
        "metadata": dict(observation.metadata),
        "isRootObservation": observation.parent_observation_id is None,
        "parentObservationId": observation.parent_observation_id,
        "traceName": trace.name if trace else None,
        "userId": trace.user_id if trace else None,
        "sessionId": trace.session_id if trace else None,
        "tags": list(trace.tags) if trace else [],
        "startTime": observation.start_time,
    }


def experiment_item_row(item: ExperimentItemRan) -> dict[str, Any]:
    """An experiment item's columns: its experiment, dataset and the experiment's metadata."""
    metadata = item.experiment_metadata if isinstance(item.experiment_metadata, dict) else {}
    return {
        "experimentId": item.experiment_id,
        "name": item.experiment_name,
        "datasetId": item.dataset_id,
        "isExperimentItemRootSpan": True,
        "metadata": {str(k): v for k, v in metadata.items()},
        "startTime": item.start_time,
    }


def matches(filters: Sequence[Mapping[str, Any]], row: Mapping[str, Any]) -> bool:
    """Whether every condition holds for ``row``."""
    return all(_holds(condition, row) for condition in filters)


def _holds(condition: Mapping[str, Any], row: Mapping[str, Any]) -> bool:
    kind = str(condition.get("type"))
    operator = str(condition.get("operator"))
    wanted: Any = condition.get("value")
    value: Any = row.get(str(condition.get("column")))
    if kind in ("stringObject", "numberObject", "categoryOptions"):
        value = value.get(condition.get("key")) if isinstance(value, Mapping) else None
        kind = {"stringObject": "string", "numberObject": "number"}.get(kind, "stringOptions")
        if operator in ("is set", "is not set"):
            return (value is not None) == (operator == "is set")
    if kind == "null":
        return (value is None) == (operator == "is null")
    if kind == "boolean":
        return isinstance(value, bool) and (value == wanted) == (operator == "=")
    if kind == "stringOptions":
        inside = value is not None and str(value) in wanted
        return inside if operator == "any of" else not inside
    if kind == "arrayOptions":
        present = {str(v) for v in value} if isinstance(value, list) else set()
        if operator == "all of":
            return set(wanted) <= present
        overlap = bool(present & set(wanted))
        return overlap if operator == "any of" else not overlap
    if kind == "string":
        return _string_holds(operator, None if value is None else str(value), str(wanted))
    if kind == "number":
        number = _number(value)
        return number is not None and bool(_COMPARE[operator](number, float(wanted)))
    if kind == "datetime":
        if not isinstance(value, datetime):
            return False
        bound = wanted if isinstance(wanted, datetime) else msgspec.convert(wanted, datetime)
        return bool(_COMPARE[operator](value, bound))
    return False


def _string_holds(operator: str, value: str | None, wanted: str) -> bool:
    if operator == "does not contain":
        return value is None or wanted not in value
    if value is None:
        return False
    if operator == "=":
        return value == wanted
    if operator == "contains":
        return wanted in value
    if operator == "starts with":
        return value.startswith(wanted)
    if operator == "ends with":
        return value.endswith(wanted)
    return False


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
