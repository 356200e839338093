"""The C allocator of a long-running process: fewer arenas, so less memory held after bursts.

glibc gives every thread that allocates an arena of its own, up to 8 per core. A serving
process has many such threads: the blob store's Rust runtime (a pool of blocking-IO
threads), the chDB client thread, asyncio's executor. Memory freed in one arena is not
reused by another and rarely returned to the system, so after an ingestion burst each
arena keeps what its thread once needed. With few arenas the threads share, and the held
memory stays close to what is in use (``benchmarks/README.md``, footprint).
"""

from __future__ import annotations

import ctypes
import ctypes.util

__all__ = ("limit_malloc_arenas",)

_M_ARENA_MAX = -8  # mallopt parameter (glibc malloc.h)


def limit_malloc_arenas(arenas: int) -> bool:
    """Cap glibc's malloc arenas at ``arenas`` (0 leaves glibc's default); True if applied.

    Call before the process starts threads: arenas already created stay. A C library
    other than glibc (musl, macOS) is left alone and False is returned.
    """
    if arenas <= 0:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_ARENA_MAX, arenas))
