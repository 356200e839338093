"""Caches: in-process (embedded mode and unit tests) and Redis (scale-out)."""

from __future__ import annotations

from spyglass_adapters.cache.inprocess import InProcessCache

__all__ = ("InProcessCache",)
