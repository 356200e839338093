"""Task queue: hands named, idempotent tasks to workers.

Contract:

- ``enqueue`` returns once the message is accepted by the queue; from then on the task
  runs at least once (a broker that redelivers unacknowledged messages may run it
  twice, so tasks are idempotent).
- A task is named ``"<plugin>.<verb_noun>"``; payloads are JSON-compatible mappings of
  ids and primitives, never domain objects.
- Enqueueing a name no worker registered raises ``NotFound``; a payload that cannot be
  encoded raises ``InvalidInput``.
- ``depth()`` counts messages accepted and not yet finished, so the API can refuse work
  (429/503 with ``Retry-After``) before the queue grows without bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ("TaskQueue",)


class TaskQueue(Protocol):
    """Send work to the worker side."""

    async def enqueue(self, task_name: str, payload: Mapping[str, Any]) -> None:
        """Queue one run of ``task_name`` with ``payload`` as keyword arguments."""

    async def depth(self) -> int:
        """Messages accepted and not yet finished."""
