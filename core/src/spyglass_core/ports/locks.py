"""Locks: mutual exclusion by name, across every process that shares the deployment.

Contract:

- ``async with locks.hold(names):`` returns once the caller holds every name; no other
  holder of any of those names, in this process or another one sharing the
  transactional store, runs until the block is left (normally or by an exception).
- Names are taken in a fixed (sorted) order, so two holders asking for overlapping sets
  never deadlock; a block must not ask for more names while it holds some.
- A lock is released when its holder's process dies (the database connection or the
  file descriptor that held it goes with it): a crashed worker never wedges the others.
- An unreachable backend raises ``StorageUnavailable`` before the block runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

__all__ = ("Locks",)


class Locks(Protocol):
    """Named exclusive locks shared by every process of a deployment."""

    def hold(self, names: Iterable[str]) -> AbstractAsyncContextManager[None]:
        """Hold every lock in ``names`` for the duration of the ``async with`` block."""
