"""The tracing plugin's implementations of core's cross-feature ports over traces."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from msgspec import UNSET

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.trace_selection import TraceSelection
from spyglass_core.domain.tracing import Observation, Score, ScoreDataType, Trace
from spyglass_core.ports.traces import LLMCall, LLMCallTracer, ScoreWriter, TraceReader, TraceTotals
from spyglass_tracing.domain.envelopes import InvalidEvent, normalize_score
from spyglass_tracing.domain.ingestion import EntityEvent, ObservationBody, ScoreBody, TraceBody
from spyglass_tracing.domain.queries import ScoreQuery, TraceQuery
from spyglass_tracing.domain.time import utc_or_none
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.services.intake import Attribution, BatchIntake
from spyglass_tracing.services.score_rules import ScoreConfigChecker

__all__ = ("AnalyticsTraceReader", "IngestingLLMCallTracer", "IngestingScoreWriter")

_INTERNAL = Attribution(sdk_name="spyglass-internal")
_RUN_SCORES_PAGE = 1000  # run-level scores read per query


class AnalyticsTraceReader(TraceReader):
    """Reads through the analytics store."""

    def __init__(self, analytics: AnalyticsStore) -> None:
        self._analytics = analytics

    async def get_trace(self, project_id: str, trace_id: str) -> Trace | None:
        return await self._analytics.get_trace(project_id, trace_id)

    async def get_observation(self, project_id: str, observation_id: str) -> Observation | None:
        return await self._analytics.get_observation(project_id, observation_id)

    async def observations_of_trace(self, project_id: str, trace_id: str) -> Sequence[Observation]:
        return await self._analytics.list_observations(project_id, trace_id)

    async def scores_of_trace(self, project_id: str, trace_id: str) -> Sequence[Score]:
        return await self._analytics.list_scores(project_id, trace_id)

    async def get_traces(self, project_id: str, trace_ids: Sequence[str]) -> Sequence[Trace]:
        return await self._analytics.get_traces(project_id, trace_ids) if trace_ids else []

    async def get_observations(
        self, project_id: str, observation_ids: Sequence[str]
    ) -> Sequence[Observation]:
        if not observation_ids:
            return []
        return await self._analytics.get_observations(project_id, observation_ids)

    async def trace_totals(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> Mapping[str, TraceTotals]:
        metrics = await self._analytics.trace_metrics(project_id, trace_ids)
        return {
            trace_id: TraceTotals(trace_id=trace_id, latency=m.latency, total_cost=m.total_cost)
            for trace_id, m in metrics.items()
        }

    async def scores_of_traces(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> Mapping[str, Sequence[Score]]:
        return await self._analytics.scores_of_traces(project_id, trace_ids)

    async def scores_of_dataset_runs(
        self, project_id: str, run_ids: Sequence[str], *, limit: int | None = None
    ) -> Mapping[str, Sequence[Score]]:
        found: dict[str, Sequence[Score]] = {}
        page_size = _RUN_SCORES_PAGE if limit is None else min(limit, _RUN_SCORES_PAGE)
        for run_id in dict.fromkeys(run_ids):
            scores: list[Score] = []
            after: tuple[datetime, str] | None = None
            while True:
                query = ScoreQuery(
                    dataset_run_id=run_id, limit=page_size, after=after, with_total=False
                )
                page = (await self._analytics.find_scores(project_id, query)).items
                scores += page
                if len(page) < page_size or (limit is not None and len(scores) >= limit):
                    break
                after = (page[-1].timestamp, page[-1].id)
            # find_scores pages newest first; the port promises timestamp order.
            found[run_id] = sorted(scores, key=lambda score: (score.timestamp, score.id))
        return found

    async def find_trace_ids(
        self, project_id: str, selection: TraceSelection, *, limit: int
    ) -> Sequence[str]:
        # The query behind GET /api/public/traces, newest first.
        query = TraceQuery(
            name=selection.name,
            user_id=selection.user_id,
            session_id=selection.session_id,
            tags=selection.tags,
            environments=selection.environments,
            from_timestamp=utc_or_none(selection.from_timestamp),
            to_timestamp=utc_or_none(selection.to_timestamp),
            order_by="timestamp",
            order_desc=True,
            limit=limit,
        )
        page = await self._analytics.find_traces(project_id, query)
        return [trace.id for trace in page.items]


class IngestingScoreWriter(ScoreWriter):
    """Sends scores through the ingestion pipeline, so they are durable and merged alike."""

    def __init__(self, intake: BatchIntake, checker: ScoreConfigChecker) -> None:
        self._intake = intake
        self._checker = checker

    async def write_scores(self, project_id: str, scores: Sequence[Score]) -> None:
        if any(score.project_id != project_id for score in scores):
            raise InvalidInput("Every score must belong to the project it is written to")
        bodies = [_body(score) for score in scores]
        problems = [p for p in await self._checker.problems(project_id, bodies) if p]
        if problems:
            raise InvalidInput("Invalid score", details="; ".join(problems))
        events = [
            EntityEvent(
                id=uuid.uuid4().hex, type="score-create", timestamp=score.timestamp, score=body
            )
            for score, body in zip(scores, bodies, strict=True)
        ]
        await self._intake.accept(project_id, events, source="scores", attribution=_INTERNAL)


class IngestingLLMCallTracer(LLMCallTracer):
    """Sends a call as a trace-create and a generation-create through the ingestion pipeline.

    The envelope ids are derived from the call's ids, so recording the same call twice
    is deduplicated like a replayed SDK batch.
    """

    def __init__(self, intake: BatchIntake) -> None:
        self._intake = intake

    async def record_llm_call(self, project_id: str, call: LLMCall) -> None:
        usage: dict[str, int] = {}
        if call.input_tokens is not None:
            usage["input"] = call.input_tokens
        if call.output_tokens is not None:
            usage["output"] = call.output_tokens
        trace = TraceBody(
            id=call.trace_id,
            timestamp=call.start_time,
            name=call.trace_name,
            input=list(map(dict, call.messages)),
            output=call.output,
            metadata=dict(call.metadata or {}),
            environment=call.environment,
        )
        generation = ObservationBody(
            id=call.observation_id,
            trace_id=call.trace_id,
            # Set here: only the API's envelope check derives it from "generation-create",
            # and an observation without a type is stored as a SPAN (unpriced).
            type="GENERATION",
            name=call.generation_name,
            start_time=call.start_time,
            end_time=call.end_time,
            model=call.model,
            model_parameters=dict(call.model_parameters or {}),
            usage_details=usage or UNSET,
            input=list(map(dict, call.messages)),
            output=call.output,
            metadata=dict(call.metadata or {}),
            level="ERROR" if call.error else "DEFAULT",
            status_message=call.error,
            environment=call.environment,
        )
        events = [
            EntityEvent(
                id=f"{call.trace_id}-trace",
                type="trace-create",
                timestamp=call.start_time,
                trace=trace,
            ),
            EntityEvent(
                id=f"{call.observation_id}-generation",
                type="generation-create",
                timestamp=call.start_time,
                observation=generation,
            ),
        ]
        await self._intake.accept(project_id, events, source="llm-calls", attribution=_INTERNAL)


def _body(score: Score) -> ScoreBody:
    try:
        return normalize_score(_raw_body(score), allow_eval=True)
    except InvalidEvent as error:
        raise InvalidInput("Invalid score", details=error.message) from None


def _raw_body(score: Score) -> ScoreBody:
    value: float | str | bool = score.value
    if score.data_type is not ScoreDataType.NUMERIC and score.string_value is not None:
        value = score.string_value
    return ScoreBody(
        id=score.id,
        name=score.name,
        value=value,
        trace_id=score.trace_id,
        observation_id=score.observation_id,
        session_id=score.session_id,
        dataset_run_id=score.dataset_run_id,
        data_type=score.data_type.value,
        config_id=score.config_id,
        comment=score.comment,
        metadata=dict(score.metadata),
        environment=score.environment,
        source=score.source.value,
        queue_id=score.queue_id,
        timestamp=score.timestamp,
        author_user_id=score.author_user_id,
    )
