"""The Litestar application factory: mounts every plugin's routes on the two surfaces."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

import pluggy
from dishka import AsyncContainer
from dishka.integrations.litestar import DishkaRouter, setup_dishka
from litestar import Litestar, Router
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig

from spyglass import __version__
from spyglass.api.auth import EXCLUDE_FROM_AUTH, ApiKeyAuthMiddleware, project_access_guard
from spyglass.api.errors import EXCEPTION_HANDLERS
from spyglass.lifecycle import run_shutdown_hooks, run_startup_hooks
from spyglass.plugins import StartupError
from spyglass_core.hookspecs import ApiSurface, PluginConfig

__all__ = (
    "INTERNAL_PREFIX",
    "PUBLIC_PREFIX",
    "collapse_leading_slashes",
    "collect_routes",
    "create_app",
)

PUBLIC_PREFIX = "/api/public"
INTERNAL_PREFIX = "/api/internal"
MAX_BODY_BYTES = 4_718_592  # 4.5 MB: Langfuse's ingestion limit, applied to every route

logger = logging.getLogger(__name__)


def collect_routes(
    pm: pluggy.PluginManager, surface: ApiSurface, config: PluginConfig
) -> list[Any]:
    """Every plugin's handlers for ``surface``.

    Raises:
        StartupError: two plugins claim the same method on the same path.
    """
    claimed: dict[tuple[str, str], str] = {}
    handlers: list[Any] = []
    for impl in pm.hook.register_routes.get_hookimpls():  # in registration order
        kwargs = {"surface": surface, "config": config}
        result = cast("Sequence[Any] | None", impl.function(*[kwargs[n] for n in impl.argnames]))
        if not result:
            continue
        for method, path in _routes_of(result):
            owner = claimed.setdefault((method, path), impl.plugin_name)
            if owner != impl.plugin_name:
                raise StartupError(
                    f"Duplicate route {method} {surface.value} {path}: "
                    f"registered by '{owner}' and '{impl.plugin_name}'"
                )
        handlers.extend(result)
    return handlers


def _routes_of(handlers: Sequence[Any]) -> list[tuple[str, str]]:
    probe = Router(path="/", route_handlers=list(handlers))
    return [
        (method, route.path)
        for route in probe.routes
        for method in sorted(getattr(route, "methods", ()))
        if method not in ("HEAD", "OPTIONS")
    ]


def create_app(
    pm: pluggy.PluginManager, container: AsyncContainer, config: PluginConfig
) -> Litestar:
    """The ASGI app: public routes behind API-key auth, internal routes, error mapping.

    The container is built by the caller (``spyglass.di``) so tests can choose adapters.
    """
    auth = DefineMiddleware(ApiKeyAuthMiddleware, exclude_from_auth_key=EXCLUDE_FROM_AUTH)
    public = DishkaRouter(
        path=PUBLIC_PREFIX,
        route_handlers=collect_routes(pm, ApiSurface.PUBLIC, config),
        middleware=[auth],
        guards=[project_access_guard],
    )
    internal = DishkaRouter(
        path=INTERNAL_PREFIX,
        route_handlers=collect_routes(pm, ApiSurface.INTERNAL, config),
        middleware=[auth],
        guards=[project_access_guard],
    )

    async def on_startup() -> None:
        await run_startup_hooks(pm, container)

    async def on_shutdown() -> None:
        await run_shutdown_hooks(pm, container)

    app = Litestar(
        route_handlers=[public, internal],
        exception_handlers=EXCEPTION_HANDLERS,
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(title="Spyglass", version=__version__, path="/api/openapi"),
        debug=False,
    )
    setup_dishka(container, app)
    return app


def collapse_leading_slashes(app: Any) -> Any:
    """Wrap an ASGI app so ``//api/public/…`` is routed like ``/api/public/…``.

    The Langfuse v5 SDK builds its OTLP endpoint as ``f"{base_url}/{path}"``, so a base
    URL with a trailing slash sends ``POST //api/public/otel/v1/traces``.
    """

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] in ("http", "websocket") and path.startswith("//"):
            scope = dict(scope, path="/" + path.lstrip("/"))
        await app(scope, receive, send)

    return wrapped
