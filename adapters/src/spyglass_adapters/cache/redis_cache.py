"""``Cache`` on Redis, shared by every replica of a scale-out deployment."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import redis.asyncio as redis
from redis.exceptions import RedisError

from spyglass_core.domain.errors import StorageUnavailable
from spyglass_core.ports.cache import Cache

__all__ = ("RedisCache",)


@contextlib.asynccontextmanager
async def _translate() -> AsyncIterator[None]:
    try:
        yield
    except (RedisError, OSError) as error:
        raise StorageUnavailable("The cache is unavailable", details=str(error)) from error


class RedisCache(Cache):
    """Keys live under ``namespace`` so several deployments can share one Redis."""

    def __init__(self, client: redis.Redis, *, namespace: str = "spyglass:") -> None:
        self._client = client
        self._ns = namespace

    @classmethod
    def from_url(cls, url: str, *, namespace: str = "spyglass:") -> RedisCache:
        """A cache on the Redis at ``url`` (``redis://host:port/db``)."""
        return cls(redis.Redis.from_url(url, socket_connect_timeout=2), namespace=namespace)

    async def get(self, key: str) -> bytes | None:
        async with _translate():
            value = await self._client.get(self._ns + key)
        return None if value is None else bytes(value)  # type: ignore[arg-type]

    async def set(self, key: str, value: bytes, ttl_seconds: float | None = None) -> None:
        px = None if ttl_seconds is None else max(1, int(ttl_seconds * 1000))
        async with _translate():
            await self._client.set(self._ns + key, value, px=px)

    async def delete(self, key: str) -> None:
        async with _translate():
            await self._client.delete(self._ns + key)

    async def delete_prefix(self, prefix: str) -> None:
        pattern = _escape_glob(self._ns + prefix) + "*"
        async with _translate():
            batch: list[bytes] = []
            async for key in self._client.scan_iter(match=pattern, count=500):
                batch.append(key)
                if len(batch) >= 500:
                    await self._client.delete(*batch)
                    batch.clear()
            if batch:
                await self._client.delete(*batch)

    async def close(self) -> None:
        """Release the connection pool."""
        await self._client.aclose()


def _escape_glob(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)
