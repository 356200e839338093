"""serve and worker cap glibc's malloc arenas (SPYGLASS_MALLOC_ARENAS), 0 leaves them, and
hand the heap's free pages back once quiet after work (SPYGLASS_MALLOC_TRIM_QUIET_SECONDS).

When the process is quiet is ``test_quiet``'s; a real server doing both is
``tests/e2e/test_serve_memory.py``'s."""

from __future__ import annotations

import subprocess
import sys

import pytest

from spyglass.malloc import limit_malloc_arenas
from spyglass.settings import SettingsError, load_settings


def test_zero_leaves_the_allocator_alone() -> None:
    assert limit_malloc_arenas(0) is False


def test_glibc_takes_the_cap() -> None:
    # In a fresh interpreter: the cap is process-wide (it only affects arenas made later).
    code = "from spyglass.malloc import limit_malloc_arenas; print(limit_malloc_arenas(2))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ("True" if sys.platform == "linux" else "False")


def test_the_setting_defaults_to_two_arenas() -> None:
    assert load_settings({}).malloc_arenas == 2
    assert load_settings({"SPYGLASS_MALLOC_ARENAS": "0"}).malloc_arenas == 0


def test_the_quiet_waits_default_to_three_and_sixty_seconds_and_reject_negatives() -> None:
    assert load_settings({}).malloc_trim_quiet_seconds == 3
    assert load_settings({}).release_engine_code_quiet_seconds == 60
    assert load_settings({"SPYGLASS_MALLOC_TRIM_QUIET_SECONDS": "0"}).malloc_trim_quiet_seconds == 0
    with pytest.raises(SettingsError, match="SPYGLASS_MALLOC_TRIM_QUIET_SECONDS"):
        load_settings({"SPYGLASS_MALLOC_TRIM_QUIET_SECONDS": "-1"})


@pytest.mark.skipif(sys.platform != "linux", reason="malloc_trim is glibc's")
def test_a_trim_returns_free_chunks_held_inside_the_heap() -> None:
    # 80 MB of 4 KiB chunks (below glibc's mmap threshold, so on the heap), all freed but
    # the last, which keeps glibc from giving the space back by shrinking the heap's top.
    code = """
import ctypes
from pathlib import Path
from spyglass.malloc import trim_free_memory

def anon_kib():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1])

libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = (ctypes.c_void_p,)
chunks = [libc.malloc(4096) for _ in range(20_000)]
for chunk in chunks:
    ctypes.memset(chunk, 1, 4096)
for chunk in chunks[:-1]:
    libc.free(chunk)
before = anon_kib()
released = trim_free_memory()
print(released, before - anon_kib())
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    released, freed_kib = result.stdout.split()
    assert released == "True"
    assert int(freed_kib) > 40_000
