"""Atomic, durable files under a local blob root: fsync helpers and streamed writes.

A power cut must not lose an object ``put`` acknowledged, nor leave a torn one: a file
is whole before the rename that publishes it, and the file and every directory from it
up to the root are fsynced (a rename alone can be lost to a power cut).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import AsyncIterable, Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

__all__ = ("FLUSH_BYTES", "STAGING_MARK", "sync_to_disk", "write_stream")

T = TypeVar("T")

FLUSH_BYTES = 1024 * 1024
"""Chunks gathered before one write in a worker thread: bounds both the memory a stream
holds and the number of thread hops it costs."""

STAGING_MARK = "#"
"""Separates a staged file's target name from its random digits (``name#123``).

``#`` is outside the key alphabet, so no key names a staged file, and obstore's
``LocalStore`` leaves ``name#<digits>`` out of listings (its own multipart staging files
are named so): readers never see a staged file, even one a crash left behind.
"""

_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def sync_to_disk(root: Path, key: str) -> None:
    """fsync the file ``root/key`` and each directory from it up to ``root``.

    Directories are synced too because the rename that published the file, and the
    directories created for it, are entries in them.
    """
    path = root / key
    _fsync(path)
    _sync_directories(path.parent, root)


async def write_stream(root: Path, key: str, chunks: AsyncIterable[bytes]) -> None:
    """Write ``chunks`` to ``root/key`` through a staged file published by a rename.

    Chunks are written as they arrive, at most ``FLUSH_BYTES`` at a time, in a worker
    thread, so the event loop never blocks on the disk and memory stays bounded. The
    staged file is fsynced before the rename and the directories up to ``root`` after
    it, so the object is whole and durable on return. If the iterable or a write fails
    (or the caller is cancelled), the staged file is removed and the error propagates.
    """
    staged = _StagedFile(root / key)
    try:
        await _in_thread(staged.create)
        pending: list[bytes] = []
        size = 0
        async for chunk in chunks:
            if not chunk:
                continue
            pending.append(chunk)
            size += len(chunk)
            if size >= FLUSH_BYTES:
                await _in_thread(partial(staged.write, pending))
                pending, size = [], 0
        if pending:
            await _in_thread(partial(staged.write, pending))
        await _in_thread(partial(staged.publish, root))
    except BaseException:
        await _in_thread(staged.discard)
        raise


class _StagedFile:
    """A new file next to ``target``, either published over it or discarded.

    Every method blocks on the disk: call them in a worker thread.
    """

    def __init__(self, target: Path) -> None:
        self._target = target
        self._path: Path | None = None
        self._descriptor: int | None = None

    def create(self) -> None:
        """Create the target's directories and the staged file, under a fresh name."""
        self._target.parent.mkdir(parents=True, exist_ok=True)
        while True:
            name = f"{self._target.name}{STAGING_MARK}{secrets.randbits(62)}"
            path = self._target.with_name(name)
            try:
                self._descriptor = os.open(path, _CREATE_FLAGS, 0o666)
            except FileExistsError:  # another writer's staged file: draw again
                continue
            self._path = path
            return

    def write(self, chunks: list[bytes]) -> None:
        """Append ``chunks`` to the file."""
        assert self._descriptor is not None
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                view = view[os.write(self._descriptor, view) :]

    def publish(self, root: Path) -> None:
        """fsync and close the file, rename it over the target, fsync the directories."""
        assert self._descriptor is not None and self._path is not None
        os.fsync(self._descriptor)
        self._close()
        os.replace(self._path, self._target)
        _sync_directories(self._target.parent, root)

    def discard(self) -> None:
        """Close and remove the file (a no-op for what is already gone)."""
        self._close()
        if self._path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path)

    def _close(self) -> None:
        # Forget the descriptor before closing it: closing twice could close a descriptor
        # the process has since reused for another file.
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is not None:
            os.close(descriptor)


async def _in_thread(function: Callable[[], T]) -> T:
    """``function()`` in a worker thread, finished even if the caller is cancelled.

    A thread cannot be interrupted: returning at cancellation would let the caller close
    or remove the file while the thread still writes to it.
    """
    future = asyncio.get_running_loop().run_in_executor(None, function)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        while not future.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({future})
        raise


def _sync_directories(directory: Path, root: Path) -> None:
    """fsync ``directory`` and each directory above it up to ``root``."""
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
