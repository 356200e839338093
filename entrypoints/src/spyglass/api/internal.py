"""``GET /api/internal/plugins`` (loaded plugins) and ``GET /api/internal/ui`` (their pages)."""

from __future__ import annotations

import pluggy
from dishka.integrations.litestar import FromDishka
from litestar import get

from spyglass.plugins import PluginInfo, plugin_infos
from spyglass.web import UIManifest, collect_ui, ui_manifest
from spyglass_core.domain.access import Access, requires
from spyglass_core.domain.accounts import Role
from spyglass_core.hookspecs import PluginConfig

__all__ = ("list_plugins", "ui_contributions")


@get("/plugins", opt=requires(Role.VIEWER))
async def list_plugins(pm: FromDishka[pluggy.PluginManager]) -> list[PluginInfo]:
    """Every loaded plugin, like datasette's ``/-/plugins.json``."""
    return plugin_infos(pm)


@get("/ui", opt=requires(Access.SIGNED_IN))
async def ui_contributions(
    pm: FromDishka[pluggy.PluginManager], config: FromDishka[PluginConfig]
) -> UIManifest:
    """The pages and sidebar links of every installed plugin, for the signed-in UI."""
    return ui_manifest(collect_ui(pm, config))
