"""Delivering domain events to the handlers of ``register_event_handlers``, via the queue.

Publishing never runs a handler: it stores the event in the outbox (``stage`` does it
inside the caller's transaction, so the event commits with its change) and enqueues
``spyglass.deliver_event`` naming it; the worker (in-process in embedded mode) runs the
handlers, each in its own request scope, and deletes the outbox entry once they all
succeeded. So a slow or failing subscriber (online evaluation, say) can never stall or
fail the code that raised the event, nor hold its transaction or lock, and an event is
not lost when the process dies with deliveries still queued in memory: the relay sends
them again at start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import msgspec
import pluggy
from dishka import AsyncContainer
from dishka.integrations.taskiq import FromDishka, inject

from spyglass_core.domain.events import DomainEvent
from spyglass_core.hookspecs import EventHandler
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.event_outbox import OutboxEntry
from spyglass_core.ports.event_publisher import EventPublisher
from spyglass_core.ports.task_queue import TaskQueue
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = (
    "DELIVER_EVENT_TASK",
    "EventDelivery",
    "EventHandlers",
    "OutboxRelay",
    "QueuedEventPublisher",
    "collect_event_handlers",
    "deliver_event",
    "event_type_name",
    "handle_delivery",
)

logger = logging.getLogger(__name__)

DELIVER_EVENT_TASK = "spyglass.deliver_event"
IN_FLIGHT_TIMEOUT = timedelta(minutes=5)
"""A delivery not finished by then (its process died) is sent again."""
RETRY_BACKOFF = timedelta(seconds=10)
MAX_DELIVERY_ATTEMPTS = 8
"""Handlers failing this often (with doubling backoff, about 40 minutes) are given up."""
_EPSILON = timedelta(milliseconds=1)
_RELAY_PAGE = 500


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
    """Stores each event some handler listens to in the outbox, then enqueues its delivery.

    An entry stays in the outbox until its handlers ran (``deliver_event`` deletes it), so
    nothing is lost when the process dies with deliveries queued in memory: ``relay``
    enqueues again what is due, at start-up (everything) and periodically (deliveries
    that timed out and retries of failed handlers).
    """

    def __init__(
        self,
        handlers: EventHandlers,
        queue: TaskQueue,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        in_flight: timedelta = IN_FLIGHT_TIMEOUT,
    ) -> None:
        self._handlers = handlers
        self._queue = queue
        self._uow_factory = uow_factory
        self._clock = clock
        self._in_flight = in_flight
        # Every entry this process sends is in flight until at least this + in_flight;
        # the start-up relay takes only entries in flight until earlier (a dead
        # process's), so it never sends this process's own deliveries a second time.
        self._born = clock.now()

    def _listened(self, event: DomainEvent) -> bool:
        return any(isinstance(event, event_type) for event_type in self._handlers)

    def _entry(self, event: DomainEvent) -> OutboxEntry:
        now = self._clock.now()
        return OutboxEntry(
            id=uuid.uuid4().hex,
            event_type=event_type_name(type(event)),
            payload=msgspec.json.encode(event).decode(),
            created_at=now,
            available_at=now,
        )

    async def publish(self, event: DomainEvent) -> None:
        if not self._listened(event):
            return
        try:
            async with self._uow_factory() as uow:
                await uow.outbox.add([self._entry(event)])
                await uow.commit()
        except Exception:
            # What raised the event is already committed; losing its notification must
            # not undo or fail it, so it is logged loudly instead.
            logger.exception("could not store %s for its handlers", type(event).__name__)
            return
        await self.relay()

    async def stage(self, uow: UnitOfWork, event: DomainEvent) -> None:
        if self._listened(event):
            await uow.outbox.add([self._entry(event)])

    async def flush(self) -> None:
        await self.relay()

    async def relay(self, *, recover: bool = False, limit: int = 500) -> int:
        """Enqueue the deliveries of due entries; how many. With ``recover`` (at
        start-up), also those a process that died before this one left in flight.

        Each is marked in flight first, so the periodic relay does not send it again
        unless its delivery did not finish within the in-flight timeout.
        """
        now = self._clock.now()
        try:
            async with self._uow_factory() as uow:
                bound = self._born + self._in_flight - _EPSILON if recover else now
                due = await uow.outbox.due(max(bound, now), limit)
                for entry in due:
                    await uow.outbox.postpone(entry.id, now + self._in_flight, entry.attempts)
                await uow.commit()
        except Exception:
            logger.exception("could not read the event outbox; the next relay retries")
            return 0
        for entry in due:
            payload = {"event_type": entry.event_type, "event": entry.payload, "entry_id": entry.id}
            try:
                await self._queue.enqueue(DELIVER_EVENT_TASK, payload)
            except Exception:
                logger.exception(
                    "could not enqueue the delivery of %s; it is sent again in %s",
                    entry.event_type,
                    self._in_flight,
                )
        return len(due)


class OutboxRelay:
    """Relays the outbox in the background: everything once at start-up, then what is
    due every ``interval`` (timed-out deliveries and retries of failed handlers)."""

    def __init__(self, publisher: EventPublisher, *, interval: float = 5.0) -> None:
        self._publisher = publisher
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin relaying (idempotent)."""
        if self._task is None and isinstance(self._publisher, QueuedEventPublisher):
            self._task = asyncio.create_task(self._loop(self._publisher), name="event-outbox")

    async def stop(self) -> None:
        """Stop relaying; undelivered entries stay in the outbox for the next start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self, publisher: QueuedEventPublisher) -> None:
        while await publisher.relay(recover=True) >= _RELAY_PAGE:
            pass  # a large backlog after a crash: relay it all before waiting
        while True:
            await asyncio.sleep(self._interval)
            await publisher.relay()


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

    async def deliver(self, event: DomainEvent) -> bool:
        """Run every matching handler; one failing is logged and does not stop the others.
        Whether all of them succeeded."""
        succeeded = True
        for event_type, handlers in self._handlers.items():
            if not isinstance(event, event_type):
                continue
            for handler in handlers:
                succeeded = await self._run(handler, event) and succeeded
        return succeeded

    async def _run(self, handler: EventHandler, event: Any) -> bool:
        try:
            async with self._container() as request_container:
                await handler(event, request_container)
        except Exception:
            logger.exception("handler %r failed on %s", handler, type(event).__name__)
            return False
        return True


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
async def deliver_event(
    event_type: str,
    event: str,
    delivery: FromDishka[EventDelivery],
    uow_factory: FromDishka[UnitOfWorkFactory],
    clock: FromDishka[Clock],
    entry_id: str | None = None,
) -> None:
    """The task behind ``publish`` (see ``handle_delivery``)."""
    await handle_delivery(event_type, event, entry_id, delivery, uow_factory, clock)


async def handle_delivery(
    event_type: str,
    event: str,
    entry_id: str | None,
    delivery: EventDelivery,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
) -> None:
    """Decode the event, run its handlers, and delete its outbox entry once they all
    succeeded (failed ones are retried later, with backoff)."""
    entry: OutboxEntry | None = None
    if entry_id is not None:
        async with uow_factory() as uow:
            entry = await uow.outbox.get(entry_id)
        if entry is None:  # delivered already (a duplicate), or never committed
            return
    decoded = delivery.decode(event_type, event)
    if decoded is None:
        logger.warning("no handler of this process knows the event type %s", event_type)
        succeeded = True  # another version of the code may; keeping it would loop forever
    else:
        succeeded = await delivery.deliver(decoded)
    if entry is None:
        return
    async with uow_factory() as uow:
        if succeeded or entry.attempts + 1 >= MAX_DELIVERY_ATTEMPTS:
            if not succeeded:
                logger.error(
                    "%s dropped after %d failed deliveries", event_type, entry.attempts + 1
                )
            await uow.outbox.delete(entry.id)
        else:
            backoff = RETRY_BACKOFF * 2**entry.attempts
            await uow.outbox.postpone(entry.id, clock.now() + backoff, entry.attempts + 1)
        await uow.commit()
