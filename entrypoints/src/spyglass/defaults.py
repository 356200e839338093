"""The built-in plugin: health, projects, the plugin listing and accounts.

Built exactly like a feature plugin, so the host treats its own routes the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spyglass_core.hookspecs import ApiSurface, hookimpl

__all__ = ("register_routes",)


@hookimpl
def register_routes(surface: ApiSurface) -> Sequence[Any]:
    """Health and projects on the public API; the plugin list and accounts on the internal one."""
    from spyglass.api.account_routes import AUTH_ROUTES
    from spyglass.api.health import health
    from spyglass.api.internal import list_plugins, ui_contributions
    from spyglass.api.organization_routes import ORGANIZATION_ROUTES
    from spyglass.api.project_routes import PROJECT_ROUTES
    from spyglass.api.projects import list_projects

    if surface is ApiSurface.PUBLIC:
        return [health, list_projects]
    return [list_plugins, ui_contributions, *AUTH_ROUTES, *PROJECT_ROUTES, *ORGANIZATION_ROUTES]
