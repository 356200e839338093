"""Spyglass entry points: settings, plugin host, composition root, HTTP app, worker and CLI."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ("__version__",)
