"""The plugin's dishka provider: datasets, runs, browsing, bulk item work and experiment
recording.

``DatasetComparison`` and ``ExperimentReader`` need core's ``TraceReader`` (the tracing
plugin provides it), so their routes build them rather than this provider: the plugin
keeps working without the tracing plugin, only comparisons and experiment reads need it.
"""

from __future__ import annotations

from dishka import Provider, Scope, provide

from spyglass_core.ports.clock import Clock
from spyglass_core.ports.dataset_runs import DatasetRunReader
from spyglass_core.ports.event_publisher import EventPublisher
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_datasets.services.browse import DatasetBrowser
from spyglass_datasets.services.bulk import BulkItemService
from spyglass_datasets.services.datasets import DatasetService
from spyglass_datasets.services.experiments import ExperimentRecorder
from spyglass_datasets.services.run_reader import StoredDatasetRunReader
from spyglass_datasets.services.runs import DatasetRunService

__all__ = ("DatasetsProvider",)


class DatasetsProvider(Provider):
    """APP-scoped: the service holds no per-request state."""

    scope = Scope.APP

    @provide
    def dataset_service(self, uow: UnitOfWorkFactory, clock: Clock) -> DatasetService:
        return DatasetService(uow, clock)

    @provide
    def dataset_run_service(
        self, uow: UnitOfWorkFactory, clock: Clock, events: EventPublisher
    ) -> DatasetRunService:
        return DatasetRunService(uow, clock, events)

    @provide
    def experiment_recorder(self, uow: UnitOfWorkFactory) -> ExperimentRecorder:
        return ExperimentRecorder(uow)

    @provide
    def dataset_browser(self, uow: UnitOfWorkFactory) -> DatasetBrowser:
        return DatasetBrowser(uow)

    @provide
    def bulk_item_service(self, uow: UnitOfWorkFactory, clock: Clock) -> BulkItemService:
        return BulkItemService(uow, clock)

    @provide
    def dataset_run_reader(self, uow: UnitOfWorkFactory) -> DatasetRunReader:
        """Core's cross-feature port: other features (evaluations) read runs through it."""
        return StoredDatasetRunReader(uow)
