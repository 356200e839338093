"""Contract of ``TaskQueue``: the memory queue, taskiq in-process and taskiq on Redis streams.

Each variant is driven through ``QueueUnderTest.drain``: the memory queue runs its
pending messages, the in-process broker already runs them as asyncio tasks, and the
Redis variant starts a consumer (``TaskiqTaskQueue.consume``) on first drain (so
messages wait in the stream until then), then each waits until the expected effect is
observed. A consumer must stop within ``STOP_WITHIN`` seconds of being cancelled.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis.asyncio as redis
from taskiq import AsyncBroker

from spyglass_adapters.memory.task_queue import MemoryTaskQueue
from spyglass_adapters.queue import TaskiqTaskQueue, in_process_broker, redis_broker
from spyglass_core.domain.errors import InvalidInput, NotFound, StorageUnavailable
from spyglass_core.ports.task_queue import TaskQueue

TIMEOUT = 5.0
STOP_WITHIN = 2.0


async def eventually(condition: Callable[[], Any], *, within: float = TIMEOUT) -> None:
    """Poll ``condition`` (sync or async) until it is truthy; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {within} s")
        await asyncio.sleep(0.01)


async def cancel_and_wait(
    task: asyncio.Task[None], *, within: float = STOP_WITHIN, what: str = "cancelled"
) -> None:
    """Cancel ``task`` and wait for it to end; fail if it still runs after ``within`` s."""
    task.cancel()
    await asyncio.wait({task}, timeout=within)
    if not task.done():
        pytest.fail(f"the consumer, {what}, still runs {within} s later")


@dataclass
class QueueUnderTest:
    kind: str
    queue: TaskQueue
    calls: list[dict[str, Any]]
    broker: AsyncBroker | None = None
    consumer: asyncio.Task[None] | None = field(default=None, repr=False)

    async def drain(self, until: Callable[[], bool]) -> None:
        """Let queued tasks run until ``until()`` holds."""
        if isinstance(self.queue, MemoryTaskQueue):
            await self.queue.run_pending()
            assert until(), "the memory queue ran its messages without the expected effect"
            return
        if self.kind == "redis" and self.consumer is None:
            assert isinstance(self.queue, TaskiqTaskQueue)
            self.consumer = asyncio.create_task(self.queue.consume())
        await eventually(until)


@pytest.fixture(params=["memory", "inprocess", "redis"])
async def subject(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[QueueUnderTest]:
    calls: list[dict[str, Any]] = []

    async def record_call(**payload: Any) -> None:
        calls.append(payload)

    tasks = {"contract.record_call": record_call}

    if request.param == "memory":
        yield QueueUnderTest("memory", MemoryTaskQueue(tasks), calls)
        return

    queue_name = f"spyglass-ct-{uuid.uuid4().hex}"
    if request.param == "inprocess":
        broker, depth = in_process_broker()
    else:
        broker, depth = redis_broker(redis_url, queue_name=queue_name)
    queue = TaskiqTaskQueue(broker, depth)
    queue.register(tasks)
    await broker.startup()
    subject = QueueUnderTest(request.param, queue, calls, broker)
    try:
        yield subject
    finally:
        try:
            if subject.consumer is not None:
                await cancel_and_wait(subject.consumer)
        finally:
            await broker.shutdown()
            if request.param == "redis":
                await delete_stream(redis_url, queue_name)


async def delete_stream(redis_url: str, queue_name: str) -> None:
    client = redis.Redis.from_url(redis_url)
    await client.delete(queue_name)
    await client.aclose()


async def test_enqueue_runs_the_task_with_its_payload(subject: QueueUnderTest) -> None:
    payload = {"trace_id": "t-1", "count": 3, "ratio": 0.5, "tags": ["a", "b"], "extra": None}
    await subject.queue.enqueue("contract.record_call", payload)
    await subject.drain(lambda: len(subject.calls) >= 1)
    assert subject.calls[0] == payload


async def test_every_message_runs(subject: QueueUnderTest) -> None:
    payloads = [{"n": i, "project_id": f"p-{i % 2}"} for i in range(6)]
    for payload in payloads:
        await subject.queue.enqueue("contract.record_call", payload)
    await subject.drain(lambda: len(subject.calls) >= len(payloads))
    # At least once: every payload ran; a redelivery could only add duplicates.
    assert sorted(subject.calls, key=lambda c: c["n"])[: len(payloads)] == payloads
    assert {c["n"] for c in subject.calls} == set(range(6))


async def test_the_payload_is_copied_at_enqueue(subject: QueueUnderTest) -> None:
    payload: dict[str, Any] = {"items": [1]}
    await subject.queue.enqueue("contract.record_call", payload)
    payload["items"].append(2)
    await subject.drain(lambda: len(subject.calls) >= 1)
    assert subject.calls[0] == {"items": [1]}


async def test_unknown_task_name_raises_not_found(subject: QueueUnderTest) -> None:
    with pytest.raises(NotFound):
        await subject.queue.enqueue("contract.no_such_task", {"a": 1})
    assert await subject.queue.depth() == 0
    assert subject.calls == []


@pytest.mark.parametrize(
    "payload",
    [{"value": object()}, {"nested": {"fn": lambda: None}}],
    ids=["object", "nested-function"],
)
async def test_payload_that_cannot_be_encoded_raises_invalid_input(
    subject: QueueUnderTest, payload: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInput):
        await subject.queue.enqueue("contract.record_call", payload)
    assert await subject.queue.depth() == 0
    # The queue still works afterwards.
    await subject.queue.enqueue("contract.record_call", {"ok": True})
    await subject.drain(lambda: len(subject.calls) >= 1)
    assert subject.calls == [{"ok": True}]


async def test_depth_counts_unfinished_messages_and_returns_to_zero(
    subject: QueueUnderTest,
) -> None:
    assert await subject.queue.depth() == 0
    for i in range(3):
        await subject.queue.enqueue("contract.record_call", {"n": i})
    if subject.kind in ("memory", "redis"):
        # Nothing consumes these until drained.
        assert await subject.queue.depth() == 3
    else:
        assert 0 <= await subject.queue.depth() <= 3
    await subject.drain(lambda: len(subject.calls) >= 3)

    async def depth_is_zero() -> bool:
        return await subject.queue.depth() == 0

    await eventually(depth_is_zero)
    assert await subject.queue.depth() == 0


async def test_wait_idle_waits_for_the_tasks_that_running_tasks_enqueue() -> None:
    """An applied batch raises an event whose delivery is a task of its own: stopping
    ``serve`` must wait for that one too, not only for what ran when it began waiting."""
    broker, depth = in_process_broker()
    queue = TaskiqTaskQueue(broker, depth)
    done: list[str] = []

    async def apply_batch(**payload: Any) -> None:
        await asyncio.sleep(0.05)
        done.append("batch")
        await queue.enqueue("contract.deliver_event", {"after": "batch"})

    async def deliver_event(**payload: Any) -> None:
        await asyncio.sleep(0.05)
        await queue.enqueue("contract.run_handler", {"after": "event"})
        done.append("event")

    async def run_handler(**payload: Any) -> None:
        await asyncio.sleep(0.05)
        done.append("handler")

    queue.register(
        {
            "contract.apply_batch": apply_batch,
            "contract.deliver_event": deliver_event,
            "contract.run_handler": run_handler,
        }
    )
    await broker.startup()
    try:
        await queue.enqueue("contract.apply_batch", {})
        await asyncio.wait_for(queue.wait_idle(), TIMEOUT)
        assert done == ["batch", "event", "handler"]
        assert await queue.depth() == 0
        # taskiq's own wait_all stops at the first generation.
        done.clear()
        await queue.enqueue("contract.apply_batch", {})
        await broker.wait_all()  # type: ignore[attr-defined]
        assert done == ["batch"]
        await asyncio.wait_for(queue.wait_idle(), TIMEOUT)
        assert done == ["batch", "event", "handler"]
    finally:
        await broker.shutdown()


async def test_wait_idle_returns_at_once_on_a_shared_queue(redis_url: str) -> None:
    broker, depth = redis_broker(redis_url, queue_name=f"spyglass-ct-{uuid.uuid4().hex}")
    queue = TaskiqTaskQueue(broker, depth)
    await asyncio.wait_for(queue.wait_idle(), 1.0)


# --- stopping a Redis consumer ------------------------------------------------------

# Delays between the last task running and the cancellation, in seconds: a sweep over
# the few milliseconds in which the listener moves on to its next read.
CANCEL_DELAYS = [step / 4000 for step in range(21)]


async def test_a_cancelled_redis_consumer_stops_within_seconds(redis_url: str) -> None:
    """Cancelled right after its tasks ran, a consumer ends promptly, their messages acked.

    Just after a batch the listener is between reads, opening a connection while the
    acknowledgements hold the others. A cancellation landing there used to be lost
    (redis-py's ``wait_for`` on Python 3.11) and taskiq's ``run_receiver_task`` then
    waited for the listener forever. Which delay hits that window depends on the
    machine, hence the sweep.
    """
    for delay in CANCEL_DELAYS:
        await cancel_a_consumer_after_its_tasks(redis_url, delay)


async def cancel_a_consumer_after_its_tasks(redis_url: str, delay: float) -> None:
    calls: list[dict[str, Any]] = []
    all_ran = asyncio.Event()

    async def record_call(**payload: Any) -> None:
        calls.append(payload)
        if len(calls) == 6:
            all_ran.set()

    queue_name = f"spyglass-ct-{uuid.uuid4().hex}"
    broker, depth = redis_broker(redis_url, queue_name=queue_name)
    queue = TaskiqTaskQueue(broker, depth)
    queue.register({"contract.record_call": record_call})
    await broker.startup()
    consumer: asyncio.Task[None] | None = None
    try:
        for n in range(6):
            await queue.enqueue("contract.record_call", {"n": n})
        consumer = asyncio.create_task(queue.consume())
        await asyncio.wait_for(all_ran.wait(), TIMEOUT)
        await asyncio.sleep(delay)
        await cancel_and_wait(consumer, what=f"cancelled {delay * 1000:.2f} ms after its tasks")
        assert consumer.cancelled()
        # The tasks that ran were acknowledged before the consumer returned.
        assert await queue.depth() == 0
    finally:
        # Closing the pool also frees a consumer that failed to stop.
        await broker.shutdown()
        if consumer is not None and not consumer.done():
            consumer.cancel()
            await asyncio.wait({consumer}, timeout=TIMEOUT)
        await delete_stream(redis_url, queue_name)


async def test_an_unreachable_redis_is_storage_unavailable() -> None:
    broker, depth = redis_broker("redis://127.0.0.1:1/0", queue_name=f"down-{uuid.uuid4().hex}")
    queue = TaskiqTaskQueue(broker, depth)

    async def noop() -> None:
        return None

    queue.register({"contract.noop": noop})
    with pytest.raises(StorageUnavailable):
        await queue.enqueue("contract.noop", {})
