"""Core's ``TraceReader`` for the routes that read traces, resolved per request.

The tracing plugin provides the reader. Resolving it per request (rather than in the
plugin's provider) lets the datasets plugin start without a trace store; only the routes
that read traces (run comparison, experiment items) then answer 404, naming why.
"""

from __future__ import annotations

from typing import Any

from dishka import AsyncContainer
from dishka.exceptions import NoFactoryError
from litestar import Request

from spyglass_core.domain.errors import NotFound
from spyglass_core.ports.traces import TraceReader
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory

__all__ = ("trace_reading",)


async def trace_reading(request: Request[Any, Any, Any]) -> tuple[UnitOfWorkFactory, TraceReader]:
    """The unit-of-work factory and the trace reader of this request's container.

    Raises:
        NotFound: no installed plugin provides a ``TraceReader``.
    """
    container: AsyncContainer = request.state.dishka_container
    try:
        traces = await container.get(TraceReader)
    except NoFactoryError:
        raise NotFound("Reading traces needs the tracing plugin, which is not installed") from None
    return await container.get(UnitOfWorkFactory), traces
