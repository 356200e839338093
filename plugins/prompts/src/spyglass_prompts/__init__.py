"""Spyglass prompts: versioned, labelled, composable prompts that the SDKs fetch from cache.

Configuration: ``SPYGLASS_PLUGIN_PROMPTS_<KEY>``, see ``spyglass_prompts.options``
(``CACHE_TTL_SECONDS``, ``MAX_RESOLVED_BYTES``, ``MAX_REFERENCES``). A bad value fails
start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spyglass_core.hookspecs import (
    ApiSurface,
    NavigationEntry,
    StorageSpec,
    UIContribution,
    hookimpl,
)

__all__ = ("register_providers", "register_routes", "register_storage", "register_ui", "startup")


@hookimpl
def register_routes(surface: ApiSurface) -> Sequence[Any]:
    """The Langfuse prompt routes on the public API; the web UI's on the internal one."""
    if surface is ApiSurface.INTERNAL:
        from spyglass_prompts.api.internal import INTERNAL_ROUTES

        return INTERNAL_ROUTES
    from spyglass_prompts.api.routes import ROUTES

    return ROUTES if surface is ApiSurface.PUBLIC else []


@hookimpl
def register_providers() -> Sequence[Any]:
    """``PromptService``."""
    from spyglass_prompts.provider import PromptsProvider

    return [PromptsProvider()]


@hookimpl
def register_storage() -> Sequence[StorageSpec]:
    """Prompt tables (Alembic chain ``prompts``) and ``PromptRepository``."""
    from spyglass_prompts.storage.spec import storage_spec

    return [storage_spec()]


@hookimpl
def register_ui() -> Sequence[UIContribution]:
    """The prompts page: versions, labels, diffs, promotion."""
    return [
        UIContribution(
            name="prompts",
            assets="spyglass_prompts.ui",
            navigation=(NavigationEntry(label="Prompts", path="prompts", order=60),),
        )
    ]


@hookimpl
def startup(container: Any) -> Any:
    """Parse the settings now, so that a bad value fails start-up rather than a request."""
    from spyglass_prompts.options import PromptsOptions

    return container.get(PromptsOptions)
