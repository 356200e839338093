"""Delivering domain events to the handlers of ``register_event_handlers``."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import pluggy
from dishka import AsyncContainer

from spyglass_core.domain.events import DomainEvent
from spyglass_core.hookspecs import EventHandler
from spyglass_core.ports.event_publisher import EventPublisher

__all__ = ("HookEventPublisher", "collect_event_handlers")

logger = logging.getLogger(__name__)


def collect_event_handlers(
    pm: pluggy.PluginManager,
) -> dict[type[DomainEvent], list[EventHandler]]:
    """Every plugin's handlers, merged per event type in registration order."""
    merged: dict[type[DomainEvent], list[EventHandler]] = {}
    results: list[Mapping[type[DomainEvent], Sequence[EventHandler]] | None] = (
        pm.hook.register_event_handlers()
    )
    for mapping in reversed(results):
        for event_type, handlers in (mapping or {}).items():
            merged.setdefault(event_type, []).extend(handlers)
    return merged


class HookEventPublisher(EventPublisher):
    """Runs each handler in its own request scope of the process container."""

    def __init__(
        self,
        handlers: Mapping[type[DomainEvent], Sequence[EventHandler]],
        container: AsyncContainer,
    ) -> None:
        self._handlers = handlers
        self._container = container

    async def publish(self, event: DomainEvent) -> None:
        for event_type, handlers in self._handlers.items():
            if not isinstance(event, event_type):
                continue
            for handler in handlers:
                await self._run(handler, event)

    async def _run(self, handler: EventHandler, event: Any) -> None:
        try:
            async with self._container() as request_container:
                await handler(event, request_container)
        except Exception:
            logger.exception("handler %r failed on %s", handler, type(event).__name__)
