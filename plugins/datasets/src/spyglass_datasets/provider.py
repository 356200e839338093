"""The plugin's dishka provider: ``DatasetService`` on the core ports."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_datasets.services.datasets import DatasetService

__all__ = ("DatasetsProvider",)


class DatasetsProvider(Provider):
    """APP-scoped: the service holds no per-request state."""

    scope = Scope.APP

    @provide
    def dataset_service(self, uow: UnitOfWorkFactory, clock: Clock) -> DatasetService:
        return DatasetService(uow, clock)
