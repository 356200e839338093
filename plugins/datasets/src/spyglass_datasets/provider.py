"""The plugin's dishka provider: datasets, runs, experiments and bulk item work.

``ExperimentReader`` needs core's ``TraceReader``, which the tracing plugin provides: the
datasets plugin runs next to a plugin that stores traces.
"""

from __future__ import annotations

from dishka import Provider, Scope, provide

from spyglass_core.ports.clock import Clock
from spyglass_core.ports.traces import TraceReader
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_datasets.services.bulk import BulkItemService
from spyglass_datasets.services.datasets import DatasetService
from spyglass_datasets.services.experiments import ExperimentReader, ExperimentRecorder
from spyglass_datasets.services.runs import DatasetRunService

__all__ = ("DatasetsProvider",)


class DatasetsProvider(Provider):
    """APP-scoped: the service holds no per-request state."""

    scope = Scope.APP

    @provide
    def dataset_service(self, uow: UnitOfWorkFactory, clock: Clock) -> DatasetService:
        return DatasetService(uow, clock)

    @provide
    def dataset_run_service(self, uow: UnitOfWorkFactory, clock: Clock) -> DatasetRunService:
        return DatasetRunService(uow, clock)

    @provide
    def experiment_recorder(self, uow: UnitOfWorkFactory) -> ExperimentRecorder:
        return ExperimentRecorder(uow)

    @provide
    def experiment_reader(self, uow: UnitOfWorkFactory, traces: TraceReader) -> ExperimentReader:
        return ExperimentReader(uow, traces)

    @provide
    def bulk_item_service(self, uow: UnitOfWorkFactory, clock: Clock) -> BulkItemService:
        return BulkItemService(uow, clock)
