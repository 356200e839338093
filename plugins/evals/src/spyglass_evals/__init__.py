"""Spyglass evaluations: LLM connections, evaluators, evaluation rules and executions.

The plugin owns its tables (Alembic chain ``evals``) and reads other features' data only
through core's ports and domain events. It imports no other plugin.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from spyglass_core.domain.events import DomainEvent
from spyglass_core.hookspecs import (
    ApiSurface,
    EvaluatorSpec,
    EventHandler,
    NavigationEntry,
    PluginConfig,
    StorageSpec,
    UIContribution,
    hookimpl,
)

__all__ = (
    "register_evaluators",
    "register_event_handlers",
    "register_providers",
    "register_routes",
    "register_storage",
    "register_ui",
    "shutdown",
    "startup",
)


@hookimpl
def register_evaluators() -> Sequence[EvaluatorSpec]:
    """The deterministic code evaluators (``spyglass_evals.evaluators``)."""
    from spyglass_evals.evaluators import CODE_EVALUATORS

    return CODE_EVALUATORS


@hookimpl
def register_routes(surface: ApiSurface) -> Sequence[Any]:
    """Langfuse's LLM connection, evaluator and evaluation-rule routes, the executions,
    the preview and the playground on the public API; the web UI's on the internal one."""
    if surface is ApiSurface.INTERNAL:
        from spyglass_evals.api.internal import INTERNAL_ROUTES

        return INTERNAL_ROUTES
    if surface is not ApiSurface.PUBLIC:
        return []
    from spyglass_evals.api.backfills import BACKFILL_ROUTES
    from spyglass_evals.api.evaluators import EVALUATOR_ROUTES
    from spyglass_evals.api.executions import EXECUTION_ROUTES
    from spyglass_evals.api.interactive import INTERACTIVE_ROUTES
    from spyglass_evals.api.routes import ROUTES

    return [
        *ROUTES,
        *EVALUATOR_ROUTES,
        *EXECUTION_ROUTES,
        *BACKFILL_ROUTES,
        *INTERACTIVE_ROUTES,
    ]


@hookimpl
def register_providers(config: PluginConfig) -> Sequence[Any]:
    """``LlmConnectionService`` and its cipher, ``EvaluatorService``,
    ``EvaluationRuleService``, and the preview and playground (``InteractiveProvider``).

    The settings are parsed here, at start-up, so a malformed encryption key stops the
    process with a message naming the variable instead of failing the first request.
    """
    from spyglass_evals.interactive_provider import InteractiveProvider
    from spyglass_evals.options import evals_options
    from spyglass_evals.provider import EvalsProvider

    evals_options(config)
    return [EvalsProvider(), InteractiveProvider()]


@hookimpl
def register_storage() -> Sequence[StorageSpec]:
    """LLM connections, evaluators and rules (Alembic chain ``evals``) and their repositories."""
    from spyglass_evals.storage.spec import storage_spec

    return [storage_spec()]


@hookimpl
def register_event_handlers() -> Mapping[type[DomainEvent], Sequence[EventHandler]]:
    """New traces (``TracesIngested``), SDK experiment items (``ExperimentItemsRan``) and
    run items linked through the API (``DatasetRunItemsLinked``) get executions from the
    project's active rules."""
    from spyglass_core.domain.events import (
        DatasetRunItemsLinked,
        ExperimentItemsRan,
        TracesIngested,
    )
    from spyglass_evals.handlers import on_experiment_items, on_traces_ingested

    return {
        TracesIngested: [on_traces_ingested],  # type: ignore[list-item]
        ExperimentItemsRan: [on_experiment_items],  # type: ignore[list-item]
        DatasetRunItemsLinked: [on_experiment_items],  # type: ignore[list-item]
    }


@hookimpl
def startup(container: Any) -> Any:
    """Pause rules whose code evaluators are gone; start the execution runner."""
    from spyglass_evals.lifecycle import start

    return start(container)


@hookimpl
def shutdown(container: Any) -> Any:
    """Stop the execution runner."""
    from spyglass_evals.lifecycle import stop

    return stop(container)


@hookimpl
def register_ui() -> Sequence[UIContribution]:
    """Evaluators (with the live preview), evaluation rules and their executions, the
    prompt playground, LLM connections in the settings, and "Judge trace" on EVAL scores."""
    return [
        UIContribution(
            name="evals",
            assets="spyglass_evals.ui",
            navigation=(
                NavigationEntry(label="Evaluators", path="evaluators", order=80),
                NavigationEntry(label="Evaluation rules", path="evaluation-rules", order=81),
                NavigationEntry(label="Playground", path="playground", order=85),
                NavigationEntry(
                    label="LLM connections", path="settings/llm-connections", section="settings"
                ),
            ),
        )
    ]
