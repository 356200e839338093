"""Experiment items read from ``langfuse.experiment.*`` span attributes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from spyglass_tracing.domain.otel import OtelSpan
from spyglass_tracing.domain.otel.experiments import experiment_items

TRACE = "c3088761968ff027baa197c8c6035489"
RUN_SPAN, TASK_SPAN = "e289026c524fa3eb", "9b064d9a43cc536c"
START = 1_795_391_526_000_000_000

EXPERIMENT = {
    "langfuse.experiment.id": "a85cc95aeea330a2",
    "langfuse.experiment.name": "exp-run-1",
    "langfuse.experiment.description": "try",
    "langfuse.experiment.metadata": '{"model": "m"}',
    "langfuse.experiment.dataset.id": "ds-1",
    "langfuse.experiment.item.id": "item-1",
    "langfuse.experiment.item.version": '"2026-11-20T10:00:00Z"',
    "langfuse.experiment.item.expected_output": "4",
    "langfuse.experiment.item.metadata": '{"i": 1}',
    "langfuse.experiment.item.root_observation_id": TASK_SPAN,
}


def span(span_id: str, parent: str | None, **attributes: Any) -> OtelSpan:
    return OtelSpan(
        trace_id=TRACE,
        span_id=span_id,
        parent_span_id=parent,
        name="s",
        start_time_unix_nano=START,
        end_time_unix_nano=START + 2_000_000,
        attributes=attributes,
    )


def test_one_item_per_trace_read_from_the_root_observation() -> None:
    spans = [span(RUN_SPAN, None, **EXPERIMENT), span(TASK_SPAN, RUN_SPAN, **EXPERIMENT)]
    [item] = experiment_items(spans)
    assert (item.experiment_id, item.experiment_name, item.item_id) == (
        "a85cc95aeea330a2",
        "exp-run-1",
        "item-1",
    )
    assert (item.trace_id, item.observation_id, item.dataset_id) == (TRACE, TASK_SPAN, "ds-1")
    assert item.experiment_metadata == {"model": "m"} and item.item_metadata == {"i": 1}
    assert item.item_expected_output == 4
    assert item.item_version == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert item.end_time is not None and (item.end_time - item.start_time).total_seconds() == 0.002


def test_without_a_named_root_the_parentless_span_is_the_root() -> None:
    attributes = {k: v for k, v in EXPERIMENT.items() if "root_observation_id" not in k}
    [item] = experiment_items(
        [span(TASK_SPAN, RUN_SPAN, **attributes), span(RUN_SPAN, None, **attributes)]
    )
    assert item.observation_id == RUN_SPAN


def test_spans_missing_the_experiment_id_name_or_item_or_invalid_are_skipped() -> None:
    for missing in (
        "langfuse.experiment.id",
        "langfuse.experiment.name",
        "langfuse.experiment.item.id",
    ):
        attributes = {k: v for k, v in EXPERIMENT.items() if k != missing}
        assert experiment_items([span(TASK_SPAN, RUN_SPAN, **attributes)]) == []
    assert experiment_items([span("zz", None, **EXPERIMENT)]) == []  # not a valid span id
    assert experiment_items([span(TASK_SPAN, RUN_SPAN)]) == []  # no experiment at all
    too_long = EXPERIMENT | {"langfuse.experiment.item.id": "x" * 300}
    assert experiment_items([span(TASK_SPAN, RUN_SPAN, **too_long)]) == []
