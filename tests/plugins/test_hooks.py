"""One test per hook (test_hook_<name>): each proves the host calls it and uses the answer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from dishka import Provider, Scope
from dishka.integrations.litestar import FromDishka
from litestar import get
from sqlalchemy import create_engine as sa_create_engine

from spyglass.plugins import make_plugin_manager
from spyglass.runtime import Runtime, open_runtime
from spyglass_adapters.memory.llm import ScriptedLLMClient
from spyglass_core.domain.events import DomainEvent, ProjectCreated
from spyglass_core.hookspecs import ApiSurface, EvaluatorSpec, PluginConfig, TaskSpec, hookimpl
from spyglass_core.ports.task_queue import TaskQueue
from spyglass_core.services.projects import ProjectAdmin
from tests.plugins.conftest import embedded_app, embedded_settings


class Greeting:
    """A service a plugin provides through dishka."""

    def __init__(self, text: str) -> None:
        self.text = text


@get("/greeting")
async def greeting_route(greeting: FromDishka[Greeting]) -> dict[str, str]:
    return {"text": greeting.text}


class GreetingPlugin:
    """Registers a public route and the provider behind it."""

    @hookimpl
    def register_routes(self, surface: ApiSurface) -> Sequence[Any]:
        return [greeting_route] if surface is ApiSurface.PUBLIC else []

    @hookimpl
    def register_providers(self, config: PluginConfig) -> Sequence[Provider]:
        provider = Provider(scope=Scope.APP)
        text = config.for_plugin("greeting").get("text", "hello")
        provider.provide(lambda: Greeting(text), provides=Greeting)
        return [provider]


async def test_hook_register_routes(tmp_path: Path, chdb_dsn: str) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, [GreetingPlugin()]) as running:
        authed = await running.client.get("/api/public/greeting", auth=running.auth())
        anonymous = await running.client.get("/api/public/greeting")
    assert authed.status_code == 200
    assert anonymous.status_code == 401  # plugin routes sit behind the same auth


async def test_hook_register_providers(tmp_path: Path, chdb_dsn: str) -> None:
    from spyglass_core.hookspecs import PluginConfig as Config

    settings = embedded_settings(
        tmp_path, chdb_dsn, plugin_config=Config(sections={"greeting": {"text": "bonjour"}})
    )
    async with embedded_app(settings, [GreetingPlugin()]) as running:
        response = await running.client.get("/api/public/greeting", auth=running.auth())
    assert response.json() == {"text": "bonjour"}


ran_tasks: list[str] = []


async def record_task(item: str) -> None:
    ran_tasks.append(item)


class TaskPlugin:
    @hookimpl
    def register_tasks(self) -> Sequence[TaskSpec]:
        return [TaskSpec(name="test.record_item", func=record_task)]


async def test_hook_register_tasks(tmp_path: Path, chdb_dsn: str) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn)
    ran_tasks.clear()
    runtime: Runtime
    async with open_runtime(settings, migrate=True, plugins=[TaskPlugin()]) as runtime:
        await runtime.queue.broker.startup()
        queue = await runtime.container.get(TaskQueue)
        await queue.enqueue("test.record_item", {"item": "a"})
        await runtime.queue.broker.wait_all()  # type: ignore[attr-defined]
        assert await queue.depth() == 0
        await runtime.queue.broker.shutdown()
    assert ran_tasks == ["a"]


class EchoEvaluator:
    async def evaluate(self, variables: Any) -> float:
        return float(len(variables))


class EvaluatorPlugin:
    @hookimpl
    def register_evaluators(self) -> Sequence[EvaluatorSpec]:
        return [EvaluatorSpec(name="length", factory=EchoEvaluator, description="counts")]


async def test_hook_register_evaluators(tmp_path: Path, chdb_dsn: str) -> None:
    from spyglass.di import make_container
    from spyglass_core.services.evaluator_registry import EvaluatorRegistry

    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(EvaluatorPlugin())
    container = make_container(embedded_settings(tmp_path, chdb_dsn), pm)
    try:
        registry = await container.get(EvaluatorRegistry)
    finally:
        await container.close()
    assert list(registry) == ["length"]
    assert registry["length"].description == "counts"
    assert await registry.create("length").evaluate({"a": 1, "b": 2}) == 2.0


async def test_hook_register_storage(tmp_path: Path, chdb_dsn: str) -> None:
    from spyglass.plugins import StartupError
    from spyglass.storage import collect_storage
    from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
    from tests.plugins.notes_storage import NoteRepository, NotesPlugin

    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, [NotesPlugin()]) as running:
        uow_factory = await running.container.get(UnitOfWorkFactory)
        async with uow_factory() as uow:
            await uow.repository(NoteRepository).add("n1", "kept")
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.repository(NoteRepository).get("n1") == "kept"

    # The plugin's chain ran after core's and recorded itself in its own version table.
    engine = sa_create_engine(settings.sql_url.replace("+aiosqlite", ""))
    with engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version_num FROM alembic_version_test_notes"))
        assert [v for (v,) in versions] == ["n001"]
    engine.dispose()

    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(NotesPlugin())
    pm.register(NotesPlugin(), name="second-notes")
    with pytest.raises(StartupError, match="test_notes"):
        collect_storage(pm, PluginConfig())


seen_events: list[DomainEvent] = []


async def remember_event(event: DomainEvent, container: Any) -> None:
    # The handler runs in a request scope of the process container.
    assert await container.get(ProjectAdmin) is not None
    seen_events.append(event)


class EventPlugin:
    @hookimpl
    def register_event_handlers(self) -> dict[type[DomainEvent], list[Any]]:
        return {ProjectCreated: [remember_event]}


async def test_hook_register_event_handlers(tmp_path: Path, chdb_dsn: str) -> None:
    seen_events.clear()
    async with embedded_app(embedded_settings(tmp_path, chdb_dsn), [EventPlugin()]) as running:
        admin = await running.admin()
        project = await admin.create_project("Evented")
    created = [e for e in seen_events if isinstance(e, ProjectCreated)]
    # Deliveries run concurrently: each event once, in any order.
    assert sorted(e.project_id for e in created) == sorted([running.project.id, project.id])


class CommandPlugin:
    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        @cli.command(name="hello-plugin")
        def hello() -> None:
            click.echo("hello from a plugin")


def test_hook_register_commands() -> None:
    from spyglass.cli import cli

    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(CommandPlugin())
    pm.hook.register_commands(cli=cli)
    try:
        result = CliRunner().invoke(cli, ["hello-plugin"], obj=None)
    finally:
        cli.commands.pop("hello-plugin", None)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "hello from a plugin"


lifecycle: list[str] = []


class LifecyclePlugin:
    @hookimpl
    def startup(self, container: Any) -> Any:
        async def warm() -> None:
            lifecycle.append(f"startup:{type(await container.get(ProjectAdmin)).__name__}")

        return warm()

    @hookimpl
    def shutdown(self) -> None:
        lifecycle.append("shutdown")


async def test_hook_startup(tmp_path: Path, chdb_dsn: str) -> None:
    lifecycle.clear()
    async with embedded_app(embedded_settings(tmp_path, chdb_dsn), [LifecyclePlugin()]):
        assert lifecycle == ["startup:ProjectAdmin"]


async def test_hook_shutdown(tmp_path: Path, chdb_dsn: str) -> None:
    lifecycle.clear()
    async with embedded_app(embedded_settings(tmp_path, chdb_dsn), [LifecyclePlugin()]):
        assert "shutdown" not in lifecycle
    assert lifecycle[-1] == "shutdown"


class LLMPlugin:
    def __init__(self, model: str) -> None:
        self.model = model
        self.client = ScriptedLLMClient(["ok"])

    @hookimpl
    def resolve_llm_client(self, model: str) -> ScriptedLLMClient | None:
        return self.client if model == self.model else None


async def test_hook_resolve_llm_client() -> None:
    pm = make_plugin_manager(load_entrypoints=False)
    first, second = LLMPlugin("gpt-4o"), LLMPlugin("claude")
    pm.register(first)
    pm.register(second)
    config = PluginConfig()
    assert pm.hook.resolve_llm_client(model="gpt-4o", config=config) is first.client
    assert pm.hook.resolve_llm_client(model="claude", config=config) is second.client
    assert pm.hook.resolve_llm_client(model="unknown", config=config) is None
    reply = await first.client.complete(
        [{"role": "user", "content": "hi"}], model="gpt-4o", params={}
    )
    assert reply.text == "ok"
