"""The plugin host: entry-point discovery, disabling, validation and duplicate names."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from litestar import get

from spyglass.app import collect_routes
from spyglass.plugins import (
    StartupError,
    collect_evaluators,
    collect_tasks,
    make_plugin_manager,
    plugin_infos,
    register_plugins,
)
from spyglass_core.hookspecs import ApiSurface, EvaluatorSpec, PluginConfig, TaskSpec, hookimpl


@pytest.fixture
def installed_plugin(tmp_path: Path) -> Iterator[Any]:
    """Install a one-module distribution with a ``spyglass.plugins`` entry point on sys.path."""

    def install(module_name: str, source: str, version: str = "1.2.3") -> None:
        (tmp_path / f"{module_name}.py").write_text(textwrap.dedent(source))
        dist = tmp_path / f"{module_name}-{version}.dist-info"
        dist.mkdir()
        (dist / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {module_name}\nVersion: {version}\n"
        )
        (dist / "entry_points.txt").write_text(
            f"[spyglass.plugins]\n{module_name} = {module_name}\n"
        )

    sys.path.insert(0, str(tmp_path))
    try:
        yield install
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("sg_test_")]:
            del sys.modules[name]


GOOD_PLUGIN = """
    from spyglass_core.hookspecs import hookimpl

    @hookimpl
    def register_tasks():
        return []
"""


def test_entry_point_plugins_are_discovered_with_version(installed_plugin: Any) -> None:
    installed_plugin("sg_test_good", GOOD_PLUGIN)
    pm = make_plugin_manager()
    infos = {info.name: info for info in plugin_infos(pm)}
    assert infos["sg_test_good"].version == "1.2.3"
    assert infos["sg_test_good"].hooks == ["register_tasks"]
    assert "spyglass.defaults" in infos


def test_disabled_plugins_are_not_loaded(installed_plugin: Any) -> None:
    installed_plugin("sg_test_good", GOOD_PLUGIN)
    pm = make_plugin_manager(disabled=["sg_test_good"])
    assert "sg_test_good" not in {info.name for info in plugin_infos(pm)}
    assert pm.is_blocked("sg_test_good")


def test_builtin_plugin_can_be_disabled() -> None:
    pm = make_plugin_manager(load_entrypoints=False, disabled=["spyglass.defaults"])
    assert plugin_infos(pm) == []


def test_hookimpl_matching_no_spec_fails_startup_clearly(installed_plugin: Any) -> None:
    installed_plugin(
        "sg_test_typo",
        """
        from spyglass_core.hookspecs import hookimpl

        @hookimpl
        def register_route():
            return []
        """,
    )
    with pytest.raises(StartupError, match=r"sg_test_typo.*register_route"):
        make_plugin_manager()


def test_plugin_managers_share_no_state() -> None:
    first = make_plugin_manager(load_entrypoints=False)
    second = make_plugin_manager(load_entrypoints=False)

    class Extra:
        @hookimpl
        def register_tasks(self) -> list[TaskSpec]:
            return []

    first.register(Extra())
    assert len(first.get_plugins()) == len(second.get_plugins()) + 1


async def _noop() -> None:
    return None


def _task_plugin(name: str) -> object:
    class TaskPlugin:
        @hookimpl
        def register_tasks(self) -> Sequence[TaskSpec]:
            return [TaskSpec(name=name, func=_noop)]

    return TaskPlugin()


def test_duplicate_task_names_fail_startup() -> None:
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(_task_plugin("feature.do_thing"), name="one")
    pm.register(_task_plugin("feature.do_thing"), name="two")
    with pytest.raises(StartupError, match=r"Duplicate task name: 'feature\.do_thing'"):
        collect_tasks(pm, PluginConfig())


def test_duplicate_evaluator_names_fail_startup() -> None:
    class EvalPlugin:
        @hookimpl
        def register_evaluators(self) -> list[EvaluatorSpec]:
            return [EvaluatorSpec(name="exact_match", factory=object)]

    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(EvalPlugin(), name="a")
    pm.register(EvalPlugin(), name="b")
    with pytest.raises(StartupError, match="Duplicate evaluator name: 'exact_match'"):
        collect_evaluators(pm, PluginConfig())


def _route_plugin() -> object:
    @get("/things")
    async def things() -> list[str]:
        return []

    class RoutePlugin:
        @hookimpl
        def register_routes(self, surface: ApiSurface) -> list[Any]:
            return [things] if surface is ApiSurface.PUBLIC else []

    return RoutePlugin()


def test_duplicate_routes_fail_startup_naming_both_plugins() -> None:
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(_route_plugin(), name="first")
    pm.register(_route_plugin(), name="second")
    with pytest.raises(StartupError, match=r"GET public /things.*'first' and 'second'"):
        collect_routes(pm, ApiSurface.PUBLIC, PluginConfig())


def test_same_path_on_other_surface_is_not_a_duplicate() -> None:
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(_route_plugin(), name="first")
    public = collect_routes(pm, ApiSurface.PUBLIC, PluginConfig())
    assert [handler.handler_name for handler in public] == ["health", "list_projects", "things"]
    internal = collect_routes(pm, ApiSurface.INTERNAL, PluginConfig())
    assert [handler.handler_name for handler in internal] == [
        "list_plugins",
        "ui_contributions",
        "sign_up",
        "sign_in",
        "sign_out",
        "current_session",
        "list_my_projects",
        "create_project",
        "list_api_keys",
        "create_api_key",
        "revoke_api_key",
        "list_members",
        "change_member_role",
        "remove_member",
        "list_invitations",
        "create_invitation",
        "withdraw_invitation",
        "accept_invitation",
    ]


def test_a_plugin_registered_after_start_is_validated() -> None:
    class Typo:
        @hookimpl
        def register_route(self) -> list[Any]:
            return []

    pm = make_plugin_manager(load_entrypoints=False)
    with pytest.raises(StartupError, match="register_route"):
        register_plugins(pm, [Typo()])


def test_routes_are_collected_through_pluggy_so_hookwrappers_see_them() -> None:
    seen: list[int] = []

    class Watcher:
        @hookimpl(wrapper=True)
        def register_routes(self, surface: ApiSurface) -> Any:
            handlers = yield
            if surface is ApiSurface.PUBLIC:
                seen.append(sum(len(result or []) for result in handlers))
            return handlers

    pm = make_plugin_manager(load_entrypoints=False)
    register_plugins(pm, [Watcher()])
    handlers = collect_routes(pm, ApiSurface.PUBLIC, PluginConfig())
    assert seen == [len(handlers)] and len(handlers) >= 2  # health and projects
