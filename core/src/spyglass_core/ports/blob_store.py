"""Blob store: immutable byte objects under slash-separated keys.

Contract:

- Keys are relative paths of ``[A-Za-z0-9._=-]`` segments joined by ``/``; an empty
  segment, ``.`` or ``..`` raises ``InvalidInput``.
- ``put`` and ``put_stream`` are atomic: a reader sees the whole old object or the whole
  new one, never a part. Putting the same key again replaces the object.
- ``put`` and ``put_stream`` return only once the bytes are durable (written to disk or
  acknowledged by the object store), which is what lets the API acknowledge a batch
  after it.
- ``put_stream`` takes the bytes as an async iterable of chunks and holds only a bounded
  amount of them at a time (a few chunks, or one part of a multipart upload), whatever
  the object's size. If the iterable raises, nothing is stored under the key: the old
  object (or its absence) stays, no partial object or temporary file is left behind, and
  the iterable's exception propagates unchanged. That lets a caller check a stream as it
  goes and refuse it at the very end, after its last chunk.
- ``get`` of a missing key raises ``NotFound``; ``delete`` of a missing key is a no-op.
- ``list`` returns every key under a prefix, sorted, whatever the backend's page size.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Protocol

__all__ = ("BlobStore",)


class BlobStore(Protocol):
    """Durable storage of raw batches and media."""

    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, replacing any object there."""

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes]) -> None:
        """Store the concatenated ``chunks`` under ``key``, replacing any object there.

        The chunks are consumed as they come; the object appears only after the last one,
        and not at all if the iterable raises (its exception propagates).
        """

    async def get(self, key: str) -> bytes:
        """The bytes under ``key``. Raises: NotFound."""

    async def list(self, prefix: str = "") -> list[str]:
        """Sorted keys that start with ``prefix``."""

    async def delete(self, key: str) -> None:
        """Remove ``key``. If no such key exists, this is a no-op."""
