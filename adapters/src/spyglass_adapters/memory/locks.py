"""Named locks within one process: enough for a deployment that is one process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager

__all__ = ("InProcessLocks",)


class InProcessLocks:
    """``Locks`` for the tasks of one event loop; an unused name keeps no lock around."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, names: Iterable[str]) -> AsyncIterator[None]:
        """Hold every name (taken in sorted order, so overlapping holders never deadlock)."""
        ordered = sorted(set(names))
        for name in ordered:
            self._users[name] = self._users.get(name, 0) + 1
            self._locks.setdefault(name, asyncio.Lock())
        try:
            async with AsyncExitStack() as stack:
                for name in ordered:
                    await stack.enter_async_context(self._locks[name])
                yield
        finally:
            for name in ordered:
                self._users[name] -= 1
                if not self._users[name]:
                    del self._users[name], self._locks[name]
