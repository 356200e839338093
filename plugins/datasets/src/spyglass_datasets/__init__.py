"""Spyglass datasets: versioned test cases that an application runs over as experiments.

The plugin owns its tables (Alembic chain ``datasets``), repositories and fakes, and
serves Langfuse's dataset endpoints on the public API. It imports no other plugin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from spyglass_core.domain.events import DomainEvent
from spyglass_core.hookspecs import ApiSurface, EventHandler, StorageSpec, hookimpl

__all__ = (
    "register_event_handlers",
    "register_providers",
    "register_routes",
    "register_storage",
)


@hookimpl
def register_routes(surface: ApiSurface) -> Sequence[Any]:
    """The Langfuse dataset routes on the public API; bulk import/export on the internal one."""
    if surface is ApiSurface.INTERNAL:
        from spyglass_datasets.api.bulk import BULK_ROUTES

        return BULK_ROUTES
    if surface is not ApiSurface.PUBLIC:
        return []
    from spyglass_datasets.api.routes import ROUTES

    return ROUTES


@hookimpl
def register_providers() -> Sequence[Any]:
    """``DatasetService``, ``DatasetRunService`` and ``BulkItemService``."""
    from spyglass_datasets.provider import DatasetsProvider

    return [DatasetsProvider()]


@hookimpl
def register_storage() -> Sequence[StorageSpec]:
    """Dataset tables (Alembic chain ``datasets``) and their repositories."""
    from spyglass_datasets.storage.spec import storage_spec

    return [storage_spec()]


@hookimpl
def register_event_handlers() -> Mapping[type[DomainEvent], Sequence[EventHandler]]:
    """SDK experiments (``ExperimentItemsRan``) become dataset runs and run items."""
    from spyglass_core.domain.events import ExperimentItemsRan
    from spyglass_datasets.services.experiments import record_experiment_items

    return {ExperimentItemsRan: [record_experiment_items]}  # type: ignore[list-item]
