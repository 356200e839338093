"""The ``spyglass`` command line."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import click
from dishka import AsyncContainer

from spyglass import __version__
from spyglass.plugins import plugin_manager_for
from spyglass.settings import Settings, SettingsError, load_settings
from spyglass_core.domain.errors import DomainError
from spyglass_core.hookspecs import COMMAND_CONTAINER

if TYPE_CHECKING:
    from spyglass_core.services.projects import ProjectAdmin

__all__ = ("PRIVATE_UMASK", "cli", "main", "open_command_container")

PRIVATE_UMASK = 0o077

T = TypeVar("T")


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


def _run(coro: Coroutine[Any, Any, T], *, fast_loop: bool = False) -> T:
    """Run ``coro`` to completion; ``fast_loop`` runs it on uvloop where it is installed.

    The long-running commands want uvloop (uvicorn's ``standard`` extra installs it):
    uvicorn only picks it when it starts the loop itself, and ``serve`` starts its own.
    """
    try:
        with asyncio.Runner(loop_factory=_uvloop_factory() if fast_loop else None) as runner:
            return runner.run(coro)
    except DomainError as error:
        raise click.ClickException(error.message) from error


def _uvloop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # not on every platform (Windows): the standard loop then
        return None
    return uvloop.new_event_loop


def _limit_malloc_arenas(settings: Settings) -> None:
    """Few malloc arenas for a long-running process (before it starts threads)."""
    if "MALLOC_ARENA_MAX" in os.environ:  # glibc's own variable, set by the operator
        return
    from spyglass.malloc import limit_malloc_arenas

    limit_malloc_arenas(settings.malloc_arenas)


@contextlib.asynccontextmanager
async def open_command_container(settings: Settings) -> AsyncIterator[AsyncContainer]:
    """The process container for a CLI command: migrated, salted, with tasks attached.

    Only what a command asks for is opened (the transactional store, usually), so the CLI
    can run beside a live server. Plugin commands reach it through
    ``ctx.meta[COMMAND_CONTAINER]``.
    """
    from spyglass.di import make_container
    from spyglass.runtime import attach_tasks, migrate_sql, resolve_salt

    pm = plugin_manager_for(settings)
    if settings.migrate_on_start:
        await migrate_sql(settings, pm)
    settings = await resolve_salt(settings)
    container = make_container(settings, pm)
    try:
        # Domain events (ProjectCreated) reach their handlers through the queue: with the
        # in-process broker they run here, before the command exits; with Redis, a worker.
        queue = await attach_tasks(pm, settings, container)
        await queue.broker.startup()
        try:
            yield container
        finally:
            if wait_all := getattr(queue.broker, "wait_all", None):
                await wait_all()
            await queue.broker.shutdown()
    finally:
        await container.close()


@contextlib.asynccontextmanager
async def _admin(settings: Settings) -> AsyncIterator[ProjectAdmin]:
    from spyglass_core.services.projects import ProjectAdmin

    async with open_command_container(settings) as container:
        yield await container.get(ProjectAdmin)


@click.group()
@click.version_option(__version__, prog_name="spyglass")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Spyglass: LLM tracing, prompts, datasets and evaluations, Langfuse-compatible."""
    ctx.meta[COMMAND_CONTAINER] = lambda: open_command_container(_settings(ctx))


@cli.command()
@click.option(
    "--host", default=None, help="Interface to bind (default SPYGLASS_HOST or 127.0.0.1)."
)
@click.option("--port", type=int, default=None, help="Port (default SPYGLASS_PORT or 3000).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the API with an in-process worker (embedded defaults need no services)."""
    from spyglass.server import serve as run_server

    settings = _settings(ctx)
    _limit_malloc_arenas(settings)
    with contextlib.suppress(KeyboardInterrupt):
        _run(run_server(settings, host or settings.host, port or settings.port), fast_loop=True)


@cli.command()
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Run background tasks from the shared queue (scale-out mode)."""
    from spyglass.server import work

    _limit_malloc_arenas(_settings(ctx))
    with contextlib.suppress(KeyboardInterrupt):
        _run(work(_settings(ctx)), fast_loop=True)


@cli.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Apply SQL and analytics schema migrations."""
    from spyglass.plugins import plugin_manager_for
    from spyglass.runtime import migrate_sql
    from spyglass.storage import collect_storage, migrate_clickhouse
    from spyglass_adapters.clickhouse import ClickHouseConnection

    settings = _settings(ctx)

    async def run() -> None:
        pm = plugin_manager_for(settings)
        await migrate_sql(settings, pm)
        connection = await ClickHouseConnection.open(
            settings.clickhouse_dsn,
            settings.analytics_database,
            chdb_settings=dict(settings.chdb_settings),
        )
        try:
            await migrate_clickhouse(connection, collect_storage(pm, settings.plugin_config))
        finally:
            await connection.close()

    _run(run())
    click.echo("Migrations applied.")


@cli.group()
def projects() -> None:
    """Create and list projects."""


@projects.command("create")
@click.argument("name")
@click.option("--organization", "organization_name", default="Default Organization")
@click.option("--id", "project_id", default=None, help="Choose the project id.")
@click.pass_context
def projects_create(
    ctx: click.Context, name: str, organization_name: str, project_id: str | None
) -> None:
    """Create a project (and its organization when new)."""

    async def run() -> None:
        async with _admin(_settings(ctx)) as admin:
            project = await admin.create_project(
                name, organization_name=organization_name, project_id=project_id
            )
        click.echo(f"{project.id}\t{project.name}")

    _run(run())


@projects.command("list")
@click.pass_context
def projects_list(ctx: click.Context) -> None:
    """List projects: id, name, organization."""

    async def run() -> None:
        async with _admin(_settings(ctx)) as admin:
            for project, org in await admin.list_projects():
                click.echo(f"{project.id}\t{project.name}\t{org.name}")

    _run(run())


@cli.group()
def keys() -> None:
    """Create, list and revoke API keys."""


@keys.command("create")
@click.argument("project_id")
@click.option("--note", default=None)
@click.pass_context
def keys_create(ctx: click.Context, project_id: str, note: str | None) -> None:
    """Issue a key pair for a project; the secret is printed once."""

    async def run() -> None:
        async with _admin(_settings(ctx)) as admin:
            key, pair = await admin.create_api_key(project_id, note=note)
        click.echo(f"id={key.id}\npublic_key={pair.public_key}\nsecret_key={pair.secret_key}")

    _run(run())


@keys.command("list")
@click.argument("project_id")
@click.pass_context
def keys_list(ctx: click.Context, project_id: str) -> None:
    """List a project's keys: id, public key, masked secret, note."""

    async def run() -> None:
        async with _admin(_settings(ctx)) as admin:
            for key in await admin.list_api_keys(project_id):
                click.echo(f"{key.id}\t{key.public_key}\t{key.display_secret}\t{key.note or ''}")

    _run(run())


@keys.command("revoke")
@click.argument("key")
@click.pass_context
def keys_revoke(ctx: click.Context, key: str) -> None:
    """Revoke a key by id or public key."""

    async def run() -> None:
        async with _admin(_settings(ctx)) as admin:
            revoked = await admin.revoke_api_key(key)
        click.echo(f"Revoked {revoked.public_key}")

    _run(run())


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: parse settings once, let plugins add commands, run."""
    # Everything Spyglass writes (the database, batches, media, chDB files) holds tenants'
    # data: private to the server's user (files 0600, directories 0700).
    os.umask(PRIVATE_UMASK)
    try:
        settings = load_settings()
    except SettingsError as error:
        raise SystemExit(f"Error: {error}") from error
    pm = plugin_manager_for(settings)
    pm.hook.register_commands(cli=cli)
    return cli.main(args=argv, obj=settings, prog_name="spyglass")
