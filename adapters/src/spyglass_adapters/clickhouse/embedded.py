"""Embedded chDB: the engine's server settings, and the memory its start-up leaves behind.

chDB sizes its caches for a server: 5 GiB each for marks, primary indexes and index marks,
and up to 90% of RAM for queries. An embedded engine shares a laptop with everything
else, so :data:`SERVER_SETTING_DEFAULTS` caps them; :func:`server_settings` merges and
checks overrides (``SPYGLASS_CHDB_<SETTING>`` in the entry point). The settings reach the
engine as start-up arguments, so they apply when a process's engine starts: the first
chDB connection of the process (later connections share that engine).

Two things chDB does on import cost memory Spyglass never uses:

- ``chdb`` imports pyarrow (and numpy) if installed, for Arrow results only;
  :func:`import_chdb` imports it with pyarrow hidden (~60 MB).
- The engine's 555 MB library runs static initialisers spread over its whole text when it
  loads, leaving ~250 MB of code pages mapped that are not touched again.
  :func:`release_library_pages` unmaps the clean, read-only ones; the kernel maps back
  from the page cache whatever is executed later (a minor fault), so the resident size
  follows what the engine actually runs.
"""

from __future__ import annotations

import ctypes
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final

__all__ = (
    "SERVER_SETTING_DEFAULTS",
    "import_chdb",
    "release_library_pages",
    "server_settings",
)

_MIB = 1024 * 1024

SERVER_SETTING_DEFAULTS: Final[Mapping[str, str]] = {
    # Marks of the parts queried, per column: the cache that grows with the data.
    "mark_cache_size": str(64 * _MIB),
    "primary_index_cache_size": str(32 * _MIB),
    "index_mark_cache_size": str(16 * _MIB),
    # Decompressed blocks of small reads, and the switch that lets queries use them. The
    # lists read the same newest granules again and again; decompressing them was a
    # third of a 10 M list's time (benchmarks/README.md). ClickHouse bypasses the cache
    # for reads of more than a million rows, so the largest scans do not evict them
    # (smaller reads share it). 64 MiB holds a metadata-filtered page's working set at
    # 10 M observations (32 MiB thrashed).
    "uncompressed_cache_size": str(64 * _MIB),
    "use_uncompressed_cache": "1",
    "index_uncompressed_cache_size": "0",
    "compiled_expression_cache_size": str(16 * _MIB),
    "query_condition_cache_size": str(16 * _MIB),
    # The engine refuses queries beyond this share of RAM instead of pushing the laptop
    # into swap (chDB's own default is 0.9); 0 for max_server_memory_usage means "use
    # the ratio".
    "max_server_memory_usage_to_ram_ratio": "0.5",
    "max_server_memory_usage": "0",
    # Merges and background tasks (chDB already uses 2; pinned so a chDB upgrade that
    # sizes them to the CPU count does not multiply threads and merge buffers).
    "background_pool_size": "2",
    "background_schedule_pool_size": "2",
}
"""chDB server settings Spyglass starts an embedded engine with (all may be overridden)."""

_BYTES = ("_size", "max_server_memory_usage")
_RATIOS = ("_ratio",)
_COUNTS = ("_pool_size",)
_FLAGS = ("use_",)
_SIZE = re.compile(r"^\s*(\d+)\s*(|k|kb|kib|m|mb|mib|g|gb|gib)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def server_settings(overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """:data:`SERVER_SETTING_DEFAULTS` with ``overrides`` applied, every value checked.

    Sizes are bytes, with an optional ``KiB``/``MiB``/``GiB`` suffix (``K``, ``M``,
    ``G``, ``KB``… mean the same); ratios are numbers in (0, 1]; pool sizes whole
    numbers from 1; switches (``use_…``, query settings the engine starts with as every
    query's default) 0 or 1.

    Raises:
        ValueError: a name is not one of the defaults' settings, or a value does not
            parse; the message names the setting.
    """
    settings = dict(SERVER_SETTING_DEFAULTS)
    for name, raw in (overrides or {}).items():
        if name not in SERVER_SETTING_DEFAULTS:
            known = ", ".join(sorted(SERVER_SETTING_DEFAULTS))
            raise ValueError(f"unknown chDB setting {name!r}; the settings are: {known}")
        settings[name] = _check(name, raw)
    return settings


def _check(name: str, raw: str) -> str:
    if name.endswith(_RATIOS):
        try:
            ratio = float(raw)
        except ValueError:
            ratio = -1.0
        if not 0 < ratio <= 1:
            raise ValueError(f"chDB setting {name} must be a number in (0, 1], not {raw!r}")
        return repr(ratio)
    if name.startswith(_FLAGS):
        if raw.strip() not in ("0", "1"):
            raise ValueError(f"chDB setting {name} must be 0 or 1, not {raw!r}")
        return raw.strip()
    match = _SIZE.match(raw)
    if name.endswith(_COUNTS):
        if not raw.strip().isdigit() or int(raw) < 1:
            raise ValueError(f"chDB setting {name} must be a whole number from 1, not {raw!r}")
        return str(int(raw))
    if name.endswith(_BYTES) and match:
        return str(int(match[1]) * _UNITS[match[2][:1].lower()])
    raise ValueError(f"chDB setting {name} must be a size in bytes (e.g. 64MiB), not {raw!r}")


def import_chdb() -> None:
    """Import ``chdb`` without letting it import pyarrow (only its Arrow results need it).

    The clickhouse-connect chDB backend reads Native blocks, never Arrow. Whatever else
    in the process imports pyarrow later gets it as usual; if pyarrow is already loaded,
    nothing is hidden.
    """
    if "chdb" in sys.modules:
        return
    hide = "pyarrow" not in sys.modules
    if hide:
        sys.modules["pyarrow"] = None  # type: ignore[assignment]  # makes `import` fail
    try:
        import chdb  # noqa: F401
    finally:
        if hide and sys.modules.get("pyarrow", False) is None:
            del sys.modules["pyarrow"]


_LIBRARY = "_chdb.abi3.so"
_MADV_DONTNEED = 4
_MAPPING = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$")


def release_library_pages() -> int:
    """Unmap the resident pages of chDB's library that nothing has modified; bytes released.

    Only read-only mappings of the library file with no private (copied-on-write) page
    are released, so no content can be lost: a page used again is mapped back from the
    file. Does nothing (0) where ``/proc/self/smaps`` or ``madvise`` is not available.
    """
    try:
        smaps = Path("/proc/self/smaps").read_text()
        madvise = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return 0
    madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    released = 0
    for start, end, resident in _clean_library_mappings(smaps):
        if madvise(start, end - start, _MADV_DONTNEED) == 0:
            released += resident
    return released


def _clean_library_mappings(smaps: str) -> list[tuple[int, int, int]]:
    """(start, end, resident bytes) of read-only library mappings without private pages.

    A mapping whose smaps block lacks any of the counted lines is kept (unknown = unsafe).
    """
    blocks: list[dict[str, int]] = []
    current: dict[str, int] | None = None
    for line in smaps.splitlines():
        header = _MAPPING.match(line)
        if header:
            current = None
            if header[4].endswith(_LIBRARY) and "w" not in header[3]:
                current = {"start": int(header[1], 16), "end": int(header[2], 16)}
                blocks.append(current)
        elif current is not None:
            key, _, value = line.partition(":")
            if key in _PAGE_COUNTS:
                current[key] = int(value.split()[0]) * 1024
    return [
        (block["start"], block["end"], block["Rss"])
        for block in blocks
        # Private copies (the relocated read-only data) count as Anonymous while resident
        # and as Swap once swapped out; dropping either would put the file's unrelocated
        # bytes back. A mapping is released only if smaps shows it has none at all.
        if all(block.get(key, -1) == 0 for key in _PRIVATE_COPIES) and block.get("Rss", 0) > 0
    ]


_PRIVATE_COPIES = ("Anonymous", "Swap", "Private_Dirty")
_PAGE_COUNTS = ("Rss", *_PRIVATE_COPIES)
