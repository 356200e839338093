"""The web UI: the shell page, static assets, and the plugins' UI contributions.

The UI is plain ES modules (no build step, see ``static/vendor/README.md``). The shell
(sign-in, navigation, project settings) lives in ``static/``; each feature plugin ships
its pages as a ``UIContribution`` whose files are served at ``/static/plugins/<name>/``.
The signed-in browser asks ``GET /api/internal/ui`` which plugins contribute what, then
imports their entry modules, so an uninstalled plugin leaves no link behind.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec
import pluggy
from litestar import Response, get
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

from spyglass import __version__
from spyglass.plugins import StartupError
from spyglass_core.hookspecs import NavigationEntry, PluginConfig, UIContribution

__all__ = (
    "SHELL_PATHS",
    "ResolvedContribution",
    "UIManifest",
    "collect_ui",
    "ui_manifest",
    "web_routes",
)

STATIC = Path(__file__).parent / "static"
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_SECTIONS = frozenset({"main", "settings"})

SHELL_PATHS = (
    "/",
    "/sign-in",
    "/sign-up",
    "/account",
    "/project/{rest:path}",
)
"""Page URLs the shell answers with its HTML; the browser-side router takes it from there."""


class ResolvedContribution(msgspec.Struct, frozen=True, kw_only=True):
    """A plugin's contribution with the directory its assets were found in."""

    contribution: UIContribution
    directory: Path


class UIPlugin(msgspec.Struct, frozen=True, kw_only=True):
    """What the browser needs of one contributing plugin."""

    name: str
    entry: str
    navigation: list[NavigationEntry]


class UIManifest(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /api/internal/ui``: the version and every plugin's pages and links."""

    version: str
    plugins: list[UIPlugin]


def collect_ui(pm: pluggy.PluginManager, config: PluginConfig) -> list[ResolvedContribution]:
    """Every plugin's UI contribution, validated, with its asset directory.

    Raises:
        StartupError: a name is taken twice or malformed, a navigation entry is
            malformed, or the assets package or its entry module cannot be found.
    """
    results: list[Sequence[UIContribution] | None] = pm.hook.register_ui(config=config)
    resolved: dict[str, ResolvedContribution] = {}
    for result in reversed(results):  # pluggy answers last-registered first
        for contribution in result or ():
            _check(contribution)
            if contribution.name in resolved:
                raise StartupError(f"Duplicate UI contribution name '{contribution.name}'")
            directory = _directory_of(contribution)
            resolved[contribution.name] = ResolvedContribution(
                contribution=contribution, directory=directory
            )
    return list(resolved.values())


def ui_manifest(contributions: Sequence[ResolvedContribution]) -> UIManifest:
    """The manifest the browser loads after sign-in."""
    return UIManifest(
        version=__version__,
        plugins=[
            UIPlugin(
                name=c.contribution.name,
                entry=f"/static/plugins/{c.contribution.name}/{c.contribution.entry}",
                navigation=sorted(c.contribution.navigation, key=lambda n: (n.order, n.label)),
            )
            for c in contributions
        ],
    )


def web_routes(contributions: Sequence[ResolvedContribution]) -> list[Any]:
    """The shell's page routes and the static routers (the shell's and each plugin's)."""
    # Assets are revalidated on every load (ETag / Last-Modified), so an upgrade shows
    # at once without a build step stamping file names.
    revalidate = CacheControlHeader(no_cache=True)
    routers = [
        create_static_files_router(
            path="/static/app",
            directories=[STATIC],
            cache_control=revalidate,
            include_in_schema=False,
            name="static-app",
        )
    ]
    for resolved in contributions:
        name = resolved.contribution.name
        routers.append(
            create_static_files_router(
                path=f"/static/plugins/{name}",
                directories=[resolved.directory],
                cache_control=revalidate,
                include_in_schema=False,
                name=f"static-plugin-{name}",
            )
        )
    return [shell_page, *routers]


# Outside ``static/``: the page must only ever be served with the headers below.
_SHELL_HTML = (Path(__file__).parent / "shell.html").read_bytes()
_SHELL_HEADERS = {
    # Trace content is untrusted: no inline script, nothing from elsewhere.
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob: https:; media-src 'self' blob: https:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


@get(list(SHELL_PATHS), include_in_schema=False, sync_to_thread=False)
def shell_page() -> Response[bytes]:
    """The single HTML page of the UI; the browser-side router renders the rest."""
    return Response(
        _SHELL_HTML,
        media_type="text/html; charset=utf-8",
        headers={**_SHELL_HEADERS, "cache-control": "no-cache"},
    )


def _check(contribution: UIContribution) -> None:
    if not _NAME.match(contribution.name):
        raise StartupError(
            f"UI contribution name '{contribution.name}' must be lowercase letters, digits, "
            "'-' or '_'"
        )
    if contribution.entry.startswith("/") or ".." in contribution.entry:
        raise StartupError(
            f"UI contribution '{contribution.name}': entry '{contribution.entry}' must be a "
            "path inside its assets package"
        )
    for entry in contribution.navigation:
        if entry.section not in _SECTIONS or entry.path.startswith("/") or ".." in entry.path:
            raise StartupError(
                f"UI contribution '{contribution.name}': navigation entry '{entry.label}' "
                f"needs a relative path and a section in {sorted(_SECTIONS)}"
            )


def _directory_of(contribution: UIContribution) -> Path:
    try:
        importlib.import_module(contribution.assets)
        directory = Path(str(resources.files(contribution.assets)))
    except (ImportError, TypeError) as exc:
        raise StartupError(
            f"UI contribution '{contribution.name}': assets package "
            f"'{contribution.assets}' cannot be imported ({exc})"
        ) from exc
    if not (directory / contribution.entry).is_file():
        raise StartupError(
            f"UI contribution '{contribution.name}': entry '{contribution.entry}' "
            f"is not in {directory}"
        )
    return directory
