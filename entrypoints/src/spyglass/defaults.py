"""The built-in plugin: health, projects, the plugin listing and domain-event delivery.

Built exactly like a feature plugin, so the host treats its own routes the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spyglass_core.hookspecs import ApiSurface, TaskSpec, hookimpl

__all__ = ("register_routes", "register_tasks")


@hookimpl
def register_routes(surface: ApiSurface) -> Sequence[Any]:
    """Health and projects on the public API; the plugin list on the internal one."""
    from spyglass.api.health import health
    from spyglass.api.internal import list_plugins
    from spyglass.api.projects import list_projects

    if surface is ApiSurface.PUBLIC:
        return [health, list_projects]
    return [list_plugins]


@hookimpl
def register_tasks() -> Sequence[TaskSpec]:
    """``spyglass.deliver_event``: run the handlers of one domain event."""
    from spyglass.events import DELIVER_EVENT_TASK, deliver_event

    return [TaskSpec(name=DELIVER_EVENT_TASK, func=deliver_event)]
