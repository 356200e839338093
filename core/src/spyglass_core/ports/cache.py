"""Cache: short-lived bytes by key, shared by every process that shares the backend.

Contract:

- ``get`` returns what the last ``set`` stored, or ``None`` once it expired or was deleted.
- A ``ttl_seconds`` of ``None`` keeps the entry until it is deleted or evicted; a cache
  may evict any entry at any time, so callers treat a miss as normal.
- ``delete_prefix`` removes every key starting with the prefix; it is how a write
  invalidates all cached variants of one thing.
- Errors of the backend are never fatal to callers that can recompute: adapters raise
  ``StorageUnavailable`` and callers fall back to the source of truth.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ("Cache",)


class Cache(Protocol):
    """Key → bytes with an optional time to live."""

    async def get(self, key: str) -> bytes | None:
        """The cached value, or None."""

    async def set(self, key: str, value: bytes, ttl_seconds: float | None = None) -> None:
        """Store ``value``; it expires after ``ttl_seconds`` when given."""

    async def delete(self, key: str) -> None:
        """Remove ``key``. If no such key exists, this is a no-op."""

    async def delete_prefix(self, prefix: str) -> None:
        """Remove every key that starts with ``prefix``."""
