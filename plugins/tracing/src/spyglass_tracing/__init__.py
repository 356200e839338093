"""Spyglass tracing: durable ingestion (batch API, OTLP, scores), cost, and the read API.

Configuration: ``SPYGLASS_PLUGIN_TRACING_<KEY>``, see ``spyglass_tracing.options``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spyglass_core.hookspecs import (
    ApiSurface,
    NavigationEntry,
    StorageSpec,
    TaskSpec,
    UIContribution,
    hookimpl,
)

__all__ = (
    "register_commands",
    "register_providers",
    "register_routes",
    "register_storage",
    "register_tasks",
    "register_ui",
    "shutdown",
    "startup",
)


@hookimpl
def register_routes(surface: ApiSurface) -> Sequence[Any]:
    """Ingestion and read routes on the public API; the ingestion status on the internal one."""
    if surface is ApiSurface.INTERNAL:
        from spyglass_tracing.api.internal import INTERNAL_ROUTES

        return INTERNAL_ROUTES
    from spyglass_tracing.api import ROUTES

    return ROUTES


@hookimpl
def register_tasks() -> Sequence[TaskSpec]:
    """``tracing.process_batch`` (apply a stored batch), ``tracing.erase_traces``."""
    from spyglass_tracing.services.deletion import ERASE_TRACES_TASK
    from spyglass_tracing.services.intake import PROCESS_BATCH_TASK
    from spyglass_tracing.tasks import erase_traces, process_batch

    return [
        TaskSpec(name=PROCESS_BATCH_TASK, func=process_batch),
        TaskSpec(name=ERASE_TRACES_TASK, func=erase_traces),
    ]


@hookimpl
def register_providers() -> Sequence[Any]:
    """Intake, processor, sweep, price book and read services."""
    from spyglass_tracing.annotation_provider import AnnotationProvider
    from spyglass_tracing.provider import TracingProvider
    from spyglass_tracing.storage.provider import TracingStorageProvider

    return [TracingProvider(), TracingStorageProvider(), AnnotationProvider()]


@hookimpl
def register_storage() -> Sequence[StorageSpec]:
    """Transactional tables (Alembic chain ``tracing``) and the ClickHouse analytics tables."""
    from spyglass_tracing.storage.spec import storage_spec

    return [storage_spec()]


@hookimpl
def register_ui() -> Sequence[UIContribution]:
    """Dashboard, traces, sessions, users, annotation queues; score configs and prices."""
    return [
        UIContribution(
            name="tracing",
            assets="spyglass_tracing.ui",
            navigation=(
                NavigationEntry(label="Dashboard", path="dashboard", order=10),
                NavigationEntry(label="Traces", path="traces", order=20),
                NavigationEntry(label="Sessions", path="sessions", order=30),
                NavigationEntry(label="Users", path="users", order=40),
                NavigationEntry(label="Annotation queues", path="annotation-queues", order=50),
                NavigationEntry(
                    label="Score configs", path="settings/score-configs", section="settings"
                ),
                NavigationEntry(label="Model prices", path="settings/models", section="settings"),
            ),
        )
    ]


@hookimpl
def register_commands(cli: Any) -> None:
    """``spyglass batches list|show|replay`` for dead-lettered ingestion batches."""
    from spyglass_tracing.commands import register

    register(cli)


@hookimpl
def startup(container: Any) -> Any:
    """Seed the default price table, re-enqueue pending batches, start the sweep."""
    from spyglass_tracing.lifecycle import start

    return start(container)


@hookimpl
def shutdown(container: Any) -> Any:
    """Stop the periodic sweep."""
    from spyglass_tracing.lifecycle import stop

    return stop(container)
