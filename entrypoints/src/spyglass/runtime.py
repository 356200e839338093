"""Assembling a process: settings → plugins → migrations → container → bootstrap."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterable

import msgspec
import pluggy
from dishka import AsyncContainer
from dishka.integrations.taskiq import setup_dishka as setup_taskiq_dishka

from spyglass.di import make_container
from spyglass.events import DELIVER_EVENT_TASK, deliver_event
from spyglass.plugins import (
    StartupError,
    collect_evaluators,
    collect_tasks,
    plugin_manager_for,
    register_plugins,
)
from spyglass.settings import Settings, legacy_salt
from spyglass.storage import collect_storage, migration_chains
from spyglass_adapters.queue import TaskiqTaskQueue
from spyglass_adapters.sql import SqlUnitOfWorkFactory, create_engine, upgrade
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.services.accounts import Accounts
from spyglass_core.services.instance_secrets import instance_secret, new_secret
from spyglass_core.services.projects import BootstrapRequest, BootstrapResult, ProjectAdmin

__all__ = (
    "Runtime",
    "attach_tasks",
    "bootstrap_request",
    "migrate_sql",
    "open_runtime",
    "resolve_salt",
    "run_account_bootstrap",
    "run_bootstrap",
)

logger = logging.getLogger("spyglass")


class Runtime(msgspec.Struct, frozen=True, kw_only=True):
    """What a running process holds: its settings, plugins, container and task queue."""

    settings: Settings
    pm: pluggy.PluginManager
    container: AsyncContainer
    queue: TaskiqTaskQueue


async def migrate_sql(settings: Settings, pm: pluggy.PluginManager) -> None:
    """Bring core's and every installed plugin's transactional schema to its newest revision."""
    engine = create_engine(settings.sql_url)
    try:
        await upgrade(engine, migration_chains(collect_storage(pm, settings.plugin_config)))
    finally:
        await engine.dispose()


SALT_SECRET = "api_key_salt"
"""The instance secret that salts API-key hashes when ``SPYGLASS_SALT`` is not set."""


async def resolve_salt(settings: Settings) -> Settings:
    """Settings with the API-key salt: ``SPYGLASS_SALT``, else the deployment's own.

    The deployment's salt lives in the transactional store with the keys it protects, so
    every replica agrees without configuration and a lost data directory loses nothing.
    The first start creates it, adopting a ``<data_dir>/salt`` file an earlier release
    wrote. The schema must be migrated first.

    Raises:
        StorageUnavailable: the database cannot be reached.
    """
    if settings.salt:
        return settings
    adopted = legacy_salt(settings)
    engine = create_engine(settings.sql_url)
    try:
        salt = await instance_secret(
            SqlUnitOfWorkFactory(engine),
            SALT_SECRET,
            initial=(lambda: adopted) if adopted else new_secret,
        )
    finally:
        await engine.dispose()
    return msgspec.structs.replace(settings, salt=salt)


def bootstrap_request(settings: Settings) -> BootstrapRequest:
    """The ``SPYGLASS_INIT_*`` variables as a bootstrap request."""
    return BootstrapRequest(
        organization_id=settings.init_org_id or None,
        organization_name=settings.init_org_name or None,
        project_id=settings.init_project_id or None,
        project_name=settings.init_project_name or None,
        public_key=settings.init_project_public_key or None,
        secret_key=settings.init_project_secret_key or None,
    )


@contextlib.asynccontextmanager
async def open_runtime(
    settings: Settings, *, migrate: bool | None = None, plugins: Iterable[object] = ()
) -> AsyncIterator[Runtime]:
    """Build the process; close the container (engines, chDB, caches) on exit.

    Args:
        settings: parsed settings; without ``SPYGLASS_SALT`` the deployment's salt is read
            from (or created in) the transactional store.
        migrate: apply SQL migrations first; by default only in embedded mode.
        plugins: extra plugin objects to register (tests, embedding applications).
    """
    settings.resolved_data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    pm = plugin_manager_for(settings)
    register_plugins(pm, plugins)
    if settings.migrate_on_start if migrate is None else migrate:
        await migrate_sql(settings, pm)
    settings = await resolve_salt(settings)
    container = make_container(settings, pm)
    try:
        queue = await attach_tasks(pm, settings, container)
        yield Runtime(settings=settings, pm=pm, container=container, queue=queue)
    finally:
        await container.close()


async def attach_tasks(
    pm: pluggy.PluginManager, settings: Settings, container: AsyncContainer
) -> TaskiqTaskQueue:
    """Register every plugin's tasks on the container's queue, with dishka injection."""
    queue = await container.get(TaskiqTaskQueue)
    tasks = collect_tasks(pm, settings.plugin_config)
    collect_evaluators(pm, settings.plugin_config)  # fail fast on duplicate names
    if any(spec.name == DELIVER_EVENT_TASK for spec in tasks):
        raise StartupError(f"Task name '{DELIVER_EVENT_TASK}' is the host's own")
    # The host's own task: domain events reach their handlers through the queue.
    queue.register({DELIVER_EVENT_TASK: deliver_event} | {spec.name: spec.func for spec in tasks})
    setup_taskiq_dishka(container, queue.broker)
    return queue


async def run_bootstrap(runtime: Runtime) -> BootstrapResult:
    """Apply ``SPYGLASS_INIT_*``; on a first start with none, make a default project."""
    admin = await runtime.container.get(ProjectAdmin)
    return await admin.bootstrap(bootstrap_request(runtime.settings))


async def run_account_bootstrap(runtime: Runtime) -> str | None:
    """Apply ``SPYGLASS_INIT_USER_*``; with none and no user yet, issue a sign-up link token.

    Returns the token of a new single-use sign-up link (stored hashed) for the caller to
    print, or None when a user exists or was just created from the variables.

    Raises:
        InvalidInput: only one of the two variables is set, or a value breaks a rule.
    """
    settings = runtime.settings
    accounts = await runtime.container.get(Accounts)
    if bool(settings.init_user_email) != bool(settings.init_user_password):
        raise InvalidInput(
            "SPYGLASS_INIT_USER_EMAIL and SPYGLASS_INIT_USER_PASSWORD must be set together"
        )
    if settings.init_user_email:
        await accounts.ensure_user(settings.init_user_email, settings.init_user_password)
        return None
    return await accounts.sign_up_link_token()
