"""The plugin's dishka provider: ``DatasetService``, ``DatasetRunService``, ``BulkItemService``."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_datasets.services.bulk import BulkItemService
from spyglass_datasets.services.datasets import DatasetService
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
    def bulk_item_service(self, uow: UnitOfWorkFactory, clock: Clock) -> BulkItemService:
        return BulkItemService(uow, clock)
