"""Publishing and decoding domain events for delivery through the queue."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from spyglass.events import (
    DELIVER_EVENT_TASK,
    EventDelivery,
    EventHandlers,
    QueuedEventPublisher,
    event_type_name,
)
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


async def test_an_event_nobody_listens_to_is_not_enqueued() -> None:
    queue = RecordingQueue()
    publisher = QueuedEventPublisher(handlers(TracesIngested), queue)
    await publisher.publish(ProjectCreated(occurred_at=AT, project_id="p", organization_id="o"))
    assert queue.sent == []


async def test_a_published_event_round_trips_to_its_type() -> None:
    queue = RecordingQueue()
    listening = handlers(TracesIngested)
    event = TracesIngested(occurred_at=AT, project_id="p", trace_ids=("t1", "t2"))
    await QueuedEventPublisher(listening, queue).publish(event)
    ((task, payload),) = queue.sent
    assert task == DELIVER_EVENT_TASK
    assert payload["event_type"] == event_type_name(TracesIngested)
    decoded = EventDelivery(listening, container=None).decode(**payload)  # type: ignore[arg-type]
    assert decoded == event


async def test_a_handler_of_a_base_type_receives_its_subtypes() -> None:
    queue = RecordingQueue()
    listening = handlers(DomainEvent)
    event = ProjectCreated(occurred_at=AT, project_id="p", organization_id="o")
    await QueuedEventPublisher(listening, queue).publish(event)
    ((_, payload),) = queue.sent
    decoded = EventDelivery(listening, container=None).decode(**payload)  # type: ignore[arg-type]
    assert decoded == event


@pytest.mark.parametrize("failure", [StorageUnavailable("down"), RuntimeError("broker")])
async def test_a_queue_failure_never_fails_the_publisher(
    failure: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    publisher = QueuedEventPublisher(handlers(ProjectCreated), RecordingQueue(failure))
    await publisher.publish(ProjectCreated(occurred_at=AT, project_id="p", organization_id="o"))
    assert "could not enqueue ProjectCreated" in caplog.text
