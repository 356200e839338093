"""The web UI's interactive tools: the evaluator preview (with a picker of recent traces
and their observations) and the prompt playground. Running either calls a model on the
project's account, so it takes a member; listing traces to pick from takes a viewer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.trace_selection import TraceSelection
from spyglass_evals.api.interactive_schemas import (
    CompletionResponse,
    PreviewResponse,
    completion_response,
    preview_response,
)
from spyglass_evals.api.internal.schemas import ItemPage
from spyglass_evals.api.ports_access import call_tracer, trace_reader
from spyglass_evals.services.playground import CompletionRequest, Playground
from spyglass_evals.services.preview import EvaluatorPreview, PreviewRequest

__all__ = ("TOOL_ROUTES",)

_PREVIEW = "/projects/{project_id:str}/evaluator-preview"
_SNIPPET = 160


class TraceChoice(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A trace to preview on: its name, time and the start of its input and output."""

    id: str
    name: str | None
    timestamp: datetime
    input: str | None
    output: str | None


class ObservationChoice(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """An observation of the chosen trace."""

    id: str
    name: str | None
    type: str
    start_time: datetime


def _snippet(text: str | None) -> str | None:
    return text if text is None or len(text) <= _SNIPPET else text[:_SNIPPET] + "…"


@post(_PREVIEW, opt=requires(Role.MEMBER), status_code=HTTP_200_OK)
async def preview_evaluator(
    request: Request[Any, Any, Any],
    data: JSONBody[PreviewRequest],
    principal: FromDishka[Principal],
    preview: FromDishka[EvaluatorPreview],
) -> PreviewResponse:
    """Run an evaluator (saved or a draft) on one trace or observation; store nothing."""
    traces = await trace_reader(request)
    return preview_response(await preview.preview(principal.project_id, data, traces))


@get(_PREVIEW + "/traces", opt=requires(Role.VIEWER))
async def recent_traces(
    request: Request[Any, Any, Any],
    principal: FromDishka[Principal],
    name: Annotated[str | None, QueryParameter(max_length=255)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=50)] = 20,
) -> ItemPage[TraceChoice]:
    """The newest traces (named ``name`` when given), to pick one to preview on."""
    traces = await trace_reader(request)
    ids = await traces.find_trace_ids(
        principal.project_id, TraceSelection(name=name or None), limit=limit
    )
    found = {t.id: t for t in await traces.get_traces(principal.project_id, ids)}
    items = [
        TraceChoice(
            id=t.id,
            name=t.name,
            timestamp=t.timestamp,
            input=_snippet(t.input),
            output=_snippet(t.output),
        )
        for t in (found[i] for i in ids if i in found)
    ]
    return ItemPage(items=items, next_cursor=None)


@get(_PREVIEW + "/traces/{trace_id:str}/observations", opt=requires(Role.VIEWER))
async def trace_observations(
    request: Request[Any, Any, Any],
    trace_id: FromPath[str],
    principal: FromDishka[Principal],
) -> ItemPage[ObservationChoice]:
    """The trace's observations by start time, to preview on one of them."""
    traces = await trace_reader(request)
    observations = await traces.observations_of_trace(principal.project_id, trace_id)
    return ItemPage(
        items=[
            ObservationChoice(id=o.id, name=o.name, type=o.type.value, start_time=o.start_time)
            for o in observations
        ],
        next_cursor=None,
    )


@post(
    "/projects/{project_id:str}/llm-completions", opt=requires(Role.MEMBER), status_code=HTTP_200_OK
)
async def playground_completion(
    request: Request[Any, Any, Any],
    data: JSONBody[CompletionRequest],
    principal: FromDishka[Principal],
    playground: FromDishka[Playground],
) -> CompletionResponse:
    """One chat completion through an LLM connection, traced as ``playground``."""
    tracer = await call_tracer(request)
    return completion_response(await playground.complete(principal.project_id, data, tracer))


TOOL_ROUTES = [preview_evaluator, recent_traces, trace_observations, playground_completion]
