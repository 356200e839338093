"""In-memory task queue: records messages and runs them when the test says so."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import msgspec

from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.ports.task_queue import TaskQueue

__all__ = ("MemoryTaskQueue",)

TaskFunc = Callable[..., Awaitable[Any]]


class MemoryTaskQueue(TaskQueue):
    """Holds messages until ``run_pending`` runs them in order."""

    def __init__(self, tasks: Mapping[str, TaskFunc]) -> None:
        self._tasks = dict(tasks)
        self.pending: list[tuple[str, dict[str, Any]]] = []

    async def enqueue(self, task_name: str, payload: Mapping[str, Any]) -> None:
        if task_name not in self._tasks:
            raise NotFound(f"No task named '{task_name}' is registered")
        try:
            copied = msgspec.json.decode(msgspec.json.encode(dict(payload)))
        except (TypeError, msgspec.EncodeError) as error:
            raise InvalidInput(f"Task payload is not JSON-compatible: {error}") from error
        self.pending.append((task_name, copied))

    async def depth(self) -> int:
        return len(self.pending)

    async def run_pending(self) -> int:
        """Run every queued message, including ones queued meanwhile; the count run."""
        ran = 0
        while self.pending:
            name, payload = self.pending.pop(0)
            await self._tasks[name](**payload)
            ran += 1
        return ran
