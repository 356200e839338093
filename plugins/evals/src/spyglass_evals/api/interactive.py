"""Public API routes of the interactive features (Spyglass extensions, under
``/api/public/unstable``): the evaluator preview and the playground completion."""

from __future__ import annotations

from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Request, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from spyglass_core.domain.api_keys import Principal
from spyglass_evals.api.interactive_schemas import (
    CompletionResponse,
    PreviewResponse,
    completion_response,
    preview_response,
)
from spyglass_evals.api.ports_access import call_tracer, trace_reader
from spyglass_evals.services.playground import CompletionRequest, Playground
from spyglass_evals.services.preview import EvaluatorPreview, PreviewRequest

__all__ = ("INTERACTIVE_ROUTES",)


@post("/unstable/evaluators/preview", status_code=HTTP_200_OK)
async def preview_evaluator(
    request: Request[Any, Any, Any],
    data: JSONBody[PreviewRequest],
    principal: FromDishka[Principal],
    preview: FromDishka[EvaluatorPreview],
) -> PreviewResponse:
    """Run an evaluator (saved, or a draft) on one trace or observation; store nothing."""
    traces = await trace_reader(request)
    return preview_response(await preview.preview(principal.project_id, data, traces))


@post("/unstable/llm/completions", status_code=HTTP_200_OK)
async def playground_completion(
    request: Request[Any, Any, Any],
    data: JSONBody[CompletionRequest],
    principal: FromDishka[Principal],
    playground: FromDishka[Playground],
) -> CompletionResponse:
    """One chat completion through an LLM connection, traced as ``playground``."""
    tracer = await call_tracer(request)
    return completion_response(await playground.complete(principal.project_id, data, tracer))


INTERACTIVE_ROUTES = [preview_evaluator, playground_completion]
