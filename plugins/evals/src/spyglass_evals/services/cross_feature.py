"""Other features' data, through core's cross-feature ports, resolved when first needed.

The tracing plugin provides ``TraceReader``, ``ScoreWriter`` and ``LLMCallTracer``; the
datasets plugin ``DatasetRunReader``. Resolving them lazily lets the evals plugin start
without either: what needs a missing one fails with a message naming the plugin.
"""

from __future__ import annotations

from typing import Any

from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.ports.dataset_runs import DatasetRunReader
from spyglass_core.ports.traces import LLMCallTracer, ScoreWriter, TraceReader

__all__ = ("ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "CrossFeaturePorts")

OPENAI_BASE_URL = "https://api.openai.com/v1"
"""Where a connection without a base URL sends OpenAI-compatible calls."""
ANTHROPIC_BASE_URL = "https://api.anthropic.com"
"""Where a connection without a base URL sends Anthropic calls: the API's root, as in
Langfuse and Anthropic's SDKs (the adapter adds ``/v1/messages``; a base URL already
ending with ``/v1`` works too)."""


class CrossFeaturePorts:
    """The tracing plugin's ports, resolved when first needed (so evals starts without
    tracing; its executions then fail with a message naming the missing plugin)."""

    def __init__(self, container: Any) -> None:
        self._container = container

    async def _get(self, port: type[Any]) -> Any:
        from dishka.exceptions import NoFactoryError

        try:
            return await self._container.get(port)
        except NoFactoryError:
            raise _NeedsTracing(
                "Evaluating traces needs the tracing plugin, which is not installed"
            ) from None

    async def reader(self) -> TraceReader:
        """Core's trace reader."""
        reader: TraceReader = await self._get(TraceReader)
        return reader

    async def scores(self) -> ScoreWriter:
        """Core's score writer."""
        writer: ScoreWriter = await self._get(ScoreWriter)
        return writer

    async def runs(self) -> DatasetRunReader:
        """Core's dataset run reader (the datasets plugin provides it)."""
        from dishka.exceptions import NoFactoryError

        try:
            runs: DatasetRunReader = await self._container.get(DatasetRunReader)
        except NoFactoryError:
            raise NotFound(
                "Evaluating dataset runs needs the datasets plugin, which is not installed"
            ) from None
        return runs

    async def tracer(self) -> LLMCallTracer:
        """Core's LLM call tracer."""
        tracer: LLMCallTracer = await self._get(LLMCallTracer)
        return tracer


class _NeedsTracing(InvalidInput):
    """A port of the tracing plugin is missing."""
