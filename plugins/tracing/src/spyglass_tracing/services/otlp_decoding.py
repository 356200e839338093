"""OTLP exports decoded in worker processes, so a large export never holds the event loop.

Decompressing, decoding and mapping 20,000 spans is about a second of pure Python on a
fast core, several on a slow one. On the event loop that is time in which no other request
is answered (health checks, prompt fetches, other tenants' exports); in a thread the work
would still hold the GIL. So it runs in a small pool of processes, and at most a bounded
number of exports wait for one: another is refused at once with 429 rather than queued.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from spyglass_core.domain.errors import RateLimited, StorageUnavailable
from spyglass_tracing.otlp.export import (
    EncodedExport,
    OtlpExport,
    encode_export,
    prepare_decoding_process,
)

__all__ = ("OtlpDecoder",)


class OtlpDecoder:
    """Runs ``encode_export`` in a pool of decoding processes, a bounded number at a time.

    The pool is started on first use (most processes, and most tests, never decode an
    export) with the ``spawn`` method: forking would copy a process that may run chDB's
    threads, whose locks the child could inherit held. A pool broken by a crashed
    process is replaced, so one crash costs the exports it was decoding, not the server.

    Args:
        workers: decoding processes.
        max_pending: exports being decoded or waiting for a process at once; one more
            is refused.
        retry_after_seconds: the ``Retry-After`` of that refusal.
    """

    def __init__(self, *, workers: int, max_pending: int, retry_after_seconds: int) -> None:
        self._workers = max(workers, 1)
        self._max_pending = max(max_pending, 1)
        self._retry_after = retry_after_seconds
        # Futures finish on the pool's management thread, so the count is guarded.
        self._lock = threading.Lock()
        self._pending = 0
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False

    @property
    def pending(self) -> int:
        """Exports being decoded or waiting for a decoding process."""
        return self._pending

    async def decode(self, export: OtlpExport) -> EncodedExport:
        """Decode, map and encode ``export`` in a decoding process.

        A slot is held until the process is done with the export, even if the caller
        stops waiting (a client that disconnects does not free a busy process).

        Raises:
            InvalidInput: the body does not decode (raised in the process, re-raised here).
            RateLimited: ``max_pending`` exports are already in progress.
            StorageUnavailable: the decoding process died (the pool is replaced; the
                caller may retry) or the decoder is closed.
        """
        self._reserve()
        try:
            pool, future = self._submit(export)
        except BaseException:
            self._release()
            raise
        future.add_done_callback(self._release)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._discard(pool)
            raise StorageUnavailable(
                "The OTLP decoding process stopped; retry the export",
                details="decoding process crashed",
            ) from None

    async def close(self) -> None:
        """Stop the decoding processes: running exports finish, waiting ones are cancelled."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)

    def _reserve(self) -> None:
        with self._lock:
            if self._pending >= self._max_pending:
                raise RateLimited(
                    "Too many OTLP exports are being decoded, retry later",
                    retry_after=self._retry_after,
                )
            self._pending += 1

    def _release(self, _: object = None) -> None:
        with self._lock:
            self._pending -= 1

    def _submit(self, export: OtlpExport) -> tuple[ProcessPoolExecutor, Future[EncodedExport]]:
        pool = self._current_pool()
        try:
            return pool, pool.submit(encode_export, export)
        except BrokenProcessPool:
            # The pool broke before this export reached it (a process died while idle or
            # with an earlier export): this export is not the culprit, so a fresh pool
            # takes it.
            self._discard(pool)
            pool = self._current_pool()
            return pool, pool.submit(encode_export, export)

    def _current_pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise StorageUnavailable("The server is shutting down", details="decoder closed")
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self._workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=prepare_decoding_process,
                    initargs=(os.getpid(),),
                )
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        """Forget a broken pool; the next export starts a new one."""
        with self._lock:
            if self._pool is pool:
                self._pool = None
        # A broken pool has no live process to wait for.
        pool.shutdown(wait=False, cancel_futures=True)
