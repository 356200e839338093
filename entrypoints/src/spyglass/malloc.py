"""The C allocator of a long-running process: fewer arenas, so less memory held after bursts.

glibc gives every thread that allocates an arena of its own, up to 8 per core. A serving
process has many such threads: the blob store's Rust runtime (a pool of blocking-IO
threads), the chDB client thread, asyncio's executor. Memory freed in one arena is not
reused by another and rarely returned to the system, so after an ingestion burst each
arena keeps what its thread once needed. With few arenas the threads share, and the held
memory stays close to what is in use (``benchmarks/README.md``, footprint).

Even with few arenas, what an ingestion burst freed stays inside the heap, in free
chunks between ones still in use: glibc gives memory back on its own only from the top
of the heap. :func:`trim_free_memory` (``malloc_trim``) returns every free page, wherever
it is; ``serve`` and ``worker`` run it once they go quiet after work (``spyglass.quiet``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any

__all__ = ("limit_malloc_arenas", "trim_free_memory")

_M_ARENA_MAX = -8  # mallopt parameter (glibc malloc.h)


def limit_malloc_arenas(arenas: int) -> bool:
    """Cap glibc's malloc arenas at ``arenas`` (0 leaves glibc's default); True if applied.

    Call before the process starts threads: arenas already created stay. A C library
    other than glibc (musl, macOS) is left alone and False is returned.
    """
    if arenas <= 0:
        return False
    mallopt = _libc_function("mallopt")
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_ARENA_MAX, arenas))


def trim_free_memory() -> bool:
    """Return the C heap's free pages to the system; True if glibc released any.

    Takes a few milliseconds after a burst (the arenas are locked meanwhile, so run it
    off the event loop); False where the C library is not glibc.
    """
    malloc_trim = _libc_function("malloc_trim")
    if malloc_trim is None:
        return False
    malloc_trim.argtypes = (ctypes.c_size_t,)
    return bool(malloc_trim(0))


@cache
def _libc_function(name: str) -> Any:
    """The C library's function ``name`` (a ctypes function), or None where it has none."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return getattr(libc, name)
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim, macOS neither)
        return None
