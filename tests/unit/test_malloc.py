"""serve and worker cap glibc's malloc arenas (SPYGLASS_MALLOC_ARENAS), 0 leaves them."""

from __future__ import annotations

import subprocess
import sys

from spyglass.malloc import limit_malloc_arenas
from spyglass.settings import load_settings


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
