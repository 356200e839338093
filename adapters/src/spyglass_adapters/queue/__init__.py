"""Task queues on taskiq: the in-process broker (embedded) and Redis streams (scale-out)."""

from __future__ import annotations

from spyglass_adapters.queue.consumer import consume
from spyglass_adapters.queue.taskiq_queue import TaskiqTaskQueue, in_process_broker, redis_broker

__all__ = ("TaskiqTaskQueue", "consume", "in_process_broker", "redis_broker")
