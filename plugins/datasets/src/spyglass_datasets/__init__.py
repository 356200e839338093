"""Spyglass datasets: versioned test cases that an application runs over as experiments.

The plugin owns its tables (Alembic chain ``datasets``), repositories and fakes, and
serves Langfuse's dataset endpoints on the public API. It imports no other plugin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from spyglass_core.domain.events import DomainEvent
from spyglass_core.hookspecs import (
    ApiSurface,
    EventHandler,
    NavigationEntry,
    StorageSpec,
    UIContribution,
    hookimpl,
)

__all__ = (
    "register_event_handlers",
    "register_providers",
    "register_routes",
    "register_storage",
    "register_ui",
)


@hookimpl
def register_routes(surface: ApiSurface) -> Sequence[Any]:
    """The Langfuse dataset routes (and run comparison) on the public API; the web UI's
    (browsing, comparison, bulk import and export) on the internal one."""
    if surface is ApiSurface.INTERNAL:
        from spyglass_datasets.api.bulk import BULK_ROUTES
        from spyglass_datasets.api.internal import INTERNAL_ROUTES

        return [*INTERNAL_ROUTES, *BULK_ROUTES]
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


@hookimpl
def register_ui() -> Sequence[UIContribution]:
    """The datasets pages (items, versions, runs, comparison) and "Add to dataset" on traces."""
    return [
        UIContribution(
            name="datasets",
            assets="spyglass_datasets.ui",
            navigation=(NavigationEntry(label="Datasets", path="datasets", order=70),),
        )
    ]
