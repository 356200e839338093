"""Core's trace ports for the routes that need them, resolved per request.

The tracing plugin provides them. Resolving them per request (rather than in the
plugin's provider) lets evals start without a trace store: the preview then answers 404
naming why, and the playground answers without a trace id.
"""

from __future__ import annotations

from typing import Any

from dishka import AsyncContainer
from dishka.exceptions import NoFactoryError
from litestar import Request

from spyglass_core.domain.errors import NotFound
from spyglass_core.ports.traces import LLMCallTracer, TraceReader

__all__ = ("call_tracer", "trace_reader")


async def trace_reader(request: Request[Any, Any, Any]) -> TraceReader:
    """The request container's trace reader.

    Raises:
        NotFound: no installed plugin provides a ``TraceReader``.
    """
    container: AsyncContainer = request.state.dishka_container
    try:
        reader: TraceReader = await container.get(TraceReader)
    except NoFactoryError:
        raise NotFound("Reading traces needs the tracing plugin, which is not installed") from None
    return reader


async def call_tracer(request: Request[Any, Any, Any]) -> LLMCallTracer | None:
    """The request container's LLM call tracer, or None when no plugin provides one."""
    container: AsyncContainer = request.state.dishka_container
    try:
        tracer: LLMCallTracer = await container.get(LLMCallTracer)
    except NoFactoryError:
        return None
    return tracer
