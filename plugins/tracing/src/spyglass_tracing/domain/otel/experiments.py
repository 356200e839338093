"""Experiment items from ``langfuse.experiment.*`` span attributes.

The v5 SDK's ``run_experiment`` records a run only through its spans: every span of an
item's trace carries the experiment's id and name and the item's id, and names the item's
root observation (the task span). One ``ExperimentItemRan`` is read per item, from that
root observation, so the run item points at the span whose input and output are the
task's. A span that names no root observation counts as the root when it has no parent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from spyglass_core.domain.events import ExperimentItemRan
from spyglass_tracing.domain.otel.spans import OtelSpan
from spyglass_tracing.domain.otel.validation import validate_span
from spyglass_tracing.domain.otel.values import (
    _json,
    _nanos_to_datetime,
    _parse_datetime,
    _str,
)

__all__ = ("experiment_items",)

_PREFIX = "langfuse.experiment."
_MAX_ID_LENGTH = 255


def experiment_items(spans: Iterable[OtelSpan]) -> list[ExperimentItemRan]:
    """One record per (experiment, item, trace) whose root observation is among ``spans``.

    Spans that fail validation are skipped, as ``spans_to_events`` skips them.
    """
    found: dict[tuple[str, str, str], ExperimentItemRan] = {}
    for span in spans:
        attrs = span.attributes if isinstance(span.attributes, dict) else {}
        if _PREFIX + "id" not in attrs or validate_span(span) is not None:
            continue
        item = _item(span, attrs)
        if item is not None:
            found.setdefault((item.experiment_id, item.item_id, item.trace_id), item)
    return list(found.values())


def _item(span: OtelSpan, attrs: Mapping[str, Any]) -> ExperimentItemRan | None:
    experiment_id = _identifier(attrs.get(_PREFIX + "id"))
    name = _str(attrs.get(_PREFIX + "name"))
    item_id = _identifier(attrs.get(_PREFIX + "item.id"))
    if experiment_id is None or item_id is None or name is None:
        return None
    span_id = str(span.span_id).lower()
    root = _identifier(attrs.get(_PREFIX + "item.root_observation_id"))
    is_root = span_id == root.lower() if root else not span.parent_span_id
    start = _nanos_to_datetime(span.start_time_unix_nano)
    if not is_root or start is None:
        return None
    end = _nanos_to_datetime(span.end_time_unix_nano)
    return ExperimentItemRan(
        experiment_id=experiment_id,
        experiment_name=name[:_MAX_ID_LENGTH],
        experiment_description=_str(attrs.get(_PREFIX + "description")),
        experiment_metadata=_object(attrs.get(_PREFIX + "metadata")),
        dataset_id=_identifier(attrs.get(_PREFIX + "dataset.id")),
        item_id=item_id,
        item_version=_parse_datetime(attrs.get(_PREFIX + "item.version")),
        item_expected_output=_json(attrs.get(_PREFIX + "item.expected_output")),
        item_metadata=_object(attrs.get(_PREFIX + "item.metadata")),
        trace_id=str(span.trace_id).lower(),
        observation_id=span_id,
        start_time=start,
        end_time=end if end is not None and end >= start else None,
    )


def _identifier(value: Any) -> str | None:
    text = _str(value)
    return text if text is not None and len(text) <= _MAX_ID_LENGTH else None


def _object(value: Any) -> Any:
    """A JSON attribute decoded; None when absent."""
    return None if value is None else _json(value)
