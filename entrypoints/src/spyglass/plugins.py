"""The plugin host: a plugin manager factory and the collectors of registration hooks."""

from __future__ import annotations

import importlib
import itertools
import logging
from collections.abc import Iterable, Sequence
from importlib import metadata
from typing import Any, cast

import msgspec
import pluggy

from spyglass.settings import Settings
from spyglass_core import hookspecs
from spyglass_core.hookspecs import PROJECT_NAME, EvaluatorSpec, TaskSpec
from spyglass_core.services.evaluator_registry import EvaluatorRegistry

__all__ = (
    "BUILTIN_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PluginInfo",
    "StartupError",
    "collect_evaluators",
    "collect_tasks",
    "make_plugin_manager",
    "plugin_infos",
    "plugin_manager_for",
    "register_plugins",
)

ENTRY_POINT_GROUP = f"{PROJECT_NAME}.plugins"
BUILTIN_PLUGINS: tuple[str, ...] = ("spyglass.defaults",)
"""Dotted module names registered before entry points; feature plugins come by entry point."""

logger = logging.getLogger(__name__)


class StartupError(RuntimeError):
    """The plugins as installed cannot start together (a duplicate name, a bad hookimpl)."""


class PluginInfo(msgspec.Struct, frozen=True):
    """One loaded plugin, as ``GET /api/internal/plugins`` shows it."""

    name: str
    version: str | None
    hooks: list[str]


def make_plugin_manager(
    *,
    plugins: Sequence[str] = BUILTIN_PLUGINS,
    load_entrypoints: bool = True,
    disabled: Iterable[str] = (),
    trace: bool = False,
) -> pluggy.PluginManager:
    """A new plugin manager: built-ins, then ``spyglass.plugins`` entry points.

    Args:
        plugins: dotted module names of built-in plugins.
        load_entrypoints: also load installed plugins (off in some tests).
        disabled: plugin names to block (``SPYGLASS_DISABLE_PLUGINS``), by entry-point
            or module name.
        trace: print every hook call (``SPYGLASS_TRACE_PLUGINS``).

    Raises:
        StartupError: a hookimpl matches no hookspec or has arguments the spec lacks.
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    blocked = set(disabled)
    for name in blocked:
        pm.set_blocked(name)
    for dotted in plugins:
        if dotted not in blocked:
            pm.register(importlib.import_module(dotted), name=dotted)
    if load_entrypoints:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    _check_pending(pm)
    if trace:
        pm.add_hookcall_monitoring(
            lambda name, impls, kwargs: logger.warning("hook %s(%s)", name, sorted(kwargs)),
            lambda outcome, name, impls, kwargs: logger.warning("hook %s done", name),
        )
    return pm


def register_plugins(pm: pluggy.PluginManager, plugins: Iterable[object]) -> None:
    """Register plugin objects after start (tests, embedding applications) and validate them.

    Raises:
        StartupError: a hookimpl matches no hookspec or has arguments the spec lacks.
    """
    for plugin in plugins:
        pm.register(plugin)
    _check_pending(pm)


def _check_pending(pm: pluggy.PluginManager) -> None:
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as error:
        raise StartupError(f"Plugin '{error.plugin}' is invalid: {error}") from error


def plugin_manager_for(settings: Settings) -> pluggy.PluginManager:
    """The plugin manager ``SPYGLASS_DISABLE_PLUGINS`` and ``SPYGLASS_TRACE_PLUGINS`` ask for."""
    return make_plugin_manager(disabled=settings.disable_plugins, trace=settings.trace_plugins)


def plugin_infos(pm: pluggy.PluginManager) -> list[PluginInfo]:
    """Every registered plugin with its distribution version and implemented hooks."""
    versions = {
        plugin: dist.version for plugin, dist in pm.list_plugin_distinfo() if dist is not None
    }
    infos = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:  # blocked
            continue
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        version = versions.get(plugin) or _module_version(name)
        infos.append(PluginInfo(name=name, version=version, hooks=hooks))
    return sorted(infos, key=lambda info: info.name)


def collect_tasks(pm: pluggy.PluginManager, config: hookspecs.PluginConfig) -> list[TaskSpec]:
    """Every plugin's tasks. Raises: StartupError on a duplicate task name."""
    specs = list(
        itertools.chain.from_iterable(r for r in pm.hook.register_tasks(config=config) if r)
    )
    _fail_on_duplicates("task", (spec.name for spec in specs))
    return specs


def collect_evaluators(
    pm: pluggy.PluginManager, config: hookspecs.PluginConfig
) -> EvaluatorRegistry:
    """Every plugin's evaluators, as the registry the container provides.

    Raises:
        StartupError: two plugins register an evaluator of the same name (both named).
    """
    results = pm.hook.register_evaluators(config=config)
    specs = list(itertools.chain.from_iterable(r for r in results if r))
    seen: set[str] = set()
    for spec in specs:
        if spec.name in seen:
            first, second = _evaluator_owners(pm, config, spec.name)
            raise StartupError(
                f"Duplicate evaluator name: '{spec.name}' is registered by '{first}' and '{second}'"
            )
        seen.add(spec.name)
    return EvaluatorRegistry(specs)


def _evaluator_owners(
    pm: pluggy.PluginManager, config: hookspecs.PluginConfig, name: str
) -> tuple[str, str]:
    """The two plugins registering evaluator ``name``; asked only to word the error."""
    kwargs = {"config": config}
    owners: list[str] = []
    for impl in pm.hook.register_evaluators.get_hookimpls():  # in registration order
        result = cast(
            "Sequence[EvaluatorSpec] | None", impl.function(*[kwargs[n] for n in impl.argnames])
        )
        owners.extend(impl.plugin_name for spec in result or [] if spec.name == name)
    # A hookwrapper may have added the second one itself: name what can be named.
    owners.extend(["a hookwrapper"] * 2)
    return owners[0], owners[1]


def _fail_on_duplicates(kind: str, names: Iterable[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise StartupError(f"Duplicate {kind} name: '{name}' is registered by two plugins")
        seen.add(name)


def _module_version(dotted: str) -> str | None:
    top = dotted.split(".")[0]
    try:
        return metadata.version(top.replace("_", "-"))
    except metadata.PackageNotFoundError:
        module: Any = importlib.import_module(top) if top else None
        return getattr(module, "__version__", None)
