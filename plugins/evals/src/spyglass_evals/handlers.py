"""The plugin's domain-event handlers: new traces and experiment items (run by an SDK
experiment or linked to a dataset run) get executions.

They run through the task queue, in their own request scope, never inside ingestion's
transaction. Without the tracing plugin there is nothing to read and they do nothing.
"""

from __future__ import annotations

from typing import Any

from dishka.exceptions import NoFactoryError

from spyglass_core.domain.events import DatasetRunItemsLinked, ExperimentItemsRan, TracesIngested
from spyglass_core.ports.traces import TraceReader
from spyglass_evals.services.planning import ExecutionPlanner
from spyglass_evals.services.runner import ExecutionRunner

__all__ = ("on_experiment_items", "on_traces_ingested")


async def on_traces_ingested(event: TracesIngested, container: Any) -> None:
    """Executions for rules on traces, observations and sessions."""
    try:
        reader = await container.get(TraceReader)
    except NoFactoryError:
        return
    planner: ExecutionPlanner = await container.get(ExecutionPlanner)
    if await planner.on_traces_ingested(event, reader):
        (await container.get(ExecutionRunner)).wake()


async def on_experiment_items(
    event: ExperimentItemsRan | DatasetRunItemsLinked, container: Any
) -> None:
    """Executions for rules on experiment items: an SDK experiment's (``ExperimentItemsRan``)
    or run items linked through the API (``DatasetRunItemsLinked``)."""
    planner: ExecutionPlanner = await container.get(ExecutionPlanner)
    if await planner.on_experiment_items(event):
        (await container.get(ExecutionRunner)).wake()
