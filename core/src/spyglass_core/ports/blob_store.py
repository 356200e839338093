"""Blob store: immutable byte objects under slash-separated keys.

Contract:

- Keys are relative paths of ``[A-Za-z0-9._=-]`` segments joined by ``/``; an empty
  segment, ``.`` or ``..`` raises ``InvalidInput``.
- ``put`` is atomic: a reader sees the whole old object or the whole new one, never a
  part. Putting the same key again replaces the object.
- ``put`` returns only once the bytes are durable (written to disk or acknowledged by
  the object store), which is what lets the API acknowledge a batch after it.
- ``get`` of a missing key raises ``NotFound``; ``delete`` of a missing key is a no-op.
- ``list`` returns every key under a prefix, sorted, whatever the backend's page size.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ("BlobStore",)


class BlobStore(Protocol):
    """Durable storage of raw batches and media."""

    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, replacing any object there."""

    async def get(self, key: str) -> bytes:
        """The bytes under ``key``. Raises: NotFound."""

    async def list(self, prefix: str = "") -> list[str]:
        """Sorted keys that start with ``prefix``."""

    async def delete(self, key: str) -> None:
        """Remove ``key``. If no such key exists, this is a no-op."""
