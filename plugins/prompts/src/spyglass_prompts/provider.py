"""The plugin's dishka provider: ``PromptService`` on the core ports."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from spyglass_core.hookspecs import PluginConfig
from spyglass_core.ports.cache import Cache
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_prompts.services.prompts import PromptService

__all__ = ("PLUGIN_NAME", "PromptsProvider")

PLUGIN_NAME = "prompts"
DEFAULT_CACHE_TTL_SECONDS = 3600.0


class PromptsProvider(Provider):
    """APP-scoped: the service holds no per-request state."""

    scope = Scope.APP

    @provide
    def prompt_service(
        self, uow: UnitOfWorkFactory, cache: Cache, clock: Clock, config: PluginConfig
    ) -> PromptService:
        options = config.for_plugin(PLUGIN_NAME)
        ttl = float(options.get("cache_ttl_seconds", DEFAULT_CACHE_TTL_SECONDS))
        return PromptService(uow, cache, clock, ttl_seconds=ttl)
