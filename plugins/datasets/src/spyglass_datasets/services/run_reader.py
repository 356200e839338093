"""Core's ``DatasetRunReader`` port: other features read a run's items as experiment items."""

from __future__ import annotations

from collections.abc import Sequence

from spyglass_core.domain.events import ExperimentItemRan
from spyglass_core.ports.dataset_runs import DatasetRunReader
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_datasets.ports import DatasetItemRepository, DatasetRunRepository

__all__ = ("StoredDatasetRunReader",)

_PAGE = 500


class StoredDatasetRunReader(DatasetRunReader):
    """Reads runs and their items from the plugin's repositories."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def run_items(
        self, project_id: str, run_id: str, *, limit: int
    ) -> Sequence[ExperimentItemRan] | None:
        found: list[ExperimentItemRan] = []
        async with self._uow_factory() as uow:
            runs = uow.repository(DatasetRunRepository)
            run = await runs.get_by_id(project_id, run_id)
            if run is None:
                return None
            offset = 0
            while len(found) < limit:
                page, _ = await runs.items(
                    project_id, run_id, offset=offset, limit=min(_PAGE, limit - len(found))
                )
                if not page:
                    break
                offset += len(page)
                items = await uow.repository(DatasetItemRepository).current_many(
                    project_id, [ri.dataset_item_id for ri in page]
                )
                for run_item in page:
                    if run_item.trace_id is None:
                        continue  # nothing ran that could be evaluated
                    item = items.get(run_item.dataset_item_id)
                    found.append(
                        ExperimentItemRan(
                            experiment_id=run.id,
                            experiment_name=run.name,
                            experiment_description=run.description,
                            experiment_metadata=run.metadata,
                            dataset_id=run.dataset_id,
                            item_id=run_item.dataset_item_id,
                            item_expected_output=item.expected_output if item else None,
                            item_metadata=item.metadata if item else None,
                            trace_id=run_item.trace_id,
                            observation_id=run_item.observation_id or "",
                            start_time=run_item.created_at,
                            end_time=run_item.ended_at,
                        )
                    )
        return found
