"""Langfuse's v4 experiments API: ``GET /experiments`` and ``GET /experiment-items``.

Both are keyset lists, newest first, over a required time window (``fromStartTime``),
with comma-list filters and the structured ``filter`` JSON on the same columns. Field
groups choose what each row carries; an unknown group is a 400.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Request, get
from litestar.params import FromQuery, QueryParameter

from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.cursors import decode_cursor, encode_cursor
from spyglass_core.domain.errors import InvalidInput
from spyglass_datasets.api.experiment_scores import ExperimentScore, experiment_scores
from spyglass_datasets.api.trace_access import trace_reading
from spyglass_datasets.domain.experiments import (
    ExperimentCursor,
    ExperimentItemQuery,
    ExperimentQuery,
    decoded_metadata,
)
from spyglass_datasets.services.experiments import ExperimentItemView, ExperimentReader

__all__ = ("EXPERIMENT_ROUTES",)

_Limit = Annotated[int, QueryParameter(ge=1, le=100)]
_ScoreLimit = Annotated[int, QueryParameter(name="scoreLimit", ge=1, le=50)]
_EXPERIMENT_FIELDS = frozenset({"core", "metadata", "scores"})
_ITEM_FIELDS = frozenset(
    {"core", "dataset", "io", "metadata", "itemMetadata", "experimentMetadata", "scores"}
)


class CursorMeta(msgspec.Struct, kw_only=True, omit_defaults=True):
    """``meta`` of a cursor page: no cursor means the last page."""

    limit: int
    cursor: str | None = None


class ExperimentResponse(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """One experiment (dataset run); ``metadata`` only with ``fields=metadata``."""

    id: str
    name: str
    start_time: datetime
    end_time: datetime
    item_count: int
    dataset_id: str | None
    description: str | None = None
    metadata: dict[str, Any] | None = None
    scores: list[ExperimentScore] | None = None


class ExperimentPage(msgspec.Struct, kw_only=True):
    data: list[ExperimentResponse]
    meta: CursorMeta


class ExperimentItemResponse(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """One experiment item: the run item, with what its trace and dataset item say."""

    id: str
    trace_id: str
    start_time: datetime
    level: str
    environment: str
    experiment_id: str
    experiment_name: str
    experiment_item_id: str
    end_time: datetime | None = None
    experiment_dataset_id: str | None = None
    experiment_item_version: datetime | None = None
    input: Any = None
    output: Any = None
    expected_output: Any = None
    metadata: dict[str, Any] | None = None
    experiment_item_metadata: dict[str, Any] | None = None
    experiment_metadata: dict[str, Any] | None = None
    experiment_description: str | None = None
    scores: list[ExperimentScore] | None = None


class ExperimentItemPage(msgspec.Struct, kw_only=True):
    data: list[ExperimentItemResponse]
    meta: CursorMeta


class _NothingMatches(Exception):
    """Two filters on one column that no value satisfies both of."""


class _Condition(msgspec.Struct, kw_only=True):
    column: str
    operator: str
    value: Any
    type: str | None = None


@get("/experiments")
async def list_experiments(
    request: Request[Any, Any, Any],
    principal: FromDishka[Principal],
    from_start_time: Annotated[datetime, QueryParameter(name="fromStartTime")],
    to_start_time: Annotated[datetime | None, QueryParameter(name="toStartTime")] = None,
    fields: FromQuery[str | None] = None,
    limit: _Limit = 50,
    score_limit: _ScoreLimit = 50,
    cursor: FromQuery[str | None] = None,
    id: FromQuery[str | None] = None,
    name: FromQuery[str | None] = None,
    dataset_id: Annotated[str | None, QueryParameter(name="datasetId")] = None,
    filter: FromQuery[str | None] = None,
) -> ExperimentPage:
    """Experiments with run items started in the window, by latest activity, newest first."""
    groups = _fields(fields, _EXPERIMENT_FIELDS, default={"core"})
    from_start_time, to_start_time = _utc(from_start_time), _utc_or_none(to_start_time)
    try:
        where = _filters(filter, {"id": "ids", "name": "names", "datasetId": "dataset_ids"})
        query = ExperimentQuery(
            start=from_start_time,
            end=to_start_time,
            ids=_joined(id, where.get("ids")),
            names=_joined(name, where.get("names")),
            dataset_ids=_joined(dataset_id, where.get("dataset_ids")),
        )
    except _NothingMatches:
        return ExperimentPage(data=[], meta=CursorMeta(limit=limit))
    after = decode_cursor(cursor, ExperimentCursor) if cursor else None
    reader = ExperimentReader(*await trace_reading(request))
    found = await reader.experiments(principal.project_id, query, after=after, limit=limit + 1)
    page = found[:limit]
    run_scores = (
        await reader.run_scores(principal.project_id, [s.run.id for s in page], limit=score_limit)
        if "scores" in groups
        else {}
    )
    data = [
        ExperimentResponse(
            id=s.run.id,
            name=s.run.name,
            description=s.run.description,
            start_time=max(s.first_at, from_start_time),
            end_time=s.last_at,
            item_count=s.item_count,
            dataset_id=s.run.dataset_id,
            metadata=decoded_metadata(s.run.metadata) if "metadata" in groups else None,
            scores=experiment_scores(run_scores.get(s.run.id, ()), score_limit)
            if "scores" in groups
            else None,
        )
        for s in page
    ]
    next_cursor = (
        encode_cursor(ExperimentCursor(at=page[-1].last_at, id=page[-1].run.id))
        if len(found) > limit
        else None
    )
    return ExperimentPage(data=data, meta=CursorMeta(limit=limit, cursor=next_cursor))


@get("/experiment-items")
async def list_experiment_items(
    request: Request[Any, Any, Any],
    principal: FromDishka[Principal],
    from_start_time: Annotated[datetime, QueryParameter(name="fromStartTime")],
    to_start_time: Annotated[datetime | None, QueryParameter(name="toStartTime")] = None,
    fields: FromQuery[str | None] = None,
    limit: _Limit = 50,
    score_limit: _ScoreLimit = 50,
    cursor: FromQuery[str | None] = None,
    experiment_id: Annotated[str | None, QueryParameter(name="experimentId")] = None,
    experiment_name: Annotated[str | None, QueryParameter(name="experimentName")] = None,
    experiment_item_id: Annotated[str | None, QueryParameter(name="experimentItemId")] = None,
    dataset_id: Annotated[str | None, QueryParameter(name="datasetId")] = None,
    filter: FromQuery[str | None] = None,
) -> ExperimentItemPage:
    """Experiment items started in the window, newest first."""
    groups = _fields(fields, _ITEM_FIELDS, default={"core", "dataset"})
    from_start_time, to_start_time = _utc(from_start_time), _utc_or_none(to_start_time)
    try:
        where = _filters(
            filter,
            {
                "experimentId": "experiment_ids",
                "experimentName": "experiment_names",
                "experimentItemId": "item_ids",
                "datasetId": "dataset_ids",
            },
        )
        query = ExperimentItemQuery(
            start=from_start_time,
            end=to_start_time,
            experiment_ids=_joined(experiment_id, where.get("experiment_ids")),
            experiment_names=_joined(experiment_name, where.get("experiment_names")),
            item_ids=_joined(experiment_item_id, where.get("item_ids")),
            dataset_ids=_joined(dataset_id, where.get("dataset_ids")),
        )
    except _NothingMatches:
        return ExperimentItemPage(data=[], meta=CursorMeta(limit=limit))
    after = decode_cursor(cursor, ExperimentCursor) if cursor else None
    reader = ExperimentReader(*await trace_reading(request))
    found = await reader.items(principal.project_id, query, after=after, limit=limit + 1)
    page = found[:limit]
    next_cursor = (
        encode_cursor(
            ExperimentCursor(at=page[-1].entry.item.created_at, id=page[-1].entry.item.id)
        )
        if len(found) > limit
        else None
    )
    trace_ids = sorted({view.trace_id for view in page if view.trace_id})
    trace_scores = (
        await reader.trace_scores(principal.project_id, trace_ids) if "scores" in groups else {}
    )
    data = [_item_response(view, groups) for view in page]
    if "scores" in groups:
        for view, response in zip(page, data, strict=True):
            scores = trace_scores.get(view.trace_id or "", ())
            response.scores = experiment_scores(scores, score_limit)
    return ExperimentItemPage(
        data=data,
        meta=CursorMeta(limit=limit, cursor=next_cursor),
    )


def _item_response(view: ExperimentItemView, groups: set[str]) -> ExperimentItemResponse:
    item, run = view.entry.item, view.entry.run
    dataset_item = view.dataset_item
    response = ExperimentItemResponse(
        id=item.observation_id or item.id,
        trace_id=view.trace_id or "",
        start_time=view.start_time,
        end_time=view.end_time,
        level=view.level,
        environment=view.environment,
        experiment_id=run.id,
        experiment_name=run.name,
        experiment_item_id=item.dataset_item_id,
    )
    if "dataset" in groups:
        response.experiment_dataset_id = run.dataset_id
        response.experiment_item_version = dataset_item.valid_from if dataset_item else None
    if "io" in groups:
        response.input = view.input
        response.output = view.output
        response.expected_output = dataset_item.expected_output if dataset_item else None
    if "metadata" in groups:
        response.metadata = view.metadata
    if "itemMetadata" in groups and dataset_item is not None:
        response.experiment_item_metadata = decoded_metadata(dataset_item.metadata)
    if "experimentMetadata" in groups:
        response.experiment_metadata = decoded_metadata(run.metadata)
        response.experiment_description = run.description
    return response


def _utc(moment: datetime) -> datetime:
    """A query time in UTC; one without a zone is read as UTC, as the other read APIs do."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return None if moment is None else _utc(moment)


def _fields(text: str | None, allowed: frozenset[str], *, default: set[str]) -> set[str]:
    if not text:
        return default
    groups = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(groups - allowed)
    if unknown:
        raise InvalidInput(
            f"Unknown field group(s): {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )
    return groups


def _filters(text: str | None, columns: dict[str, str]) -> dict[str, list[str]]:
    """The structured ``filter``: a JSON array of ``{column, operator, value}``.

    Columns are the ones named in ``columns``; operators ``=`` (a string) and ``any of``
    (a list of strings). Anything else is a 400, never a filter silently ignored.
    """
    if not text:
        return {}
    try:
        conditions = msgspec.json.decode(text, type=list[_Condition])
    except msgspec.DecodeError as error:
        raise InvalidInput(f"filter must be a JSON array of conditions: {error}") from None
    found: dict[str, list[str]] = {}
    for condition in conditions:
        key = columns.get(condition.column)
        if key is None:
            raise InvalidInput(
                f"filter column '{condition.column}' is not one of: {', '.join(columns)}"
            )
        if condition.operator == "=" and isinstance(condition.value, str):
            values = [condition.value]
        elif condition.operator == "any of" and isinstance(condition.value, list):
            values = [str(value) for value in condition.value]
            if not values:
                raise _NothingMatches
        else:
            raise InvalidInput(
                f"filter on '{condition.column}' supports '=' with a string "
                "or 'any of' with a list of strings"
            )
        found[key] = _both(found.get(key), values)
    return found


def _joined(listed: str | None, filtered: Sequence[str] | None) -> Sequence[str]:
    """A comma list and a structured filter on one column: both must hold."""
    if listed is None or not listed.strip():
        return list(filtered or ())
    values = [part.strip() for part in listed.split(",") if part.strip()]
    if not values:  # only commas: a list of nothing, not "any"
        raise _NothingMatches
    return _both(values, filtered)


def _both(first: Sequence[str] | None, second: Sequence[str] | None) -> list[str]:
    """Values allowed by both lists (None allows any); none → ``_NothingMatches``."""
    if first is None:
        return list(second or ())
    if second is None:
        return list(first)
    both = [value for value in first if value in second]
    if not both:
        raise _NothingMatches
    return both


EXPERIMENT_ROUTES = [list_experiments, list_experiment_items]
