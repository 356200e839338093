"""Plugin API: markers, contribution types and hook specifications.

Hooks are called with keyword arguments only, and an implementation may accept any
subset of them. Registration hooks describe and never do I/O; only ``startup`` and
``shutdown`` may return awaitables. Every hook has a ``docs/plugin_hooks.md`` section
headed by its signature and a ``test_hook_<name>`` test; ``tests/architecture``
enforces both.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import msgspec
import pluggy

from spyglass_core.domain.events import DomainEvent
from spyglass_core.ports.evaluator import Evaluator
from spyglass_core.ports.llm import LLMClient

if TYPE_CHECKING:  # annotations only: core never imports frameworks at run time
    import click

__all__ = (
    "COMMAND_CONTAINER",
    "PROJECT_NAME",
    "ApiSurface",
    "EvaluatorOutput",
    "EvaluatorSpec",
    "EventHandler",
    "NavigationEntry",
    "PluginConfig",
    "RepositorySpec",
    "StorageSpec",
    "TaskSpec",
    "UIContribution",
    "hookimpl",
    "hookspec",
)

PROJECT_NAME = "spyglass"
"""Marker name and the entry-point group plugins register under (``spyglass.plugins``)."""

COMMAND_CONTAINER = "spyglass.container"
"""Key of ``click.Context.meta`` holding a factory of the process container for commands.

``async with ctx.meta[COMMAND_CONTAINER]() as container:`` yields the dishka container
(schema migrated, tasks attached); a plugin command gets its services from it.
"""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marker to decorate hook implementations with: ``@hookimpl def register_routes(...)``."""


class ApiSurface(enum.Enum):
    """Where routes are mounted: ``/api/public`` (API keys) or ``/api/internal``."""

    PUBLIC = "public"
    INTERNAL = "internal"


class TaskSpec(msgspec.Struct, frozen=True):
    """A background task: ``name`` is ``"<plugin>.<verb_noun>"`` and unique across plugins.

    ``func`` is an async function; its dependencies come through dishka's ``FromDishka``.
    """

    name: str
    func: Callable[..., Awaitable[Any]]


EvaluatorOutput = Literal["numeric", "boolean", "categorical"]
"""What an evaluator's ``evaluate`` returns: a float, a bool or a string (a category)."""


class EvaluatorSpec(msgspec.Struct, frozen=True):
    """An evaluator kind; ``name`` is the stable id persisted with its results.

    Attributes:
        name: a plain identifier, unique across plugins (``exact_match``).
        factory: builds the evaluator. Called with one argument, the evaluator's config
            (a mapping), when ``config_schema`` is set; with none otherwise. It raises
            ``InvalidInput`` for a config it cannot use.
        description: one sentence for people choosing an evaluator.
        variables: the names ``evaluate`` needs in its ``variables`` mapping
            (``("output", "expected_output")``).
        output: what ``evaluate`` returns: ``"numeric"``, ``"boolean"`` or
            ``"categorical"``.
        config_schema: the JSON Schema of the config, or None when it takes none.
    """

    name: str
    factory: Callable[..., Evaluator]
    description: str = ""
    variables: Sequence[str] = ()
    output: EvaluatorOutput = "numeric"
    config_schema: Mapping[str, Any] | None = None


class RepositorySpec(msgspec.Struct, frozen=True):
    """How to build the repository a unit of work hands out for ``port``.

    ``sql`` is called with the unit of work's open SQLAlchemy ``AsyncConnection`` (inside
    its transaction); ``memory`` with the memory unit of work's ``MemoryTables`` (unit
    tests only). Both come from the plugin's ``storage`` package, the only part of a
    plugin that may import ``spyglass_adapters.*.spi`` and the drivers.
    """

    port: type[Any]
    sql: Callable[[Any], Any]
    memory: Callable[[Any], Any] | None = None


class StorageSpec(msgspec.Struct, frozen=True):
    """Everything a plugin stores: its repositories and where its migrations live.

    Attributes:
        namespace: a plain identifier naming this storage (usually the plugin's name).
            SQL revisions are recorded in the table ``alembic_version_<namespace>`` and
            ClickHouse migrations as ``<namespace>:<file stem>``, so chains of different
            plugins never collide and an uninstalled plugin's records harm nobody.
        repositories: the ports this plugin's units of work serve.
        sql_migrations: dotted name of a package holding Alembic revision files, one
            linear chain whose base has ``down_revision = None``; applied after core's.
        clickhouse_migrations: dotted name of a package holding ordered ``.sql`` files
            for the analytics database (``{database}`` is replaced by its name).
        legacy_sql_revisions: for the first-party plugins only: the revisions of this
            chain that databases from before per-plugin chains recorded in the shared
            ``alembic_version`` table (same ids). Such a database is adopted in place.
            A new plugin leaves this empty.
    """

    namespace: str
    repositories: Sequence[RepositorySpec] = ()
    sql_migrations: str | None = None
    clickhouse_migrations: str | None = None
    legacy_sql_revisions: Sequence[str] = ()


class NavigationEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A link in the web UI's project sidebar.

    Attributes:
        label: what the link says.
        path: the page under the project, without a leading slash: ``"traces"`` opens
            ``/project/<project id>/traces``.
        section: ``"main"`` (the sidebar's upper part) or ``"settings"`` (a tab of the
            project settings page).
        order: position within the section; lower comes first.
    """

    label: str
    path: str
    section: str = "main"
    order: int = 100


class UIContribution(msgspec.Struct, frozen=True, kw_only=True):
    """A plugin's pages: its static files and the links that lead to them.

    The host serves the files of package ``assets`` at ``/static/plugins/<name>/`` and
    the UI imports ``entry`` from there once signed in. The entry module's default export
    is a function that receives the UI's registry and registers page components for
    paths under ``/project/:projectId/`` (see ``docs/ui.md``). A plugin that is not
    installed contributes neither links nor pages, so the UI shows no dead links.

    Attributes:
        name: a plain identifier, unique across plugins (usually the plugin's name).
        assets: dotted name of a package whose directory holds the files.
        entry: the ES module, relative to that directory, that registers the pages.
        navigation: sidebar links and settings tabs.
    """

    name: str
    assets: str
    entry: str = "index.js"
    navigation: Sequence[NavigationEntry] = ()


class PluginConfig(msgspec.Struct, frozen=True):
    """Per-plugin settings, from ``SPYGLASS_PLUGIN_<NAME>_<KEY>`` environment variables."""

    sections: dict[str, dict[str, str]] = {}

    def for_plugin(self, name: str) -> Mapping[str, str]:
        """The settings of plugin ``name`` (empty when none were given)."""
        return self.sections.get(name, {})


EventHandler = Callable[[DomainEvent, Any], Awaitable[None]]
"""An async handler of a domain event; the second argument is a request-scoped container."""


# -- Registration: once per process, before serving. Describe; never do I/O. ----------


@hookspec
def register_routes(surface: ApiSurface, config: PluginConfig) -> Sequence[Any] | None:
    """Litestar route handlers, controllers or routers for one API surface.

    Args:
        surface: ``PUBLIC`` routes are mounted under ``/api/public`` behind API-key
            auth; ``INTERNAL`` routes under ``/api/internal`` behind sessions, each
            declaring its rule with ``opt=requires(...)`` (``spyglass_core.domain.access``).
        config: settings for plugins.

    Returns:
        Handlers to mount, or None. Two plugins claiming the same method and path
        fail start-up with ``StartupError``.
    """


@hookspec
def register_tasks(config: PluginConfig) -> Sequence[TaskSpec] | None:
    """Background tasks the worker runs and the API enqueues through ``TaskQueue``.

    Args:
        config: settings for plugins.

    Returns:
        Task specs, or None. A name registered twice fails start-up with ``StartupError``.
    """


@hookspec
def register_providers(config: PluginConfig) -> Sequence[Any] | None:
    """dishka ``Provider`` objects for this plugin's services (never for core ports).

    Args:
        config: settings for plugins.

    Returns:
        Providers added to every container the process builds (API and worker), or None.
    """


@hookspec
def register_storage(config: PluginConfig) -> Sequence[StorageSpec] | None:
    """The plugin's tables and repositories: what makes installing it enough.

    Args:
        config: settings for plugins.

    Returns:
        Storage specs, or None. The host migrates every spec's SQL chain (after core's)
        and ClickHouse files, and every unit of work serves its repositories by port
        type. Two specs with the same namespace, or two repositories for the same port,
        fail start-up with ``StartupError``.
    """


@hookspec
def register_evaluators(config: PluginConfig) -> Sequence[EvaluatorSpec] | None:
    """Evaluator kinds that evaluation rules can refer to by name.

    Args:
        config: settings for plugins.

    Returns:
        Evaluator specs, or None. A duplicate name fails start-up with ``StartupError``.
    """


@hookspec
def register_ui(config: PluginConfig) -> Sequence[UIContribution] | None:
    """Pages and navigation the plugin adds to the web UI.

    Args:
        config: settings for plugins.

    Returns:
        UI contributions, or None. Two contributions with the same name, or an
        ``assets`` package that cannot be found, fail start-up with ``StartupError``.
    """


@hookspec
def register_event_handlers() -> Mapping[type[DomainEvent], Sequence[EventHandler]] | None:
    """Async handlers of core domain events: how features react without imports.

    Returns:
        A mapping from event type to handlers, or None.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add subcommands to the ``spyglass`` command line.

    A command reaches the services through ``ctx.meta[COMMAND_CONTAINER]()``, an async
    context manager yielding the process container.

    Args:
        cli: the root click group; call ``cli.command()`` or ``cli.add_command()``.
    """


# -- Lifecycle --------------------------------------------------------------------------


@hookspec
def startup(container: Any) -> Awaitable[None] | None:
    """Runs once the container is built, before the first request or task.

    Args:
        container: the dishka ``AsyncContainer`` of the process.

    Returns:
        None, or an awaitable the host awaits (warm caches, check a schema).
    """


@hookspec
def shutdown(container: Any) -> Awaitable[None] | None:
    """Runs before the container closes. Must not raise.

    Args:
        container: the dishka ``AsyncContainer`` of the process.

    Returns:
        None, or an awaitable the host awaits.
    """


# -- Single answer ----------------------------------------------------------------------


@hookspec(firstresult=True)
def resolve_llm_client(model: str, config: PluginConfig) -> LLMClient | None:
    """A client that can serve ``model``, or None. Stops at first non-None result.

    Args:
        model: the model name an evaluator asks for, e.g. ``gpt-4o``.
        config: settings for plugins.

    Returns:
        An ``LLMClient``, or None to let the next plugin answer.
    """
