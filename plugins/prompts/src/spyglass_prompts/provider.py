"""The plugin's dishka provider: ``PromptService`` on the core ports."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from spyglass_core.hookspecs import PluginConfig
from spyglass_core.ports.cache import Cache
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_prompts.options import PromptsOptions, prompts_options
from spyglass_prompts.services.prompts import PromptService

__all__ = ("PromptsProvider",)


class PromptsProvider(Provider):
    """APP-scoped: the service holds no per-request state."""

    scope = Scope.APP

    @provide
    def options(self, config: PluginConfig) -> PromptsOptions:
        return prompts_options(config)

    @provide
    def prompt_service(
        self, uow: UnitOfWorkFactory, cache: Cache, clock: Clock, options: PromptsOptions
    ) -> PromptService:
        return PromptService(
            uow, cache, clock, ttl_seconds=options.cache_ttl_seconds, limits=options.limits
        )
