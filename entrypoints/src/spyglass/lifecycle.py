"""Running the ``startup`` and ``shutdown`` hooks, which may return awaitables."""

from __future__ import annotations

import inspect
import logging
from typing import Any

import pluggy

__all__ = ("await_me_maybe", "run_shutdown_hooks", "run_startup_hooks")

logger = logging.getLogger(__name__)


async def await_me_maybe(value: Any) -> Any:
    """If ``value`` is callable, call it; if the result is awaitable, await it."""
    if callable(value):
        value = value()
    if inspect.isawaitable(value):
        value = await value
    return value


async def run_startup_hooks(pm: pluggy.PluginManager, container: Any) -> None:
    """Run every ``startup`` hook in registration order; a failure aborts start-up."""
    for result in reversed(pm.hook.startup(container=container)):
        await await_me_maybe(result)


async def run_shutdown_hooks(pm: pluggy.PluginManager, container: Any) -> None:
    """Run every ``shutdown`` hook; one failing is logged and does not stop the others."""
    for result in pm.hook.shutdown(container=container):
        try:
            await await_me_maybe(result)
        except Exception:
            logger.exception("a shutdown hook failed")
