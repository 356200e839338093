"""In-memory blob store."""

from __future__ import annotations

from collections.abc import AsyncIterable

from spyglass_adapters.blob_keys import check_key
from spyglass_core.domain.errors import NotFound
from spyglass_core.ports.blob_store import BlobStore

__all__ = ("MemoryBlobStore",)


class MemoryBlobStore(BlobStore):
    """Blobs in a dict."""

    def __init__(self) -> None:
        self._objects: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes) -> None:
        self._objects[check_key(key)] = bytes(data)

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes]) -> None:
        key = check_key(key)
        # Joined only once the iterable is exhausted: if it raises, nothing is stored.
        parts = [bytes(chunk) async for chunk in chunks]
        self._objects[key] = b"".join(parts)

    async def get(self, key: str) -> bytes:
        try:
            return self._objects[check_key(key)]
        except KeyError:
            raise NotFound(f"Blob '{key}' not found") from None

    async def list(self, prefix: str = "") -> list[str]:
        return sorted(k for k in self._objects if k.startswith(prefix))

    async def delete(self, key: str) -> None:
        self._objects.pop(check_key(key), None)
