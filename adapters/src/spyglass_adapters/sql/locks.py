"""Named locks that hold across processes, kept by the transactional store.

PostgreSQL: one transaction-scoped advisory lock per name, on a connection of its own
for the duration of the block; the server releases them if the process dies.

SQLite: the database is a local file, so every process sharing it is on this host, and
an exclusive ``flock`` on a file next to it excludes them all (one lock for every name:
SQLite deployments have one writer at a time anyway). The kernel releases it if the
process dies. An in-memory database belongs to one process and needs no more than the
in-process lock, which is always taken first so that tasks of one process queue on the
event loop instead of each holding a database connection or a thread while they wait.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from spyglass_adapters.memory.locks import InProcessLocks
from spyglass_adapters.sql.errors import translate_errors

__all__ = ("SqlLocks", "advisory_key")

_FILE_LOCK_POLL_SECONDS = 0.005


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (PostgreSQL advisory locks take a bigint)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class SqlLocks:
    """``Locks`` for the deployment whose transactional store is ``engine``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._local = InProcessLocks()
        url = engine.url
        database = url.database or ""
        self._lock_file: Path | None = None
        if url.get_backend_name() == "sqlite" and database not in ("", ":memory:"):
            self._lock_file = Path(database).with_name(Path(database).name + ".locks")

    @asynccontextmanager
    async def hold(self, names: Iterable[str]) -> AsyncIterator[None]:
        """Hold every name until the block is left. Raises: StorageUnavailable."""
        ordered = sorted(set(names))
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(self._local.hold(ordered))
            if ordered and self._engine.dialect.name == "postgresql":
                await self._hold_advisory(stack, ordered)
            elif ordered and self._lock_file is not None:
                await self._hold_file(stack, self._lock_file)
            yield

    async def _hold_advisory(self, stack: AsyncExitStack, names: list[str]) -> None:
        async with translate_errors():
            connection = await stack.enter_async_context(self._engine.connect())
            await stack.enter_async_context(connection.begin())
            # Sorted keys: two holders of overlapping sets take them in the same order.
            for key in sorted({advisory_key(name) for name in names}):
                await connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key}
                )

    @staticmethod
    async def _hold_file(stack: AsyncExitStack, path: Path) -> None:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        stack.callback(os.close, descriptor)
        # Polled rather than a blocking flock on a thread: a cancelled waiter then leaves
        # nothing behind that could take the lock after it has gone.
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                await asyncio.sleep(_FILE_LOCK_POLL_SECONDS)
            else:
                break
        stack.callback(fcntl.flock, descriptor, fcntl.LOCK_UN)
