"""Score reads and deletes: ``GET /scores`` (v1, trace scores), ``GET /v2/scores``,
``GET /v3/scores`` (cursor, typed values), ``GET /scores/{id}``, ``GET /v2/scores/{id}``
and ``DELETE /scores/{id}``.

None of these allow scores-only (Bearer public key) access: only ``POST /scores`` does.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Response, delete, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.input_limits import MAX_PAGE
from spyglass_core.domain.tracing import ScoreDataType, ScoreSource
from spyglass_tracing.api.pages import MessageResponse, ScorePage, ScoreV3Meta, ScoreV3Page
from spyglass_tracing.api.reads import (
    MAX_PAGE_LIMIT,
    choice,
    comma_list,
    field_groups,
    filters,
    offset_page,
    unless_filtered,
    when,
)
from spyglass_tracing.domain.filter_columns import SCORE_FILTERS
from spyglass_tracing.domain.queries import FilterCondition, ScoreQuery
from spyglass_tracing.services.reads import TracingReads
from spyglass_tracing.views.scores import ScoreView
from spyglass_tracing.views.wire import decode_cursor

__all__ = ("SCORE_READ_ROUTES",)

_OPERATORS = frozenset({"<", ">", "<=", ">=", "!=", "="})
_V1_TYPES = tuple(t.value for t in ScoreDataType if t is not ScoreDataType.CORRECTION)
_V2_GROUPS = frozenset({"score", "trace"})
_V3_GROUPS = frozenset({"details", "subject", "annotation"})
_V3_VALUE_TYPES = frozenset(
    {ScoreDataType.NUMERIC, ScoreDataType.BOOLEAN, ScoreDataType.CATEGORICAL}
)
_MAX_V3_BRANCHES = 50
"""A v3 request may OR at most this many (numeric value, experiment) combinations."""

_HAS_TRACE = FilterCondition(column="traceId", type="null", operator="is not null")


def _invalid(details: str) -> InvalidInput:
    return InvalidInput("Invalid request data", details=details)


def _operator(operator: str | None, value: float | None) -> tuple[str | None, float | None]:
    if operator is not None and operator not in _OPERATORS:
        raise _invalid(f"operator must be one of: {' '.join(sorted(_OPERATORS))}")
    if operator is None or value is None:
        return None, None
    return operator, value


def _one(value: str | None) -> list[str]:
    return [value] if value is not None else []


@get("/scores")
async def list_scores_v1(
    principal: FromDishka[Principal],
    reads: FromDishka[TracingReads],
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_LIMIT)] = 50,
    user_id: Annotated[str | None, QueryParameter(name="userId")] = None,
    name: FromQuery[str | None] = None,
    from_timestamp: Annotated[datetime | None, QueryParameter(name="fromTimestamp")] = None,
    to_timestamp: Annotated[datetime | None, QueryParameter(name="toTimestamp")] = None,
    source: FromQuery[str | None] = None,
    operator: FromQuery[str | None] = None,
    value: FromQuery[float | None] = None,
    score_ids: Annotated[str | None, QueryParameter(name="scoreIds")] = None,
    config_id: Annotated[str | None, QueryParameter(name="configId")] = None,
    queue_id: Annotated[str | None, QueryParameter(name="queueId")] = None,
    data_type: Annotated[str | None, QueryParameter(name="dataType")] = None,
    trace_tags: Annotated[list[str] | None, QueryParameter(name="traceTags")] = None,
    environment: FromQuery[list[str] | None] = None,
    session_id: Annotated[str | None, QueryParameter(name="sessionId")] = None,
    dataset_run_id: Annotated[str | None, QueryParameter(name="datasetRunId")] = None,
    trace_id: Annotated[str | None, QueryParameter(name="traceId")] = None,
) -> ScorePage:
    """Trace scores (legacy): no session, dataset-run or CORRECTION scores."""
    for parameter, given in (
        ("sessionId", session_id),
        ("datasetRunId", dataset_run_id),
        ("traceId", trace_id),
    ):
        if given is not None:
            raise _invalid(f"{parameter} is not supported by GET /scores; use /v2/scores")
    kind = choice(data_type, ScoreDataType, "dataType")
    if kind is ScoreDataType.CORRECTION:
        raise _invalid(f"dataType must be one of: {', '.join(_V1_TYPES)}")
    origin = choice(source, ScoreSource, "source")
    value_operator, compared = _operator(operator, value)
    query = ScoreQuery(
        ids=comma_list(score_ids),
        names=_one(name),
        sources=_one(origin.value if origin else None),
        data_types=[kind.value] if kind else _V1_TYPES,
        environments=environment or (),
        config_ids=_one(config_id),
        queue_ids=_one(queue_id),
        user_id=user_id,
        trace_tags=trace_tags or (),
        from_timestamp=when(from_timestamp),
        to_timestamp=when(to_timestamp),
        value_operator=value_operator,
        value=compared,
        filters=[_HAS_TRACE],
        offset=(page - 1) * limit,
        limit=limit,
    )
    items, total = await reads.scores(principal.project_id, query, with_trace=True)
    return ScorePage(**offset_page(items, page, limit, total))


@get("/v2/scores")
async def list_scores_v2(
    principal: FromDishka[Principal],
    reads: FromDishka[TracingReads],
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_LIMIT)] = 50,
    user_id: Annotated[str | None, QueryParameter(name="userId")] = None,
    name: FromQuery[str | None] = None,
    from_timestamp: Annotated[datetime | None, QueryParameter(name="fromTimestamp")] = None,
    to_timestamp: Annotated[datetime | None, QueryParameter(name="toTimestamp")] = None,
    environment: FromQuery[list[str] | None] = None,
    source: FromQuery[str | None] = None,
    operator: FromQuery[str | None] = None,
    value: FromQuery[float | None] = None,
    score_ids: Annotated[str | None, QueryParameter(name="scoreIds")] = None,
    config_id: Annotated[str | None, QueryParameter(name="configId")] = None,
    session_id: Annotated[str | None, QueryParameter(name="sessionId")] = None,
    dataset_run_id: Annotated[str | None, QueryParameter(name="datasetRunId")] = None,
    trace_id: Annotated[str | None, QueryParameter(name="traceId")] = None,
    observation_id: Annotated[str | None, QueryParameter(name="observationId")] = None,
    queue_id: Annotated[str | None, QueryParameter(name="queueId")] = None,
    data_type: Annotated[str | None, QueryParameter(name="dataType")] = None,
    trace_tags: Annotated[list[str] | None, QueryParameter(name="traceTags")] = None,
    fields: FromQuery[str | None] = None,
    filter: FromQuery[str | None] = None,
) -> ScorePage:
    """Trace, observation, session and dataset-run scores, newest first."""
    groups = field_groups(fields, _V2_GROUPS, _V2_GROUPS)
    if "score" not in groups:
        raise _invalid("the 'trace' field group needs the 'score' field group")
    if "trace" not in groups and (user_id is not None or trace_tags):
        raise _invalid("filtering by userId or traceTags needs the 'trace' field group")
    conditions = filters(filter, SCORE_FILTERS)
    kind = choice(data_type, ScoreDataType, "dataType")
    origin = choice(source, ScoreSource, "source")
    value_operator, compared = _operator(operator, value)
    if any(c.column == "value" for c in conditions):
        value_operator = compared = None
    timed = any(c.column == "timestamp" for c in conditions)
    query = ScoreQuery(
        ids=unless_filtered(conditions, "id", comma_list(score_ids)) or (),
        names=unless_filtered(conditions, "name", _one(name)) or (),
        sources=unless_filtered(conditions, "source", _one(origin.value if origin else None)) or (),
        data_types=unless_filtered(conditions, "dataType", _one(kind.value if kind else None))
        or (),
        environments=unless_filtered(conditions, "environment", environment or []) or (),
        config_ids=unless_filtered(conditions, "configId", _one(config_id)) or (),
        queue_ids=_one(queue_id),
        trace_id=unless_filtered(conditions, "traceId", trace_id),
        observation_ids=unless_filtered(conditions, "observationId", comma_list(observation_id))
        or (),
        session_id=unless_filtered(conditions, "sessionId", session_id),
        dataset_run_id=dataset_run_id,
        user_id=user_id,
        trace_tags=trace_tags or (),
        from_timestamp=None if timed else when(from_timestamp),
        to_timestamp=None if timed else when(to_timestamp),
        value_operator=value_operator,
        value=compared,
        filters=conditions,
        offset=(page - 1) * limit,
        limit=limit,
    )
    items, total = await reads.scores(principal.project_id, query, with_trace="trace" in groups)
    return ScorePage(**offset_page(items, page, limit, total))


# --- v3 -----------------------------------------------------------------------------------


def _v3_types(raw: str | None) -> list[ScoreDataType]:
    kinds = [choice(item, ScoreDataType, "dataType") for item in comma_list(raw)]
    return [kind for kind in kinds if kind is not None]


def _v3_values(raw: str | None, kinds: Sequence[ScoreDataType]) -> tuple[list[float], list[str]]:
    """(numeric values to OR, categorical string values) of the ``value`` filter."""
    values = comma_list(raw)
    if not values:
        return [], []
    if len(kinds) != 1 or kinds[0] not in _V3_VALUE_TYPES:
        raise _invalid("value needs exactly one dataType: NUMERIC, BOOLEAN or CATEGORICAL")
    kind = kinds[0]
    if kind is ScoreDataType.CATEGORICAL:
        return [], values
    if kind is ScoreDataType.BOOLEAN:
        flags = {item.lower() for item in values}
        if not flags <= {"true", "false"}:
            raise _invalid("BOOLEAN values must be 'true' or 'false'")
        return [1.0 if flag == "true" else 0.0 for flag in sorted(flags)], []
    try:
        numbers = [float(item) for item in values]
    except ValueError:
        raise _invalid("NUMERIC values must be numbers") from None
    if not all(math.isfinite(number) for number in numbers):
        raise _invalid("NUMERIC values must be finite numbers")
    return list(dict.fromkeys(numbers)), []


def _any_of(column: str, values: list[str]) -> list[FilterCondition]:
    return [FilterCondition(column=column, type="stringOptions", operator="any of", value=values)]


@get("/v3/scores")
async def list_scores_v3(
    principal: FromDishka[Principal],
    reads: FromDishka[TracingReads],
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_LIMIT)] = 50,
    cursor: FromQuery[str | None] = None,
    fields: FromQuery[str | None] = None,
    id: FromQuery[str | None] = None,
    name: FromQuery[str | None] = None,
    source: FromQuery[str | None] = None,
    data_type: Annotated[str | None, QueryParameter(name="dataType")] = None,
    environment: FromQuery[list[str] | None] = None,
    config_id: Annotated[str | None, QueryParameter(name="configId")] = None,
    queue_id: Annotated[str | None, QueryParameter(name="queueId")] = None,
    author_user_id: Annotated[str | None, QueryParameter(name="authorUserId")] = None,
    value: FromQuery[str | None] = None,
    value_min: Annotated[float | None, QueryParameter(name="valueMin")] = None,
    value_max: Annotated[float | None, QueryParameter(name="valueMax")] = None,
    trace_id: Annotated[str | None, QueryParameter(name="traceId")] = None,
    session_id: Annotated[str | None, QueryParameter(name="sessionId")] = None,
    observation_id: Annotated[str | None, QueryParameter(name="observationId")] = None,
    experiment_id: Annotated[str | None, QueryParameter(name="experimentId")] = None,
    from_timestamp: Annotated[datetime | None, QueryParameter(name="fromTimestamp")] = None,
    to_timestamp: Annotated[datetime | None, QueryParameter(name="toTimestamp")] = None,
    user_id: Annotated[str | None, QueryParameter(name="userId")] = None,
    trace_tags: Annotated[list[str] | None, QueryParameter(name="traceTags")] = None,
) -> ScoreV3Page:
    """Scores newest first, keyset-paged, ``value`` typed by ``dataType``.

    Comma lists OR within a filter and AND across filters. The subject filters
    ``traceId`` (with ``observationId``), ``sessionId`` and ``experimentId`` exclude
    each other.
    """
    if user_id is not None or trace_tags:
        raise _invalid("userId and traceTags are not supported by /v3/scores")
    groups = field_groups(fields, _V3_GROUPS, ())
    kinds = _v3_types(data_type)
    numbers, strings = _v3_values(value, kinds)
    if (value_min is not None or value_max is not None) and kinds != [ScoreDataType.NUMERIC]:
        raise _invalid("valueMin and valueMax need dataType=NUMERIC")
    traces, sessions = comma_list(trace_id), comma_list(session_id)
    observations, experiments = comma_list(observation_id), comma_list(experiment_id)
    if sum(1 for given in (traces, sessions, experiments) if given) > 1:
        raise _invalid("traceId, sessionId and experimentId are mutually exclusive")
    if observations and not traces:
        raise _invalid("observationId needs traceId")
    number_options: list[float | None] = [*numbers] or [None]
    experiment_options: list[str | None] = [*experiments] or [None]
    branches = list(itertools.product(number_options, experiment_options))
    if len(branches) > _MAX_V3_BRANCHES:
        raise _invalid(f"at most {_MAX_V3_BRANCHES} value and experiment combinations")
    sources = [choice(item, ScoreSource, "source") for item in comma_list(source)]
    environments = [item for entry in environment or () for item in comma_list(entry)]
    base = ScoreQuery(
        ids=comma_list(id),
        names=comma_list(name),
        sources=[origin.value for origin in sources if origin],
        data_types=[kind.value for kind in kinds],
        environments=environments,
        config_ids=comma_list(config_id),
        queue_ids=comma_list(queue_id),
        author_user_ids=comma_list(author_user_id),
        string_values=strings,
        trace_id=traces[0] if len(traces) == 1 else None,
        observation_ids=observations,
        session_id=sessions[0] if len(sessions) == 1 else None,
        from_timestamp=when(from_timestamp),
        to_timestamp=when(to_timestamp),
        value_min=value_min,
        value_max=value_max,
        filters=[
            *(_any_of("traceId", traces) if len(traces) > 1 else ()),
            *(_any_of("sessionId", sessions) if len(sessions) > 1 else ()),
        ],
        limit=limit,
        after=decode_cursor(cursor) if cursor else None,
        with_total=False,
    )
    queries = [
        msgspec.structs.replace(
            base,
            value_operator="=" if number is not None else None,
            value=number,
            dataset_run_id=experiment,
        )
        for number, experiment in branches
    ]
    items, next_cursor = await reads.scores_v3(principal.project_id, queries, groups)
    return ScoreV3Page(data=items, meta=ScoreV3Meta(limit=limit, cursor=next_cursor))


# --- one score ----------------------------------------------------------------------------


@get("/scores/{score_id:str}")
async def get_score_v1(
    score_id: FromPath[str],
    principal: FromDishka[Principal],
    reads: FromDishka[TracingReads],
) -> ScoreView:
    """One score; 404 when absent."""
    return await reads.score(principal.project_id, score_id)


@get("/v2/scores/{score_id:str}")
async def get_score_v2(
    score_id: FromPath[str],
    principal: FromDishka[Principal],
    reads: FromDishka[TracingReads],
) -> ScoreView:
    """One score of any subject; 404 when absent."""
    return await reads.score(principal.project_id, score_id)


@delete("/scores/{score_id:str}", status_code=HTTP_202_ACCEPTED)
async def delete_score(
    score_id: FromPath[str],
    principal: FromDishka[Principal],
    reads: FromDishka[TracingReads],
) -> Response[MessageResponse]:
    """Delete a score (202; an unknown id too)."""
    await reads.delete_score(principal.project_id, score_id)
    return Response(
        MessageResponse(message="Score deleted successfully"), status_code=HTTP_202_ACCEPTED
    )


SCORE_READ_ROUTES = [
    list_scores_v1,
    list_scores_v2,
    list_scores_v3,
    get_score_v1,
    get_score_v2,
    delete_score,
]
