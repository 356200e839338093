"""A bounded in-process cache: LRU eviction plus per-entry expiry."""

from __future__ import annotations

from collections import OrderedDict

from spyglass_core.ports.cache import Cache
from spyglass_core.ports.clock import Clock

__all__ = ("InProcessCache",)


class InProcessCache(Cache):
    """Entries live in this process only; at most ``max_entries``, least recently used out first.

    This is the real cache of embedded mode (one process) and the cache of unit tests
    (with a ``FixedClock`` to step expiry).
    """

    def __init__(self, clock: Clock, *, max_entries: int = 10_000) -> None:
        self._clock = clock
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[bytes, float | None]] = OrderedDict()

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if expires_at is not None and self._clock.monotonic() >= expires_at:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: float | None = None) -> None:
        expires_at = None if ttl_seconds is None else self._clock.monotonic() + ttl_seconds
        self._entries[key] = (bytes(value), expires_at)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def delete_prefix(self, prefix: str) -> None:
        for key in [k for k in self._entries if k.startswith(prefix)]:
            del self._entries[key]
