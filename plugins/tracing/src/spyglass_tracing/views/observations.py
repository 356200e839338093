"""Wire shapes of observations: ``GET /observations`` items (``ObservationView``, also in
trace details) and the field-grouped items of ``/v2/observations``."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.tracing import Observation, Trace
from spyglass_tracing.domain.time import utc, utc_or_none
from spyglass_tracing.views.wire import decode_json_text, decoded_metadata, row_times

__all__ = (
    "METADATA_PREVIEW_CHARS",
    "OBSERVATION_V2_GROUPS",
    "ObservationView",
    "Usage",
    "observation_v2",
    "observation_view",
)

METADATA_PREVIEW_CHARS = 200
"""``/v2/observations`` cuts metadata values to this length unless ``expandMetadata``."""

OBSERVATION_V2_GROUPS = frozenset(
    {"core", "basic", "time", "io", "metadata", "model", "usage", "prompt", "metrics",
     "trace_context"}
)  # fmt: skip
"""Field groups of ``/v2/observations``."""


class Usage(msgspec.Struct, kw_only=True):
    """Langfuse's legacy ``usage`` object, from ``usageDetails``."""

    input: int
    output: int
    total: int
    unit: str | None


class ObservationView(msgspec.Struct, kw_only=True, rename="camel"):
    """Langfuse's ``ObservationsView`` (``GET /observations``, trace details)."""

    id: str
    trace_id: str
    project_id: str
    type: str
    name: str | None
    start_time: datetime
    end_time: datetime | None
    completion_start_time: datetime | None
    model: str | None
    model_parameters: Any
    input: Any
    output: Any
    metadata: Any
    level: str
    status_message: str | None
    parent_observation_id: str | None
    version: str | None
    environment: str
    prompt_id: str | None
    prompt_name: str | None
    prompt_version: int | None
    usage_details: dict[str, int]
    cost_details: dict[str, float]
    provided_usage_details: dict[str, int]
    provided_cost_details: dict[str, float]
    total_cost: float | None
    calculated_input_cost: float | None
    calculated_output_cost: float | None
    calculated_total_cost: float | None
    usage: Usage
    input_usage: int
    output_usage: int
    total_usage: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    unit: str | None
    latency: float | None
    time_to_first_token: float | None
    model_id: str | None
    input_price: float | None = None
    output_price: float | None = None
    total_price: float | None = None
    created_at: datetime
    updated_at: datetime


def _seconds(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else (utc(end) - utc(start)).total_seconds()


def _usage_counts(details: Mapping[str, int]) -> tuple[int, int, int]:
    input_units = details.get("input", 0)
    output_units = details.get("output", 0)
    return input_units, output_units, details.get("total", input_units + output_units)


def observation_view(observation: Observation) -> ObservationView:
    """An observation as ``GET /observations`` returns it."""
    o = observation
    start, created, updated = row_times(o.start_time, o.created_at, o.updated_at)
    input_units, output_units, total_units = _usage_counts(o.usage_details)
    unit = "TOKENS"
    return ObservationView(
        id=o.id,
        trace_id=o.trace_id,
        project_id=o.project_id,
        type=o.type.value,
        name=o.name,
        start_time=start,
        end_time=utc_or_none(o.end_time),
        completion_start_time=utc_or_none(o.completion_start_time),
        model=o.provided_model_name,
        model_parameters=decode_json_text(o.model_parameters),
        input=decode_json_text(o.input),
        output=decode_json_text(o.output),
        metadata=decoded_metadata(o.metadata),
        level=o.level.value,
        status_message=o.status_message,
        parent_observation_id=o.parent_observation_id,
        version=o.version,
        environment=o.environment,
        prompt_id=o.prompt_id,
        prompt_name=o.prompt_name,
        prompt_version=o.prompt_version,
        usage_details=dict(o.usage_details),
        cost_details=dict(o.cost_details),
        provided_usage_details=dict(o.provided_usage_details),
        provided_cost_details=dict(o.provided_cost_details),
        total_cost=o.total_cost,
        calculated_input_cost=o.cost_details.get("input"),
        calculated_output_cost=o.cost_details.get("output"),
        calculated_total_cost=o.cost_details.get("total", o.total_cost),
        usage=Usage(input=input_units, output=output_units, total=total_units, unit=unit),
        input_usage=input_units,
        output_usage=output_units,
        total_usage=total_units,
        prompt_tokens=input_units,
        completion_tokens=output_units,
        total_tokens=total_units,
        unit=unit,
        latency=_seconds(start, o.end_time),
        time_to_first_token=_seconds(start, o.completion_start_time),
        model_id=o.internal_model_id,
        created_at=created,
        updated_at=updated,
    )


def observation_v2(
    observation: Observation,
    groups: Collection[str],
    trace: Trace | None,
    expand_metadata: Collection[str] = (),
) -> dict[str, Any]:
    """A ``/v2/observations`` item with the requested field ``groups`` (core always).

    IO and metadata values are the stored text; metadata values are cut to 200
    characters unless their key is in ``expand_metadata``. ``trace`` supplies the
    trace-level fields (user, session, tags …); None when the trace is unknown.
    """
    o = observation
    start = utc(o.start_time)
    item: dict[str, Any] = {
        "id": o.id,
        "traceId": o.trace_id,
        "startTime": start,
        "endTime": utc_or_none(o.end_time),
        "projectId": o.project_id,
        "parentObservationId": o.parent_observation_id,
        "type": o.type.value,
    }
    if "basic" in groups:
        item.update(
            name=o.name,
            level=o.level.value,
            statusMessage=o.status_message,
            version=o.version,
            environment=o.environment,
            bookmarked=trace.bookmarked if trace else False,
            public=trace.public if trace else False,
            userId=trace.user_id if trace else None,
            sessionId=trace.session_id if trace else None,
            isRootObservation=o.parent_observation_id is None,
        )
    if "time" in groups:
        _, created, updated = row_times(start, o.created_at, o.updated_at)
        item.update(
            completionStartTime=utc_or_none(o.completion_start_time),
            createdAt=created,
            updatedAt=updated,
        )
    if "io" in groups:
        item.update(input=o.input, output=o.output)
    if "metadata" in groups:
        item["metadata"] = {
            key: value
            if key in expand_metadata or len(value) <= METADATA_PREVIEW_CHARS
            else value[:METADATA_PREVIEW_CHARS]
            for key, value in o.metadata.items()
        }
    if "model" in groups:
        item.update(
            model=o.provided_model_name,
            providedModelName=o.provided_model_name,
            internalModelId=o.internal_model_id,
            modelId=o.internal_model_id,
            modelParameters=decode_json_text(o.model_parameters),
            inputPrice=None,
            outputPrice=None,
            totalPrice=None,
        )
    if "usage" in groups:
        item.update(
            usageDetails=dict(o.usage_details),
            costDetails=dict(o.cost_details),
            totalCost=o.total_cost,
            providedUsageDetails=dict(o.provided_usage_details),
            providedCostDetails=dict(o.provided_cost_details),
            usagePricingTierName=None,
        )
    if "prompt" in groups:
        item.update(promptId=o.prompt_id, promptName=o.prompt_name, promptVersion=o.prompt_version)
    if "metrics" in groups:
        item.update(
            latency=_seconds(start, o.end_time),
            timeToFirstToken=_seconds(start, o.completion_start_time),
        )
    if "trace_context" in groups:
        item.update(
            traceName=trace.name if trace else None,
            userId=trace.user_id if trace else None,
            sessionId=trace.session_id if trace else None,
            tags=list(trace.tags) if trace else [],
            release=trace.release if trace else None,
            traceVersion=trace.version if trace else None,
        )
    return item
