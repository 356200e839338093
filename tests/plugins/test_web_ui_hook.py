"""The web UI's hook and shell: contributions, their static files, and the page routes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

import spyglass_prompts
import spyglass_tracing
from spyglass.plugins import StartupError, make_plugin_manager, register_plugins
from spyglass.web import collect_ui
from spyglass_core.domain.accounts import Role
from spyglass_core.hookspecs import NavigationEntry, PluginConfig, UIContribution, hookimpl
from tests.plugins.accounts_support import add_user, signed_in
from tests.plugins.conftest import embedded_app, embedded_settings


class PagesPlugin:
    """A plugin with one page and one settings tab."""

    def __init__(self, name: str = "extra", assets: str = "tests.plugins.ui_assets") -> None:
        self.name = name
        self.assets = assets

    @hookimpl
    def register_ui(self) -> Sequence[UIContribution]:
        return [
            UIContribution(
                name=self.name,
                assets=self.assets,
                entry="page.js",
                navigation=(
                    NavigationEntry(label="Extra", path="extra", order=5),
                    NavigationEntry(
                        label="Extra settings", path="settings/extra", section="settings"
                    ),
                ),
            )
        ]


async def test_hook_register_ui(tmp_path: Path, chdb_dsn: str) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, [PagesPlugin()]) as app:
        await add_user(app, "v@example.com", Role.VIEWER, app.project.organization_id)
        async with signed_in(app, "v@example.com") as viewer:
            manifest = (await viewer.client.get("/api/internal/ui")).json()
        asset = await app.client.get("/static/plugins/extra/page.js")
        missing = await app.client.get("/static/plugins/extra/nothing.js")
    (plugin,) = manifest["plugins"]
    assert plugin == {
        "name": "extra",
        "entry": "/static/plugins/extra/page.js",
        "navigation": [
            {"label": "Extra", "path": "extra", "section": "main", "order": 5},
            {
                "label": "Extra settings",
                "path": "settings/extra",
                "section": "settings",
                "order": 100,
            },
        ],
    }
    assert asset.status_code == 200
    assert "export default function register" in asset.text
    assert asset.headers["content-type"].startswith("text/javascript")
    assert missing.status_code == 404


async def test_the_manifest_needs_a_session(tmp_path: Path, chdb_dsn: str) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, [PagesPlugin()]) as app:
        response = await app.client.get("/api/internal/ui")
    assert response.status_code == 401


async def test_only_installed_plugins_contribute_links(tmp_path: Path, chdb_dsn: str) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, [spyglass_tracing]) as app:
        await add_user(app, "o@example.com", Role.OWNER, app.project.organization_id)
        async with signed_in(app, "o@example.com") as owner:
            manifest = (await owner.client.get("/api/internal/ui")).json()
        prompts_asset = await app.client.get("/static/plugins/prompts/index.js")
    names = [p["name"] for p in manifest["plugins"]]
    paths = [n["path"] for p in manifest["plugins"] for n in p["navigation"]]
    assert names == ["tracing"]
    assert "traces" in paths
    assert "prompts" not in paths
    assert prompts_asset.status_code == 404


@pytest.mark.parametrize(
    ("plugins", "message"),
    [
        ([PagesPlugin(), PagesPlugin()], "Duplicate UI contribution name 'extra'"),
        ([PagesPlugin(assets="tests.plugins.no_such_package")], "cannot be imported"),
        ([PagesPlugin(assets="tests.plugins")], "entry 'page.js' is not in"),
        ([PagesPlugin(name="Bad Name")], "must be lowercase"),
    ],
)
def test_a_bad_contribution_fails_start_up(plugins: list[object], message: str) -> None:
    pm = make_plugin_manager(load_entrypoints=False)
    register_plugins(pm, plugins)
    with pytest.raises(StartupError, match=message):
        collect_ui(pm, PluginConfig())


async def test_page_urls_answer_the_shell_and_api_urls_stay_json(
    tmp_path: Path, chdb_dsn: str
) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, [spyglass_tracing, spyglass_prompts]) as app:
        pages = [
            await app.client.get(path)
            for path in ("/", "/sign-in", "/sign-up?token=x", "/project/p1/traces/t1?observation=o")
        ]
        script = await app.client.get("/static/app/app.js")
        vendor = await app.client.get("/static/app/vendor/preact.js")
        unknown_api = await app.client.get("/api/public/no-such-route", auth=app.auth())
        unknown_page = await app.client.get("/no-such-page")
        # The shell is only ever served with its headers, never as a plain static file.
        raw_shell = await app.client.get("/static/app/index.html")
    for page in pages:
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert '<script type="module" src="/static/app/app.js">' in page.text
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert script.status_code == 200 and vendor.status_code == 200
    assert unknown_api.status_code == 404
    assert unknown_api.json()["message"]
    assert unknown_page.status_code == 404
    assert raw_shell.status_code == 404


def test_every_static_import_of_the_ui_resolves() -> None:
    """Each relative or /static/ import in the shipped modules names a file that exists."""
    import re

    import spyglass.web

    roots = {
        "/static/app/": Path(spyglass.web.__file__).parent / "static",
        "/static/plugins/tracing/": Path(spyglass_tracing.__file__).parent / "ui",
        "/static/plugins/prompts/": Path(spyglass_prompts.__file__).parent / "ui",
    }
    pattern = re.compile(r"""(?:from\s*|import\s*\(?\s*)["']([^"']+\.js)["']""")
    checked = 0
    for root in roots.values():
        for module in root.rglob("*.js"):
            for target in pattern.findall(module.read_text()):
                if target.startswith("/static/"):
                    prefix = next(p for p in roots if target.startswith(p))
                    resolved = roots[prefix] / target.removeprefix(prefix)
                else:
                    resolved = (module.parent / target).resolve()
                assert resolved.is_file(), f"{module}: import of {target}"
                checked += 1
    assert checked > 50
