"""Publishing and decoding domain events for delivery through the queue."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from spyglass.events import (
    DELIVER_EVENT_TASK,
    EventDelivery,
    EventHandlers,
    QueuedEventPublisher,
    event_type_name,
    handle_delivery,
)
from spyglass_adapters.memory.clock import FixedClock
from spyglass_adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from spyglass_core.domain.errors import StorageUnavailable
from spyglass_core.domain.events import DomainEvent, ProjectCreated, TracesIngested

AT = datetime(2026, 12, 1, tzinfo=UTC)


class RecordingQueue:
    def __init__(self, failure: Exception | None = None) -> None:
        self.sent: list[tuple[str, Mapping[str, Any]]] = []
        self._failure = failure

    async def enqueue(self, task_name: str, payload: Mapping[str, Any]) -> None:
        if self._failure:
            raise self._failure
        self.sent.append((task_name, payload))

    async def depth(self) -> int:
        return len(self.sent)


async def ignore(event: DomainEvent, container: Any) -> None:
    return None


def handlers(*types: type[DomainEvent]) -> EventHandlers:
    return EventHandlers({event_type: [ignore] for event_type in types})


def publisher_of(
    listening: EventHandlers, queue: RecordingQueue, uow: MemoryUnitOfWorkFactory | None = None
) -> QueuedEventPublisher:
    return QueuedEventPublisher(listening, queue, uow or MemoryUnitOfWorkFactory(), FixedClock(AT))


async def test_an_event_nobody_listens_to_is_not_enqueued() -> None:
    queue = RecordingQueue()
    publisher = publisher_of(handlers(TracesIngested), queue)
    await publisher.publish(ProjectCreated(occurred_at=AT, project_id="p", organization_id="o"))
    assert queue.sent == []


async def test_a_published_event_round_trips_to_its_type() -> None:
    queue = RecordingQueue()
    listening = handlers(TracesIngested)
    event = TracesIngested(occurred_at=AT, project_id="p", trace_ids=("t1", "t2"))
    await publisher_of(listening, queue).publish(event)
    ((task, payload),) = queue.sent
    assert task == DELIVER_EVENT_TASK
    assert payload["event_type"] == event_type_name(TracesIngested)
    delivery = EventDelivery(listening, container=None)  # type: ignore[arg-type]
    assert delivery.decode(payload["event_type"], payload["event"]) == event


async def test_a_handler_of_a_base_type_receives_its_subtypes() -> None:
    queue = RecordingQueue()
    listening = handlers(DomainEvent)
    event = ProjectCreated(occurred_at=AT, project_id="p", organization_id="o")
    await publisher_of(listening, queue).publish(event)
    ((_, payload),) = queue.sent
    delivery = EventDelivery(listening, container=None)  # type: ignore[arg-type]
    assert delivery.decode(payload["event_type"], payload["event"]) == event


@pytest.mark.parametrize("failure", [StorageUnavailable("down"), RuntimeError("broker")])
async def test_a_queue_failure_never_fails_the_publisher(
    failure: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    uow = MemoryUnitOfWorkFactory()
    publisher = publisher_of(handlers(ProjectCreated), RecordingQueue(failure), uow)
    await publisher.publish(ProjectCreated(occurred_at=AT, project_id="p", organization_id="o"))
    assert "could not enqueue the delivery of" in caplog.text
    # The event is kept: the relay sends it again once its in-flight time has passed.
    healthy = RecordingQueue()
    restarted = QueuedEventPublisher(handlers(ProjectCreated), healthy, uow, FixedClock(AT))
    restarted._born += timedelta(seconds=1)  # a process started after the first one died
    assert await restarted.relay() == 0  # still in flight
    assert await restarted.relay(recover=True) == 1  # as at start-up
    assert healthy.sent[0][1]["event_type"] == event_type_name(ProjectCreated)


async def test_a_staged_event_is_delivered_only_once_its_transaction_committed() -> None:
    uow, queue = MemoryUnitOfWorkFactory(), RecordingQueue()
    publisher = publisher_of(handlers(TracesIngested), queue, uow)
    event = TracesIngested(occurred_at=AT, project_id="p", trace_ids=("t1",))
    async with uow() as rolled_back:
        await publisher.stage(rolled_back, event)  # never committed
    await publisher.flush()
    assert queue.sent == []
    async with uow() as work:
        await publisher.stage(work, event)
        await work.commit()
    await publisher.flush()
    assert [payload["event"] for _, payload in queue.sent] == [msgspec.json.encode(event).decode()]


class ScriptedDelivery:
    """Runs no handler; answers as scripted (whether every handler succeeded)."""

    def __init__(self, succeed: bool) -> None:
        self.succeed = succeed
        self.delivered = 0

    def decode(self, event_type: str, event: str) -> DomainEvent:
        return msgspec.json.decode(event, type=TracesIngested)

    async def deliver(self, event: DomainEvent) -> bool:
        self.delivered += 1
        return self.succeed


async def test_an_entry_is_deleted_once_handled_and_retried_later_when_a_handler_failed() -> None:
    uow, queue = MemoryUnitOfWorkFactory(), RecordingQueue()
    publisher = publisher_of(handlers(TracesIngested), queue, uow)
    await publisher.publish(TracesIngested(occurred_at=AT, project_id="p", trace_ids=("t1",)))
    ((_, payload),) = queue.sent

    def run(delivery: ScriptedDelivery) -> Any:
        return handle_delivery(
            payload["event_type"],
            payload["event"],
            payload["entry_id"],
            delivery,  # type: ignore[arg-type]
            uow,
            FixedClock(AT),
        )

    await run(ScriptedDelivery(succeed=False))
    async with uow() as work:
        entry = await work.outbox.get(payload["entry_id"])
    assert entry is not None and entry.attempts == 1 and entry.available_at > AT

    working = ScriptedDelivery(succeed=True)
    await run(working)
    await run(working)  # a duplicate delivery
    assert working.delivered == 1  # the duplicate found its entry gone
    async with uow() as work:
        assert await work.outbox.get(payload["entry_id"]) is None


async def test_the_start_up_relay_never_sends_this_process_own_deliveries_again() -> None:
    uow, queue = MemoryUnitOfWorkFactory(), RecordingQueue()
    publisher = publisher_of(handlers(TracesIngested), queue, uow)
    await publisher.publish(TracesIngested(occurred_at=AT, project_id="p", trace_ids=("t",)))
    assert len(queue.sent) == 1
    assert await publisher.relay(recover=True) == 0  # in flight from this very process
    assert len(queue.sent) == 1
