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
from spyglass.api.requests import SpyglassRequest
from spyglass.api.sessions import SessionAuthMiddleware, internal_access_guard
from spyglass.events import OutboxRelay
from spyglass.lifecycle import run_shutdown_hooks, run_startup_hooks
from spyglass.plugins import StartupError
from spyglass.web import collect_ui, web_routes
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
    """Every plugin's handlers for ``surface``, collected through the hook.

    The call goes through pluggy, so hookwrappers and ``SPYGLASS_TRACE_PLUGINS`` see it.

    Raises:
        StartupError: two plugins claim the same method on the same path.
    """
    results: list[Sequence[Any] | None] = pm.hook.register_routes(surface=surface, config=config)
    handlers: list[Any] = []
    claimed: set[tuple[str, str]] = set()
    for result in reversed(results):  # pluggy answers last-registered first
        if not result:
            continue
        for route in _routes_of(result):
            if route in claimed:
                method, path = route
                first, second = _claimants(pm, surface, config, route)
                raise StartupError(
                    f"Duplicate route {method} {surface.value} {path}: "
                    f"registered by '{first}' and '{second}'"
                )
            claimed.add(route)
        handlers.extend(result)
    return handlers


def _claimants(
    pm: pluggy.PluginManager, surface: ApiSurface, config: PluginConfig, route: tuple[str, str]
) -> tuple[str, str]:
    """The two plugins claiming ``route``; asked of each hookimpl only to word the error."""
    kwargs = {"surface": surface, "config": config}
    owners: list[str] = []
    for impl in pm.hook.register_routes.get_hookimpls():  # in registration order
        result = cast("Sequence[Any] | None", impl.function(*[kwargs[n] for n in impl.argnames]))
        owners.extend(impl.plugin_name for claimed in _routes_of(result or []) if claimed == route)
    # A hookwrapper may have added the second claim itself: name what can be named.
    owners.extend(["a hookwrapper"] * 2)
    return owners[0], owners[1]


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
    """The ASGI app: public routes behind API keys, internal routes behind sessions, errors.

    The container is built by the caller (``spyglass.di``) so tests can choose adapters.
    """
    auth = DefineMiddleware(ApiKeyAuthMiddleware, exclude_from_auth_key=EXCLUDE_FROM_AUTH)
    public = DishkaRouter(
        path=PUBLIC_PREFIX,
        route_handlers=collect_routes(pm, ApiSurface.PUBLIC, config),
        middleware=[auth],
        guards=[project_access_guard],
    )
    # The UI's API: session cookies only (API keys get 401), CSRF on writes, and every
    # route's declared access rule (a route without one is refused).
    internal = DishkaRouter(
        path=INTERNAL_PREFIX,
        route_handlers=collect_routes(pm, ApiSurface.INTERNAL, config),
        middleware=[DefineMiddleware(SessionAuthMiddleware)],
        guards=[internal_access_guard],
    )

    async def on_startup() -> None:
        await run_startup_hooks(pm, container)
        # Events left in the outbox by a process that died are delivered again.
        (await container.get(OutboxRelay)).start()

    async def on_shutdown() -> None:
        await (await container.get(OutboxRelay)).stop()
        await run_shutdown_hooks(pm, container)

    # The web UI: its shell pages and the static files of the shell and of each plugin.
    web = web_routes(collect_ui(pm, config))
    app = Litestar(
        route_handlers=[public, internal, *web],
        exception_handlers=EXCEPTION_HANDLERS,
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        request_max_body_size=MAX_BODY_BYTES,
        request_class=SpyglassRequest,
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
