"""Ingestion routes: the batch API, OTLP/HTTP, scores and the legacy single-object routes.

Each handler validates, hands accepted events to ``BatchIntake`` (which stores them
durably and enqueues them) and only then answers. OTLP exports, which can hold tens of
thousands of spans, are decoded, mapped and encoded by ``OtlpDecoder`` in another
process, so the event loop keeps answering other requests meanwhile.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, patch, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_207_MULTI_STATUS

from spyglass_core.domain.api_keys import AccessLevel, Principal
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.input_limits import decode_json
from spyglass_core.ports.clock import Clock
from spyglass_tracing.api.pages import (
    IdResponse,
    IngestionResponse,
    IngestionSuccess,
    MessageResponse,
    OtlpExportResponse,
    OtlpPartialSuccess,
    ScoreBatchError,
    ScoreBatchResponse,
)
from spyglass_tracing.domain.envelopes import (
    EventError,
    InvalidEvent,
    ValidatedEvents,
    decode_batch,
    normalize_score,
    observation_event,
    trace_event,
    validate_batch,
)
from spyglass_tracing.domain.ingestion import EntityEvent, ObservationBody, ScoreBody, TraceBody
from spyglass_tracing.otlp.export import OtlpExport
from spyglass_tracing.otlp.reply import export_response
from spyglass_tracing.services.intake import Attribution, BatchIntake
from spyglass_tracing.services.otlp_decoding import OtlpDecoder
from spyglass_tracing.services.score_rules import ScoreConfigChecker

__all__ = ("INGEST_ROUTES",)

SCORES_ACCESS = {"allow_scores_access": True}
"""Route option: a Bearer public key (scores-only access) may call the route."""

OTLP_MAX_BODY_BYTES = 32 * 1024 * 1024
"""Compressed OTLP bodies up to 32 MiB; the batch API keeps Langfuse's 4.5 MB."""


def _header(request: Request[Any, Any, Any], name: str) -> str | None:
    # SDK v2 spells these with underscores, v5 with hyphens.
    return request.headers.get(name) or request.headers.get(name.replace("-", "_"))


def _attribution(request: Request[Any, Any, Any]) -> Attribution:
    return Attribution(
        sdk_name=_header(request, "x-langfuse-sdk-name"),
        sdk_version=_header(request, "x-langfuse-sdk-version"),
        public_key=_header(request, "x-langfuse-public-key"),
    )


@post("/ingestion", status_code=HTTP_207_MULTI_STATUS, opt=SCORES_ACCESS)
async def ingest_batch(
    request: Request[Any, Any, Any],
    principal: FromDishka[Principal],
    intake: FromDishka[BatchIntake],
    checker: FromDishka[ScoreConfigChecker],
    clock: FromDishka[Clock],
) -> Response[IngestionResponse]:
    """Langfuse's batch API: each event validated alone; 207 with successes and errors."""
    raw_events = decode_batch(await request.body())
    await intake.check_capacity()  # refuse before validating, not after (accept checks too)
    result = validate_batch(
        raw_events, scores_only=principal.access_level is AccessLevel.SCORES, now=clock.now
    )
    events = await _checked_scores(principal.project_id, result.events, result, checker)
    await intake.accept(
        principal.project_id,
        events,
        source="ingestion",
        attribution=_attribution(request),
        dedupe=True,
    )
    failed = {error.id for error in result.errors}
    successes = [IngestionSuccess(id=i) for i in result.success_ids if i not in failed]
    return Response(
        IngestionResponse(successes=successes, errors=list(result.errors)),
        status_code=HTTP_207_MULTI_STATUS,
    )


async def _checked_scores(
    project_id: str,
    events: list[EntityEvent],
    result: ValidatedEvents,
    checker: ScoreConfigChecker,
) -> list[EntityEvent]:
    """Events minus the scores their config rejects; those become 400 entries of ``result``."""
    scores = [(event, event.score) for event in events if event.score is not None]
    if not scores:
        return events
    problems = await checker.problems(project_id, [score for _, score in scores])
    rejected = set()
    for (event, _), problem in zip(scores, problems, strict=True):
        if problem is not None:
            rejected.add(event.id)
            result.errors.append(
                EventError(id=event.id, status=400, message="Invalid request data", error=problem)
            )
    return [event for event in events if event.id not in rejected]


@post(
    "/otel/v1/traces",
    status_code=HTTP_200_OK,
    request_max_body_size=OTLP_MAX_BODY_BYTES,
    responses={
        200: ResponseSpec(
            OtlpExportResponse,
            description="ExportTraceServiceResponse: protobuf for a protobuf export, else JSON",
            generate_examples=False,
        )
    },
)
async def ingest_otlp(
    request: Request[Any, Any, Any],
    principal: FromDishka[Principal],
    intake: FromDishka[BatchIntake],
    decoder: FromDishka[OtlpDecoder],
) -> Response[Any]:
    """OTLP/HTTP trace export (protobuf or JSON, optionally gzip); 200 with partial success."""
    content_type = request.headers.get("content-type", "")
    if "protobuf" not in content_type and "json" not in content_type:
        raise InvalidInput("Invalid content type", details="Invalid content type")
    body = await request.body()
    await intake.check_capacity()  # refuse before the costly decoding (storing checks too)
    batch = intake.new_batch(principal.project_id, source="otel", attribution=_attribution(request))
    encoded = await decoder.decode(
        OtlpExport(
            body=body,
            content_type=content_type,
            content_encoding=request.headers.get("content-encoding", ""),
            batch=batch,
        )
    )
    await intake.store_encoded(batch, encoded.blob, encoded.event_count)
    rejections = encoded.rejections
    return _otlp_response(content_type, len(rejections), "; ".join(rejections[:20]))


def _otlp_response(content_type: str, rejected: int, message: str) -> Response[Any]:
    if "protobuf" in content_type:
        return Response(
            export_response(rejected, message),
            media_type="application/x-protobuf",
            status_code=200,
        )
    partial = OtlpPartialSuccess(rejected_spans=rejected, error_message=message)
    return Response(OtlpExportResponse(partial_success=partial if rejected else None))


# One score answers 200 {id}; an array 202, or 207 when some scores were refused.
_SCORE_RESPONSES = {
    200: ResponseSpec(IdResponse, description="The stored score's id", generate_examples=False),
    202: ResponseSpec(MessageResponse, description="Every score accepted", generate_examples=False),
    207: ResponseSpec(
        ScoreBatchResponse, description="Some scores refused", generate_examples=False
    ),
}


@post("/scores", status_code=HTTP_200_OK, opt=SCORES_ACCESS, responses=_SCORE_RESPONSES)
async def create_scores(
    request: Request[Any, Any, Any],
    principal: FromDishka[Principal],
    intake: FromDishka[BatchIntake],
    checker: FromDishka[ScoreConfigChecker],
    clock: FromDishka[Clock],
) -> Response[Any]:
    """One score (a JSON object → ``{id}``) or the v5 SDK's array (→ 202 Accepted)."""
    document = decode_json(await request.body())
    if isinstance(document, list):
        return await _create_score_list(request, document, principal, intake, checker, clock)
    body = _score_body(document, allow_eval=False)
    problem = (await checker.problems(principal.project_id, [body]))[0]
    if problem:
        raise InvalidInput("Invalid request data", details=problem)
    await intake.accept(
        principal.project_id,
        [_score_event(body, clock.now())],
        source="scores",
        attribution=_attribution(request),
    )
    return Response(IdResponse(id=str(body.id)), status_code=HTTP_200_OK)


async def _create_score_list(
    request: Request[Any, Any, Any],
    items: list[Any],
    principal: Principal,
    intake: BatchIntake,
    checker: ScoreConfigChecker,
    clock: Clock,
) -> Response[Any]:
    bodies: list[ScoreBody] = []
    errors: list[ScoreBatchError] = []
    for item in items:
        try:
            bodies.append(_score_body(item, allow_eval=True))
        except InvalidInput as error:
            errors.append(ScoreBatchError(message=f"{error.message}: {error.details}"))
    problems = await checker.problems(principal.project_id, bodies)
    accepted = [body for body, problem in zip(bodies, problems, strict=True) if not problem]
    errors.extend(ScoreBatchError(message=problem) for problem in problems if problem)
    now = clock.now()
    await intake.accept(
        principal.project_id,
        [_score_event(body, now) for body in accepted],
        source="scores",
        attribution=_attribution(request),
    )
    if errors:
        return Response(
            ScoreBatchResponse(accepted=len(accepted), rejected=len(errors), errors=errors),
            status_code=HTTP_207_MULTI_STATUS,
        )
    return Response(MessageResponse(message="Accepted"), status_code=202)


def _score_body(document: Any, *, allow_eval: bool) -> ScoreBody:
    try:
        body = msgspec.convert(document, ScoreBody)
        return normalize_score(body, allow_eval=allow_eval)
    except msgspec.ValidationError as error:
        raise InvalidInput("Invalid request data", details=str(error)) from None
    except InvalidEvent as error:
        raise InvalidInput("Invalid request data", details=error.message) from None


def _score_event(body: ScoreBody, now: datetime) -> EntityEvent:
    timestamp = body.timestamp if isinstance(body.timestamp, datetime) else now
    return EntityEvent(id=uuid.uuid4().hex, type="score-create", timestamp=timestamp, score=body)


# -- legacy single-object routes ---------------------------------------------------------


async def _accept_one(
    request: Request[Any, Any, Any],
    principal: Principal,
    intake: BatchIntake,
    event: EntityEvent,
) -> IdResponse:
    await intake.accept(
        principal.project_id, [event], source="legacy", attribution=_attribution(request)
    )
    return IdResponse(id=event.entity_id)


def _observation(body: bytes, kind: str, now: datetime, *, generation: bool = False) -> EntityEvent:
    document = decode_json(body)
    if generation and isinstance(document, dict):
        # The legacy generations routes call input and output "prompt" and "completion".
        if "prompt" in document and "input" not in document:
            document["input"] = document.pop("prompt")
        if "completion" in document and "output" not in document:
            document["output"] = document.pop("completion")
    try:
        observation = msgspec.convert(document, ObservationBody)
        return observation_event(uuid.uuid4().hex, kind, now, observation)
    except msgspec.ValidationError as error:
        raise InvalidInput("Invalid request data", details=str(error)) from None
    except InvalidEvent as error:
        raise InvalidInput("Invalid request data", details=error.message) from None


@post("/traces", status_code=HTTP_200_OK)
async def create_trace(
    request: Request[Any, Any, Any],
    principal: FromDishka[Principal],
    intake: FromDishka[BatchIntake],
    clock: FromDishka[Clock],
) -> IdResponse:
    """Legacy: one ``trace-create``."""
    trace = decode_json(await request.body(), TraceBody)
    try:
        event = trace_event(uuid.uuid4().hex, clock.now(), trace)
    except InvalidEvent as error:
        raise InvalidInput("Invalid request data", details=error.message) from None
    return await _accept_one(request, principal, intake, event)


def _legacy_observation_route(path: str, kind: str, method: Any, generation: bool) -> Any:
    async def handler(
        request: Request[Any, Any, Any],
        principal: FromDishka[Principal],
        intake: FromDishka[BatchIntake],
        clock: FromDishka[Clock],
    ) -> IdResponse:
        event = _observation(await request.body(), kind, clock.now(), generation=generation)
        return await _accept_one(request, principal, intake, event)

    handler.__name__ = f"legacy_{kind.replace('-', '_')}"
    handler.__doc__ = f"Legacy: one ``{kind}`` event."
    return method(path, status_code=HTTP_200_OK, name=handler.__name__)(handler)


LEGACY_ROUTES = [
    _legacy_observation_route("/spans", "span-create", post, False),
    _legacy_observation_route("/spans", "span-update", patch, False),
    _legacy_observation_route("/generations", "generation-create", post, True),
    _legacy_observation_route("/generations", "generation-update", patch, True),
    _legacy_observation_route("/events", "event-create", post, False),
]

INGEST_ROUTES = [ingest_batch, ingest_otlp, create_scores, create_trace, *LEGACY_ROUTES]
