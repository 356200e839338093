"""``BlobStore`` over any obstore store; ``from_url`` picks the store from a URL."""

from __future__ import annotations

import asyncio
import os
import posixpath
from pathlib import Path
from typing import Any

import obstore
from obstore.exceptions import BaseError as ObstoreError
from obstore.store import LocalStore, from_url

from spyglass_adapters.blob_keys import check_key
from spyglass_core.domain.errors import InvalidInput, NotFound, StorageUnavailable
from spyglass_core.ports.blob_store import BlobStore

__all__ = ("ObstoreBlobStore",)


class ObstoreBlobStore(BlobStore):
    """Blobs in an obstore store (``LocalStore``, ``S3Store``…).

    ``LocalStore`` writes to a temporary file and renames it into place, so a reader
    never sees half an object and a killed process leaves no torn file behind. ``put``
    returns only once the object is on disk: the file and every directory from it up to
    the store's root are fsynced (a rename alone can be lost to a power cut), so a batch
    is acknowledged only after it would survive one. S3 acknowledges durably itself.
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
                await asyncio.to_thread(_sync_to_disk, self._local_root, key)
        except (OSError, ObstoreError) as error:
            raise StorageUnavailable(f"Could not write blob '{key}'", details=str(error)) from error

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


def _sync_to_disk(root: Path, key: str) -> None:
    """fsync the file ``root/key`` and each directory from it up to ``root``.

    Directories are synced too because the rename that published the file, and the
    directories obstore created for it, are entries in them.
    """
    path = root / key
    _fsync(path)
    directory = path.parent
    while True:
        _fsync(directory)
        if directory == root or root not in directory.parents:
            return
        directory = directory.parent


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
