"""Dataset runs: link traces to items inside a named run, list, read and delete runs.

A run is created by its first run item (``POST /dataset-run-items``), as in Langfuse;
later links may update its description and metadata. A run belongs to the dataset of
the item that created it. Each link that names a trace stages core's
``DatasetRunItemsLinked`` in the transaction that stores the run item, so online
evaluation of experiment items sees it exactly when the run item exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.domain.events import DatasetRunItemsLinked, ExperimentItemRan
from spyglass_core.domain.ids import new_id
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.event_publisher import EventPublisher
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from spyglass_datasets.domain.datasets import (
    MAX_NAME_LENGTH,
    Dataset,
    DatasetItem,
    DatasetRun,
    DatasetRunItem,
)
from spyglass_datasets.domain.experiments import experiment_id
from spyglass_datasets.ports import DatasetItemRepository, DatasetRepository, DatasetRunRepository

__all__ = ("DatasetRunService", "RunItemLink", "RunWithItems")

_READ_BATCH = 1000  # run items read per query when a whole run is returned


class RunItemLink(msgspec.Struct, frozen=True, kw_only=True):
    """What ``POST /dataset-run-items`` asks for; None description/metadata keep the run's."""

    run_name: str
    dataset_item_id: str
    trace_id: str | None = None
    observation_id: str | None = None
    run_description: str | None = None
    metadata: Any = None
    created_at: datetime | None = None


class RunWithItems(msgspec.Struct, frozen=True, kw_only=True):
    """A run, its dataset and every one of its run items (oldest first)."""

    dataset: Dataset
    run: DatasetRun
    items: Sequence[DatasetRunItem]


class DatasetRunService:
    """Runs of datasets and their run items, scoped to one project per call."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, events: EventPublisher
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._events = events

    async def link(self, project_id: str, link: RunItemLink) -> tuple[DatasetRunItem, DatasetRun]:
        """Record that a trace (or observation) ran an item in a run, creating the run.

        A link naming a trace raises ``DatasetRunItemsLinked``, committed with the run
        item (a rollback stores neither). One naming only an observation raises nothing:
        with no trace to score, there is nothing to evaluate (as in a run's backfill).

        Raises:
            InvalidInput: neither a trace nor an observation, or a bad run name.
            NotFound: the item does not exist in the project.
        """
        if link.trace_id is None and link.observation_id is None:
            raise InvalidInput("A dataset run item needs a traceId or an observationId")
        if not link.run_name.strip() or len(link.run_name) > MAX_NAME_LENGTH:
            raise InvalidInput(f"runName must be 1 to {MAX_NAME_LENGTH} characters")
        now = self._clock.now()
        async with self._uow_factory() as uow:
            item = await uow.repository(DatasetItemRepository).current(
                project_id, link.dataset_item_id
            )
            if item is None:
                raise NotFound(f"Dataset item '{link.dataset_item_id}' not found")
            runs = uow.repository(DatasetRunRepository)
            run = await runs.get(project_id, item.dataset_id, link.run_name)
            if run is None:
                run = DatasetRun(
                    # The id the SDK derives for this run, so its experiments join it.
                    id=experiment_id(project_id, item.dataset_id, link.run_name),
                    project_id=project_id,
                    dataset_id=item.dataset_id,
                    name=link.run_name,
                    description=link.run_description,
                    metadata=link.metadata,
                    created_at=now,
                    updated_at=now,
                )
                await runs.add(run)
            elif link.run_description is not None or link.metadata is not None:
                run = msgspec.structs.replace(
                    run,
                    description=_kept(link.run_description, run.description),
                    metadata=_kept(link.metadata, run.metadata),
                    updated_at=now,
                )
                await runs.update(run)
            run_item = DatasetRunItem(
                id=new_id(),
                project_id=project_id,
                dataset_run_id=run.id,
                dataset_item_id=item.id,
                trace_id=link.trace_id,
                observation_id=link.observation_id,
                created_at=link.created_at or now,
            )
            await runs.add_item(run_item)
            linked = _linked(run, item, run_item)
            if linked is not None:
                await self._events.stage(
                    uow,
                    DatasetRunItemsLinked(occurred_at=now, project_id=project_id, items=(linked,)),
                )
            await uow.commit()
        if linked is not None:
            await self._events.flush()
        return run_item, run

    async def list_runs(
        self, project_id: str, dataset_name: str, *, page: int, limit: int
    ) -> tuple[Dataset, Sequence[DatasetRun], int]:
        """The dataset, a numbered page (from 1) of its runs, newest first, and their total.

        Raises:
            NotFound: no such dataset.
        """
        async with self._uow_factory() as uow:
            dataset = await _dataset_named(uow, project_id, dataset_name)
            runs, total = await uow.repository(DatasetRunRepository).page(
                project_id, dataset.id, offset=(page - 1) * limit, limit=limit
            )
        return dataset, runs, total

    async def run_names(self, project_id: str, dataset_id: str) -> Sequence[str]:
        """Names of every run of the dataset, newest first."""
        async with self._uow_factory() as uow:
            return await uow.repository(DatasetRunRepository).names(project_id, dataset_id)

    async def get_run(self, project_id: str, dataset_name: str, run_name: str) -> RunWithItems:
        """A run with all its run items.

        Raises:
            NotFound: no such dataset or run.
        """
        async with self._uow_factory() as uow:
            dataset, run = await _run_named(uow, project_id, dataset_name, run_name)
            runs = uow.repository(DatasetRunRepository)
            items: list[DatasetRunItem] = []
            while True:
                batch, total = await runs.items(
                    project_id, run.id, offset=len(items), limit=_READ_BATCH
                )
                items += batch
                if not batch or len(items) >= total:
                    break
        return RunWithItems(dataset=dataset, run=run, items=items)

    async def delete_run(self, project_id: str, dataset_name: str, run_name: str) -> None:
        """Delete a run and its run items.

        Raises:
            NotFound: no such dataset or run.
        """
        async with self._uow_factory() as uow:
            _, run = await _run_named(uow, project_id, dataset_name, run_name)
            await uow.repository(DatasetRunRepository).delete(project_id, run.id)
            await uow.commit()

    async def list_run_items(
        self, project_id: str, dataset_id: str, run_name: str, *, page: int, limit: int
    ) -> tuple[DatasetRun, Sequence[DatasetRunItem], int]:
        """A numbered page of a run's items, oldest first, with the run and the total.

        Raises:
            NotFound: no such dataset or run.
        """
        async with self._uow_factory() as uow:
            dataset = await uow.repository(DatasetRepository).get(project_id, dataset_id)
            if dataset is None:
                raise NotFound("Dataset not found")
            _, run = await _run_named(uow, project_id, dataset.name, run_name)
            items, total = await uow.repository(DatasetRunRepository).items(
                project_id, run.id, offset=(page - 1) * limit, limit=limit
            )
        return run, items, total


def _linked(
    run: DatasetRun, item: DatasetItem, run_item: DatasetRunItem
) -> ExperimentItemRan | None:
    """The run item as an experiment item (as core's ``DatasetRunReader`` reads it), or
    None when it links no trace."""
    if run_item.trace_id is None:
        return None
    return ExperimentItemRan(
        experiment_id=run.id,
        experiment_name=run.name,
        experiment_description=run.description,
        experiment_metadata=run.metadata,
        dataset_id=run.dataset_id,
        item_id=item.id,
        item_expected_output=item.expected_output,
        item_metadata=item.metadata,
        trace_id=run_item.trace_id,
        observation_id=run_item.observation_id or "",
        start_time=run_item.created_at,
        end_time=run_item.ended_at,
    )


def _kept(new: Any, old: Any) -> Any:
    return old if new is None else new


async def _dataset_named(uow: UnitOfWork, project_id: str, name: str) -> Dataset:
    dataset = await uow.repository(DatasetRepository).get_by_name(project_id, name)
    if dataset is None:
        raise NotFound(f"Dataset '{name}' not found")
    return dataset


async def _run_named(
    uow: UnitOfWork, project_id: str, dataset_name: str, run_name: str
) -> tuple[Dataset, DatasetRun]:
    dataset = await _dataset_named(uow, project_id, dataset_name)
    run = await uow.repository(DatasetRunRepository).get(project_id, dataset.id, run_name)
    if run is None:
        raise NotFound(f"Dataset run '{run_name}' not found")
    return dataset, run
