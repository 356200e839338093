"""Delivering domain events to the handlers of ``register_event_handlers``, via the queue.

Publishing never runs a handler: it enqueues ``spyglass.deliver_event`` naming the event,
and the worker (in-process in embedded mode) runs the handlers, each in its own request
scope. So a slow or failing subscriber (online evaluation, say) can never stall or fail
the code that raised the event, nor hold its transaction or lock.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import pluggy
from dishka import AsyncContainer
from dishka.integrations.taskiq import FromDishka, inject

from spyglass_core.domain.events import DomainEvent
from spyglass_core.hookspecs import EventHandler
from spyglass_core.ports.event_publisher import EventPublisher
from spyglass_core.ports.task_queue import TaskQueue

__all__ = (
    "DELIVER_EVENT_TASK",
    "EventDelivery",
    "EventHandlers",
    "QueuedEventPublisher",
    "collect_event_handlers",
    "deliver_event",
    "event_type_name",
)

logger = logging.getLogger(__name__)

DELIVER_EVENT_TASK = "spyglass.deliver_event"


class EventHandlers(dict[type[DomainEvent], list[EventHandler]]):
    """Every plugin's handlers per event type (a distinct type, so dishka can provide it)."""


def collect_event_handlers(pm: pluggy.PluginManager) -> EventHandlers:
    """Every plugin's handlers, merged per event type in registration order."""
    merged = EventHandlers()
    results: list[Mapping[type[DomainEvent], Sequence[EventHandler]] | None] = (
        pm.hook.register_event_handlers()
    )
    for mapping in reversed(results):
        for event_type, handlers in (mapping or {}).items():
            merged.setdefault(event_type, []).extend(handlers)
    return merged


def event_type_name(event_type: type[DomainEvent]) -> str:
    """The name an event type travels under: ``module.QualifiedName``."""
    return f"{event_type.__module__}.{event_type.__qualname__}"


class QueuedEventPublisher(EventPublisher):
    """Enqueues one delivery per event that some handler listens to."""

    def __init__(self, handlers: EventHandlers, queue: TaskQueue) -> None:
        self._handlers = handlers
        self._queue = queue

    async def publish(self, event: DomainEvent) -> None:
        if not any(isinstance(event, event_type) for event_type in self._handlers):
            return
        payload = {
            "event_type": event_type_name(type(event)),
            "event": msgspec.json.encode(event).decode(),
        }
        try:
            await self._queue.enqueue(DELIVER_EVENT_TASK, payload)
        except Exception:
            # What raised the event is already committed; losing its notification must
            # not undo or fail it, so it is logged loudly instead.
            logger.exception("could not enqueue %s for its handlers", type(event).__name__)


class EventDelivery:
    """Runs the handlers of one delivered event, each in its own request scope."""

    def __init__(self, handlers: EventHandlers, container: AsyncContainer) -> None:
        self._handlers = handlers
        self._container = container
        self._types = _subtypes(handlers)

    def decode(self, event_type: str, event: str) -> DomainEvent | None:
        """The event, or None when no handler of this process listens to its type.

        A handler of a type also receives its subclasses, so the name is looked up
        among the handled types and everything derived from them.
        """
        known = self._types.get(event_type)
        if known is None:  # a subclass defined after start-up: look again, once per miss
            self._types = _subtypes(self._handlers)
            known = self._types.get(event_type)
        return None if known is None else msgspec.json.decode(event, type=known)

    async def deliver(self, event: DomainEvent) -> None:
        """Run every matching handler; one failing is logged and does not stop the others."""
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


def _subtypes(handlers: EventHandlers) -> dict[str, type[DomainEvent]]:
    found: dict[str, type[DomainEvent]] = {}
    pending = list(handlers)
    while pending:
        event_type = pending.pop()
        if event_type_name(event_type) not in found:
            found[event_type_name(event_type)] = event_type
            pending.extend(event_type.__subclasses__())
    return found


@inject(patch_module=True)
async def deliver_event(event_type: str, event: str, delivery: FromDishka[EventDelivery]) -> None:
    """The task behind ``publish``: decode the event and run its handlers."""
    decoded = delivery.decode(event_type, event)
    if decoded is None:
        logger.warning("no handler of this process knows the event type %s", event_type)
        return
    await delivery.deliver(decoded)
