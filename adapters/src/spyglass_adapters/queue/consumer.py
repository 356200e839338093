"""Running a taskiq broker's tasks until told to stop, and stopping in bounded time.

taskiq's ``run_receiver_task`` can ignore being cancelled on Python 3.11. Its Receiver
cancels the pending read of the broker's listener once, then waits for it with
cancellation blocked. redis-py wraps every socket send in ``asyncio.wait_for``
(``socket_timeout`` defaults to 5 s), and on 3.11 ``wait_for`` returns the finished
send instead of raising when a cancellation arrives in the same loop step (3.12
rewrote ``wait_for`` on ``asyncio.timeout`` and keeps the cancellation). The
listener then goes back to ``XREADGROUP`` in its endless loop, and the Receiver waits
for it forever. :func:`consume` reads the listener itself and cancels a pending read
until it really ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from taskiq import AckableMessage, AsyncBroker
from taskiq.receiver import Receiver

__all__ = ("DRAIN_TIMEOUT_SECONDS", "consume")

logger = logging.getLogger(__name__)

DRAIN_TIMEOUT_SECONDS = 5.0
"""How long a stopping consumer waits for the tasks it already started."""

CLOSE_TIMEOUT_SECONDS = 1.0
"""How long a stopping consumer spends ending the broker's listener (and abandoned tasks)."""

CANCEL_RETRY_SECONDS = 0.05
"""How often a cancellation is sent again to a task that has not ended yet."""

LISTEN_RETRY_SECONDS = 1.0
"""The pause before listening again after the broker's listener ended or failed."""

Delivery = bytes | AckableMessage


async def consume(
    broker: AsyncBroker,
    stop: asyncio.Event | None = None,
    *,
    concurrency: int = 64,
    drain_timeout: float = DRAIN_TIMEOUT_SECONDS,
) -> None:
    """Run the tasks ``broker`` delivers until ``stop`` is set or this is cancelled.

    The broker must already be started; shutting it down stays with the caller.
    Stopping, by either means, reads no further message, gives the tasks already
    running up to ``drain_timeout`` seconds, then cancels the rest and leaves their
    messages unacknowledged, so a broker that redelivers (Redis streams) runs them
    again elsewhere. It returns (or re-raises the cancellation) at once when no task
    runs, and within ``drain_timeout`` + 3 x ``CLOSE_TIMEOUT_SECONDS`` seconds at worst.

    Args:
        broker: a started broker with its tasks registered.
        stop: set it to stop; without one, cancel the calling task.
        concurrency: at most this many tasks run at once.
        drain_timeout: seconds to wait for running tasks when stopping.
    """
    consumer = _Consumer(broker, concurrency=concurrency, drain_timeout=drain_timeout)
    await consumer.run(stop or asyncio.Event())


class _Consumer:
    """One consumer's state: the tasks it started and has not seen end."""

    def __init__(self, broker: AsyncBroker, *, concurrency: int, drain_timeout: float) -> None:
        self._broker = broker
        self._concurrency = max(1, concurrency)
        self._drain_timeout = drain_timeout
        self._in_flight: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Listen (again after a failure) until stopped, then drain the running tasks."""
        stopped = asyncio.create_task(stop.wait())
        executor = ThreadPoolExecutor(thread_name_prefix="spyglass-task")
        # Only Receiver.callback is used: it runs one message (dependencies, middlewares,
        # result, acknowledgement); reading and stopping stay here.
        receiver = Receiver(
            self._broker,
            executor=executor,
            run_startup=False,
            max_async_tasks=self._concurrency,
        )
        # As taskiq's own worker does, so shutdown() runs the WORKER_SHUTDOWN handlers.
        self._broker.is_worker_process = True
        try:
            while not stopped.done():
                try:
                    await self._listen(receiver, stopped)
                except Exception:
                    logger.exception("Listening to the task queue failed; listening again")
                # A listener ends when stopped or on failure (Redis down): pause before
                # listening again rather than spin.
                await asyncio.wait({stopped}, timeout=LISTEN_RETRY_SECONDS)
        finally:
            stopped.cancel()
            try:
                await self._drain()
            finally:
                # Sync tasks cannot be interrupted; do not wait for their threads here.
                executor.shutdown(wait=False, cancel_futures=True)

    async def _listen(self, receiver: Receiver, stopped: asyncio.Task[Any]) -> None:
        """Start a task per message of one listener until stopped or the listener ends."""
        messages = self._broker.listen()
        read: asyncio.Task[Delivery] | None = None
        try:
            while await self._has_capacity(stopped):
                read = asyncio.create_task(_next_message(messages))
                await asyncio.wait({read, stopped}, return_when=asyncio.FIRST_COMPLETED)
                if not read.done():
                    return
                message = read.result()  # raises what the listener raised
                read = None
                self._start(receiver, message)
        except StopAsyncIteration:
            return
        finally:
            await _close_listener(messages, read)

    async def _has_capacity(self, stopped: asyncio.Task[Any]) -> bool:
        """Wait until fewer than ``concurrency`` tasks run; False once stopped."""
        while len(self._in_flight) >= self._concurrency and not stopped.done():
            await asyncio.wait({*self._in_flight, stopped}, return_when=asyncio.FIRST_COMPLETED)
        return not stopped.done()

    def _start(self, receiver: Receiver, message: Delivery) -> None:
        task = asyncio.create_task(receiver.callback(_ack_unless_abandoned(message)))
        self._in_flight.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("A task queue message failed", exc_info=task.exception())

    async def _drain(self) -> None:
        """Let running tasks end within ``drain_timeout``; cancel the others."""
        if not self._in_flight:
            return
        _, running = await asyncio.wait(set(self._in_flight), timeout=self._drain_timeout)
        if not running:
            return
        logger.warning(
            "Stopping with %d task(s) still running after %.1f s: their messages stay "
            "unacknowledged and will be delivered again",
            len(running),
            self._drain_timeout,
        )
        for task in running:
            task.cancel()
        await asyncio.wait(running, timeout=CLOSE_TIMEOUT_SECONDS)


async def _next_message(messages: AsyncGenerator[Delivery, None]) -> Delivery:
    # A coroutine of our own (not the bare anext awaitable): create_task accepts it,
    # and cancelling it before it starts never touches the generator.
    return await anext(messages)


async def _close_listener(
    messages: AsyncGenerator[Delivery, None], read: asyncio.Task[Delivery] | None
) -> None:
    """End a listener (and its pending read) within ``CLOSE_TIMEOUT_SECONDS``.

    A message the read returned meanwhile is not run: it stays unacknowledged.
    """
    if read is not None:
        if not await _cancel_until_done(read, CLOSE_TIMEOUT_SECONDS):
            logger.warning("The task queue listener did not stop; leaving it behind")
            return
        if not read.cancelled():
            read.exception()  # retrieved, so asyncio does not report it as lost
    # Closing runs the listener's own cleanup (it returns its connection): let it run,
    # and only cancel it if it does not end in time.
    closing = asyncio.create_task(_aclose(messages))
    await asyncio.wait({closing}, timeout=CLOSE_TIMEOUT_SECONDS)
    if not closing.done():
        closing.cancel()
        logger.warning("The task queue listener did not close; leaving it behind")


async def _aclose(messages: AsyncGenerator[Delivery, None]) -> None:
    try:
        await messages.aclose()
    except Exception:
        # The consumer is stopping either way; the broker's shutdown drops the connection.
        logger.debug("Closing the task queue listener failed", exc_info=True)


async def _cancel_until_done(task: asyncio.Task[Any], within: float) -> bool:
    """Cancel ``task`` until it ends, for at most ``within`` seconds; True if it ended.

    Cancelling once is not enough: the task can swallow the cancellation (see the
    module docstring), so it is cancelled again until it is done.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not task.done():
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        task.cancel()
        await asyncio.wait({task}, timeout=min(CANCEL_RETRY_SECONDS, remaining))
    return True


def _ack_unless_abandoned(message: Delivery) -> Delivery:
    """The message, acknowledged only by a task that was not cancelled.

    taskiq's Receiver catches the cancellation of the function it runs, records it as
    the task's error and acknowledges the message as done. A task cancelled because
    the consumer stopped did not finish, so its message must stay pending for
    redelivery.
    """
    if not isinstance(message, AckableMessage):
        return message
    ack = message.ack

    async def ack_if_finished() -> None:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            return
        await _maybe_await(ack())

    return AckableMessage(data=message.data, ack=ack_if_finished)


async def _maybe_await(value: Awaitable[None] | None) -> None:
    if value is not None:
        await value
