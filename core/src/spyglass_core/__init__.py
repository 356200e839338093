"""Spyglass core: the domain model, the ports and the plugin hook specifications.

This package imports only the standard library, msgspec and pluggy; everything that
talks to a database, a queue or a web framework lives in an adapter or an entry point.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ("__version__",)
