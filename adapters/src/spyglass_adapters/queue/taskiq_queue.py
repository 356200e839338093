"""``TaskQueue`` over a taskiq broker, with a depth probe per broker kind."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import msgspec
from taskiq import (
    AsyncBroker,
    InMemoryBroker,
    TaskiqEvents,
    TaskiqMessage,
    TaskiqMiddleware,
    TaskiqResult,
    TaskiqState,
)
from taskiq.exceptions import SendTaskError

from spyglass_adapters.queue.consumer import DRAIN_TIMEOUT_SECONDS, consume
from spyglass_core.domain.errors import InvalidInput, NotFound, StorageUnavailable
from spyglass_core.ports.task_queue import TaskQueue

__all__ = ("TaskiqTaskQueue", "in_process_broker", "redis_broker")

DepthProbe = Callable[[], Awaitable[int]]


class _InFlightCounter(TaskiqMiddleware):
    """Counts messages sent and not yet finished; the in-process broker has no queue to ask."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0

    def pre_send(self, message: TaskiqMessage) -> TaskiqMessage:
        self.in_flight += 1
        return message

    def post_save(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
        self.in_flight -= 1


def in_process_broker() -> tuple[AsyncBroker, DepthProbe]:
    """taskiq's in-process broker: tasks run as asyncio tasks of the serving process."""
    counter = _InFlightCounter()
    broker = InMemoryBroker(max_async_tasks=64).with_middlewares(counter)

    async def depth() -> int:
        return counter.in_flight

    return broker, depth


def redis_broker(url: str, *, queue_name: str = "spyglass") -> tuple[AsyncBroker, DepthProbe]:
    """A Redis-streams broker: messages stay in the stream until a worker acknowledges them."""
    import redis.asyncio as redis
    from taskiq_redis import RedisStreamBroker

    group = "spyglass-workers"
    broker = RedisStreamBroker(
        url,
        queue_name=queue_name,
        consumer_group_name=group,
        consumer_id="0",  # a new group starts at the beginning: nothing queued before is skipped
        unacknowledged_lock_timeout=30,
        idle_timeout=60_000,
    )
    client = redis.Redis.from_url(url, socket_connect_timeout=2)

    async def close_client(_state: TaskiqState) -> None:
        await client.aclose()

    # The depth probe's client is ours, not the broker's: release it with the broker.
    for event in (TaskiqEvents.CLIENT_SHUTDOWN, TaskiqEvents.WORKER_SHUTDOWN):
        broker.add_event_handler(event, close_client)

    async def depth() -> int:
        try:
            groups = await client.xinfo_groups(queue_name)
        except redis.ResponseError:  # no stream yet
            return 0
        for info in groups:
            name = info["name"].decode() if isinstance(info["name"], bytes) else info["name"]
            if name == group:
                return int(info.get("lag") or 0) + int(info.get("pending") or 0)
        return int(await client.xlen(queue_name))

    return broker, depth


class TaskiqTaskQueue(TaskQueue):
    """Enqueues by task name on a broker whose tasks were registered with ``register``."""

    def __init__(self, broker: AsyncBroker, depth_probe: DepthProbe) -> None:
        self.broker = broker
        self._depth = depth_probe

    def register(self, tasks: Mapping[str, Callable[..., Awaitable[Any]]]) -> None:
        """Make each function runnable under its name."""
        for name, func in tasks.items():
            self.broker.register_task(func, task_name=name)

    async def enqueue(self, task_name: str, payload: Mapping[str, Any]) -> None:
        task = self.broker.find_task(task_name)
        if task is None:
            raise NotFound(f"No task named '{task_name}' is registered")
        try:
            msgspec.json.encode(dict(payload))
        except (TypeError, msgspec.EncodeError) as error:
            raise InvalidInput(f"Task payload is not JSON-compatible: {error}") from error
        try:
            await task.kiq(**payload)
        except (OSError, ConnectionError, SendTaskError) as error:
            # taskiq wraps a broker's connection failure (Redis down) in SendTaskError.
            raise StorageUnavailable("The task queue is unavailable", details=str(error)) from error

    async def depth(self) -> int:
        return await self._depth()

    async def wait_idle(self) -> None:
        """Wait until the in-process broker runs nothing, tasks enqueued meanwhile included.

        taskiq's ``wait_all`` awaits only the tasks running when it is called; a task
        that enqueues another as it ends (an applied batch raising ``TracesIngested``,
        delivered by a task of its own) would leave that one behind, to fail once the
        stores are closed. A broker without ``wait_all`` (Redis) returns at once: its
        unacknowledged messages are redelivered. Callers bound this with a timeout.
        """
        wait_all = getattr(self.broker, "wait_all", None)
        if wait_all is None:
            return
        while True:
            await wait_all()
            if await self._depth() <= 0:
                return
            # A message sent but not started yet: give it a turn of the loop.
            await asyncio.sleep(0.01)

    async def consume(
        self, stop: asyncio.Event | None = None, *, drain_timeout: float = DRAIN_TIMEOUT_SECONDS
    ) -> None:
        """Run queued tasks in this process until ``stop`` is set or this is cancelled.

        For a shared queue (Redis): the in-process broker runs tasks as they are sent.
        The broker must be started. Stopping waits up to ``drain_timeout`` seconds for
        running tasks and leaves the others' messages unacknowledged for redelivery;
        see :func:`spyglass_adapters.queue.consumer.consume`.
        """
        await consume(self.broker, stop, drain_timeout=drain_timeout)
