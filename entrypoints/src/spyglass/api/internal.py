"""``GET /api/internal/plugins``: which plugins are loaded, their versions and hooks."""

from __future__ import annotations

import pluggy
from dishka.integrations.litestar import FromDishka
from litestar import get

from spyglass.plugins import PluginInfo, plugin_infos
from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role

__all__ = ("list_plugins",)


@get("/plugins", opt=requires(Role.VIEWER))
async def list_plugins(pm: FromDishka[pluggy.PluginManager]) -> list[PluginInfo]:
    """Every loaded plugin, like datasette's ``/-/plugins.json``."""
    return plugin_infos(pm)
