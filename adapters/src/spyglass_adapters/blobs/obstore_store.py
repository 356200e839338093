"""``BlobStore`` over any obstore store; ``from_url`` picks the store from a URL."""

from __future__ import annotations

import asyncio
import posixpath
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import Any

import obstore
from obstore.exceptions import BaseError as ObstoreError
from obstore.store import LocalStore, from_url

from spyglass_adapters.blob_keys import check_key
from spyglass_adapters.blobs.local_files import sync_to_disk, write_stream
from spyglass_core.domain.errors import InvalidInput, NotFound, StorageUnavailable
from spyglass_core.ports.blob_store import BlobStore

__all__ = ("ObstoreBlobStore",)

PART_BYTES = 5 * 1024 * 1024
"""Part size of a streamed multipart upload: S3's minimum for every part but the last."""

PARTS_IN_FLIGHT = 2
"""Parts of one streamed upload sent at once: obstore holds about this many plus the one
being filled, so a stream costs about 15 MiB whatever the object's size."""


class ObstoreBlobStore(BlobStore):
    """Blobs in an obstore store (``LocalStore``, ``S3Store``…).

    ``LocalStore`` writes to a temporary file and renames it into place, so a reader
    never sees half an object and a killed process leaves no torn file behind. ``put``
    returns only once the object is on disk: the file and every directory from it up to
    the store's root are fsynced (a rename alone can be lost to a power cut), so a batch
    is acknowledged only after it would survive one. S3 acknowledges durably itself.

    ``put_stream`` on a local directory writes a staged file as the chunks arrive and
    renames it into place (``local_files.write_stream``); elsewhere it is an obstore
    multipart upload of ``PART_BYTES`` parts, which obstore aborts if the chunks fail,
    so the object store never shows a partial object. (An aborted or interrupted
    multipart upload can leave hidden parts behind on S3; a lifecycle rule that expires
    incomplete multipart uploads collects them.)
    """

    def __init__(self, store: Any, *, local_root: Path | None = None) -> None:
        self._store = store
        self._local_root = local_root

    @classmethod
    def from_url(cls, url: str, **options: Any) -> ObstoreBlobStore:
        """``file:///abs/dir`` (created if missing) or ``s3://bucket/prefix`` with options."""
        if url.startswith("file://"):
            directory = Path(url.removeprefix("file://")).resolve()
            directory.mkdir(parents=True, exist_ok=True)
            return cls(LocalStore(str(directory)), local_root=directory)
        if "://" not in url:
            raise InvalidInput(f"Blob store URL needs a scheme (file:// or s3://): {url!r}")
        return cls(from_url(url, **options))

    async def put(self, key: str, data: bytes) -> None:
        try:
            await obstore.put_async(self._store, check_key(key), data)
            if self._local_root is not None:
                await asyncio.to_thread(sync_to_disk, self._local_root, key)
        except (OSError, ObstoreError) as error:
            raise StorageUnavailable(f"Could not write blob '{key}'", details=str(error)) from error

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes]) -> None:
        check_key(key)
        source = _WatchedSource(chunks)
        try:
            if self._local_root is not None:
                await write_stream(self._local_root, key, source)
            else:
                await obstore.put_async(
                    self._store,
                    key,
                    source,
                    chunk_size=PART_BYTES,
                    max_concurrency=PARTS_IN_FLIGHT,
                )
        except BaseException as error:
            if source.error is None:
                if isinstance(error, (OSError, ObstoreError)):
                    raise StorageUnavailable(
                        f"Could not write blob '{key}'", details=str(error)
                    ) from error
                raise
            if error is source.error:
                raise
        if source.error is not None:
            # The store wrapped the chunks' own failure, or failed again while aborting:
            # the caller gets its exception as it raised it (raised out here so that its
            # context is left alone).
            raise source.error

    async def get(self, key: str) -> bytes:
        try:
            result = await obstore.get_async(self._store, check_key(key))
            return bytes(await result.bytes_async())
        except FileNotFoundError:
            raise NotFound(f"Blob '{key}' not found") from None
        except (OSError, ObstoreError) as error:
            raise StorageUnavailable(f"Could not read blob '{key}'", details=str(error)) from error

    async def list(self, prefix: str = "") -> list[str]:
        # obstore matches whole path segments, so list the enclosing folder and filter.
        folder = posixpath.dirname(prefix) or None
        keys: list[str] = []
        try:
            async for batch in obstore.list(self._store, prefix=folder):
                keys.extend(meta["path"] for meta in batch if meta["path"].startswith(prefix))
        except FileNotFoundError:
            return []
        except (OSError, ObstoreError) as error:
            raise StorageUnavailable("Could not list blobs", details=str(error)) from error
        return sorted(keys)

    async def delete(self, key: str) -> None:
        try:
            await obstore.delete_async(self._store, check_key(key))
        except FileNotFoundError:
            pass
        except (OSError, ObstoreError) as error:
            # A key that names no object (on LocalStore, e.g. a folder holding other keys)
            # makes the store fail instead of doing nothing; deleting it must be a no-op.
            if not await self._exists(key):
                return
            raise StorageUnavailable(
                f"Could not delete blob '{key}'", details=str(error)
            ) from error

    async def _exists(self, key: str) -> bool:
        try:
            await obstore.head_async(self._store, key)
        except FileNotFoundError:
            return False
        except (OSError, ObstoreError):
            return True
        return True


class _WatchedSource:
    """Iterates ``chunks`` and remembers the exception they raised, if any.

    Tells the caller's own failure apart from the store's: an ``OSError`` the chunks
    raise must reach the caller as it is, not as ``StorageUnavailable``.
    """

    def __init__(self, chunks: AsyncIterable[bytes]) -> None:
        self._chunks: AsyncIterator[bytes] = aiter(chunks)
        self.error: BaseException | None = None

    def __aiter__(self) -> _WatchedSource:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await anext(self._chunks)
        except StopAsyncIteration:
            raise
        except BaseException as error:
            self.error = error
            raise
