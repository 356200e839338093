"""SDK experiments as dataset runs: recorded from span attributes, listed as experiments.

``ExperimentRecorder`` handles the tracing plugin's ``ExperimentItemsRan`` event: each
item of an experiment over a dataset of the project becomes a run item of the run whose
id is the experiment id (the run is created on first sight). Items of experiments over
local data (no dataset) or over a dataset this project does not have are not runs and
are skipped; their traces and scores stay readable through the traces and scores APIs.

``ExperimentReader`` serves Langfuse's v4 ``/experiments`` and ``/experiment-items``:
every dataset run is an experiment, whether the SDK's spans or ``POST
/dataset-run-items`` made it. What a run item's trace says (times, level, environment,
input and output) is read through core's ``TraceReader``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.errors import Conflict, StorageUnavailable
from spyglass_core.domain.events import ExperimentItemRan, ExperimentItemsRan
from spyglass_core.domain.tracing import (
    Observation,
    Score,
    Trace,
    decode_json_text,
    decoded_metadata,
)
from spyglass_core.ports.traces import TraceReader
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from spyglass_datasets.domain.datasets import (
    MAX_NAME_LENGTH,
    DatasetItem,
    DatasetRun,
    DatasetRunItem,
)
from spyglass_datasets.domain.experiments import (
    ExperimentCursor,
    ExperimentItemQuery,
    ExperimentQuery,
    ExperimentSummary,
    RunItemInRun,
    run_item_id,
)
from spyglass_datasets.ports import DatasetItemRepository, DatasetRepository, DatasetRunRepository

__all__ = (
    "ExperimentItemView",
    "ExperimentReader",
    "ExperimentRecorder",
    "record_experiment_items",
)

logger = logging.getLogger(__name__)

_ATTEMPTS = 3
"""Tries of one recording: a concurrent worker creating the same run makes one conflict."""
_RETRY_SECONDS = 0.5


class ExperimentRecorder:
    """Turns experiment items seen in spans into dataset runs and run items."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def record(self, project_id: str, items: Sequence[ExperimentItemRan]) -> int:
        """Record the items' runs and run items, idempotently; how many run items were new."""
        by_experiment: dict[tuple[str, str], list[ExperimentItemRan]] = defaultdict(list)
        for item in items:
            if item.dataset_id is not None:
                by_experiment[(item.experiment_id, item.dataset_id)].append(item)
        added = 0
        for group in by_experiment.values():
            for attempt in range(1, _ATTEMPTS + 1):
                try:
                    added += await self._record_run(project_id, group)
                    break
                except (Conflict, StorageUnavailable):
                    # A concurrent worker made the same run, or storage blinked: the
                    # recording is idempotent, so it is simply tried again.
                    if attempt == _ATTEMPTS:
                        raise
                    await asyncio.sleep(_RETRY_SECONDS * attempt)
        return added

    async def _record_run(self, project_id: str, items: Sequence[ExperimentItemRan]) -> int:
        first = items[0]
        assert first.dataset_id is not None
        async with self._uow_factory() as uow:
            dataset = await uow.repository(DatasetRepository).get(project_id, first.dataset_id)
            if dataset is None:
                logger.info(
                    "experiment %s names dataset %s, which project %s does not have",
                    first.experiment_id,
                    first.dataset_id,
                    project_id,
                )
                return 0
            run = await _run_for(uow, project_id, dataset.id, first)
            if run is None:
                logger.info(
                    "experiment %s of dataset %s reuses the id of another dataset's run",
                    first.experiment_id,
                    dataset.id,
                )
                return 0
            runs = uow.repository(DatasetRunRepository)
            wanted = {
                run_item_id(run.id, item.item_id, item.trace_id, item.observation_id): item
                for item in items
            }
            stored = await runs.existing_item_ids(project_id, list(wanted))
            for item_id, item in wanted.items():
                if item_id in stored:
                    continue
                await runs.add_item(
                    DatasetRunItem(
                        id=item_id,
                        project_id=project_id,
                        dataset_run_id=run.id,
                        dataset_item_id=item.item_id,
                        trace_id=item.trace_id,
                        observation_id=item.observation_id,
                        created_at=item.start_time,
                        ended_at=item.end_time,
                    )
                )
            await uow.commit()
        return len(wanted) - len(stored)


async def record_experiment_items(event: ExperimentItemsRan, container: Any) -> None:
    """The ``ExperimentItemsRan`` handler: record the event's items as run items."""
    recorder = await container.get(ExperimentRecorder)
    await recorder.record(event.project_id, event.items)


async def _run_for(
    uow: UnitOfWork, project_id: str, dataset_id: str, item: ExperimentItemRan
) -> DatasetRun | None:
    """The experiment's run: by its id, else by its name in the dataset, else a new one.

    None when the id is taken by a run of another dataset: span attributes are the
    client's word, and one run never mixes datasets.
    """
    runs = uow.repository(DatasetRunRepository)
    name = item.experiment_name[:MAX_NAME_LENGTH]
    run = await runs.get_by_id(project_id, item.experiment_id)
    if run is not None and run.dataset_id != dataset_id:
        return None
    run = run or await runs.get(project_id, dataset_id, name)
    if run is None:
        run = DatasetRun(
            id=item.experiment_id,
            project_id=project_id,
            dataset_id=dataset_id,
            name=name,
            description=item.experiment_description,
            metadata=item.experiment_metadata,
            created_at=item.start_time,
            updated_at=item.start_time,
        )
        await runs.add(run)
    return run


class ExperimentItemView(msgspec.Struct, frozen=True, kw_only=True):
    """A run item with what its trace, its dataset item and its run say about it."""

    entry: RunItemInRun
    trace_id: str | None
    start_time: datetime
    end_time: datetime | None
    level: str
    environment: str
    input: Any = None
    output: Any = None
    metadata: Any = None
    dataset_item: DatasetItem | None = None


class ExperimentReader:
    """Experiments (dataset runs) and their items, newest first, by keyset pages."""

    def __init__(self, uow_factory: UnitOfWorkFactory, traces: TraceReader) -> None:
        self._uow_factory = uow_factory
        self._traces = traces

    async def experiments(
        self, project_id: str, query: ExperimentQuery, *, after: ExperimentCursor | None, limit: int
    ) -> Sequence[ExperimentSummary]:
        """A page of experiments active in the query's window."""
        async with self._uow_factory() as uow:
            return await uow.repository(DatasetRunRepository).experiments(
                project_id, query, after=after, limit=limit
            )

    async def run_scores(
        self, project_id: str, run_ids: Sequence[str], *, limit: int
    ) -> Mapping[str, Sequence[Score]]:
        """The newest ``limit`` scores given to each run as a whole, by run id."""
        return await self._traces.scores_of_dataset_runs(project_id, run_ids, limit=limit)

    async def trace_scores(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> Mapping[str, Sequence[Score]]:
        """The scores of each trace and its observations, by trace id."""
        return await self._traces.scores_of_traces(project_id, trace_ids)

    async def items(
        self,
        project_id: str,
        query: ExperimentItemQuery,
        *,
        after: ExperimentCursor | None,
        limit: int,
    ) -> Sequence[ExperimentItemView]:
        """A page of experiment items started in the query's window, with their traces."""
        async with self._uow_factory() as uow:
            entries = await uow.repository(DatasetRunRepository).experiment_items(
                project_id, query, after=after, limit=limit
            )
            items = uow.repository(DatasetItemRepository)
            dataset_items = {
                entry.item.id: await _item_as_run_saw_it(items, project_id, entry.item)
                for entry in entries
            }
        # One batch read of the observations, one of the traces they do not cover.
        observation_ids = sorted({e.item.observation_id for e in entries if e.item.observation_id})
        observations = {
            o.id: o for o in await self._traces.get_observations(project_id, observation_ids)
        }
        trace_ids = sorted(
            {
                e.item.trace_id
                for e in entries
                if e.item.trace_id and (e.item.observation_id or "") not in observations
            }
        )
        traces = {t.id: t for t in await self._traces.get_traces(project_id, trace_ids)}
        return [
            _view(
                entry,
                observations.get(entry.item.observation_id or "")
                or traces.get(entry.item.trace_id or ""),
                dataset_items[entry.item.id],
            )
            for entry in entries
        ]


def _view(
    entry: RunItemInRun, subject: Observation | Trace | None, dataset_item: DatasetItem | None
) -> ExperimentItemView:
    item = entry.item
    if isinstance(subject, Observation):
        return ExperimentItemView(
            entry=entry,
            trace_id=subject.trace_id,
            start_time=subject.start_time,
            end_time=subject.end_time or item.ended_at,
            level=subject.level.value,
            environment=subject.environment,
            input=decode_json_text(subject.input),
            output=decode_json_text(subject.output),
            metadata=decoded_metadata(subject.metadata),
            dataset_item=dataset_item,
        )
    return ExperimentItemView(
        entry=entry,
        trace_id=item.trace_id,
        start_time=item.created_at,
        end_time=item.ended_at,
        level="DEFAULT",
        environment=subject.environment if subject else "default",
        input=decode_json_text(subject.input) if subject else None,
        output=decode_json_text(subject.output) if subject else None,
        metadata=decoded_metadata(subject.metadata) if subject else None,
        dataset_item=dataset_item,
    )


async def _item_as_run_saw_it(
    items: DatasetItemRepository, project_id: str, run_item: DatasetRunItem
) -> DatasetItem | None:
    """The version of the run item's dataset item that was current when the run started it."""
    history = await items.history(project_id, run_item.dataset_item_id)
    seen = [v for v in history if v.valid_from <= run_item.created_at] or list(history)
    return seen[-1] if seen else None
