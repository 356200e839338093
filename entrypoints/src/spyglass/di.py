"""The composition root: the only place that chooses adapters.

``make_container`` builds one dishka container per process from the settings, the
core providers below and every plugin's ``register_providers``.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterable
from datetime import timedelta
from typing import Any

import pluggy
from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from litestar import Request
from sqlalchemy.ext.asyncio import AsyncEngine

from spyglass.api.sessions import PROJECT_SCOPE_KEY
from spyglass.events import (
    EventDelivery,
    EventHandlers,
    OutboxRelay,
    QueuedEventPublisher,
    collect_event_handlers,
)
from spyglass.plugins import collect_evaluators
from spyglass.settings import Settings
from spyglass.storage import collect_storage, migrate_clickhouse, sql_repositories
from spyglass_adapters.blobs import ObstoreBlobStore
from spyglass_adapters.cache import InProcessCache
from spyglass_adapters.clickhouse import ClickHouseConnection
from spyglass_adapters.clock import SystemClock
from spyglass_adapters.llm import HttpLLMClientFactory
from spyglass_adapters.passwords import Argon2PasswordHasher
from spyglass_adapters.queue import TaskiqTaskQueue, in_process_broker, redis_broker
from spyglass_adapters.sql import SqlLocks, SqlUnitOfWorkFactory, create_engine
from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.errors import AuthenticationFailed
from spyglass_core.hookspecs import PluginConfig, StorageSpec
from spyglass_core.ports.blob_store import BlobStore
from spyglass_core.ports.cache import Cache
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.event_publisher import EventPublisher
from spyglass_core.ports.llm import LLMClient, LLMClientFactory
from spyglass_core.ports.locks import Locks
from spyglass_core.ports.passwords import PasswordHasher
from spyglass_core.ports.task_queue import TaskQueue
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_core.services.accounts import Accounts, SessionContext, SessionPolicy
from spyglass_core.services.authentication import ApiKeyAuthenticator
from spyglass_core.services.evaluator_registry import EvaluatorRegistry
from spyglass_core.services.login_throttle import LoginThrottle
from spyglass_core.services.organizations import OrganizationAdmin
from spyglass_core.services.projects import ProjectAdmin

__all__ = ("CoreProvider", "RequestProvider", "make_container", "plugin_providers")


class CoreProvider(Provider):
    """Adapters for every core port, chosen from the settings, plus the core services."""

    scope = Scope.APP

    settings = from_context(provides=Settings)
    plugin_manager = from_context(provides=pluggy.PluginManager)

    @provide
    def plugin_config(self, settings: Settings) -> PluginConfig:
        return settings.plugin_config

    @provide
    def clock(self) -> Clock:
        return SystemClock()

    @provide
    def evaluator_registry(
        self, pm: pluggy.PluginManager, config: PluginConfig
    ) -> EvaluatorRegistry:
        """Every installed evaluator kind; start-up already failed on a duplicate name."""
        return collect_evaluators(pm, config)

    @provide
    def storage_specs(self, pm: pluggy.PluginManager, config: PluginConfig) -> list[StorageSpec]:
        return collect_storage(pm, config)

    @provide
    async def sql_engine(self, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = create_engine(settings.sql_url)
        yield engine
        await engine.dispose()

    @provide
    def unit_of_work_factory(
        self, engine: AsyncEngine, specs: list[StorageSpec]
    ) -> UnitOfWorkFactory:
        return SqlUnitOfWorkFactory(engine, sql_repositories(specs))

    @provide
    def locks(self, engine: AsyncEngine) -> Locks:
        """Kept by the transactional store, so they hold across every process sharing it."""
        return SqlLocks(engine)

    @provide
    async def clickhouse(
        self, settings: Settings, specs: list[StorageSpec]
    ) -> AsyncIterator[ClickHouseConnection]:
        """The process's analytics connection, with every plugin's migrations applied."""
        connection = await ClickHouseConnection.open(
            settings.clickhouse_dsn,
            settings.analytics_database,
            chdb_settings=dict(settings.chdb_settings),
        )
        try:
            if settings.migrate_on_start:
                await migrate_clickhouse(connection, specs)
        except BaseException:
            await connection.close()
            raise
        yield connection
        await connection.close()

    @provide
    def blob_store(self, settings: Settings) -> BlobStore:
        return ObstoreBlobStore.from_url(settings.blob_store_url)

    @provide
    async def cache(self, settings: Settings, clock: Clock) -> AsyncIterator[Cache]:
        if not settings.cache_url:
            yield InProcessCache(clock)
            return
        from spyglass_adapters.cache.redis_cache import RedisCache

        cache = RedisCache.from_url(settings.cache_url)
        yield cache
        await cache.close()

    @provide
    def task_queue(self, settings: Settings) -> TaskiqTaskQueue:
        broker, depth = (
            redis_broker(settings.queue_url) if settings.queue_url else in_process_broker()
        )
        return TaskiqTaskQueue(broker, depth)

    @provide
    def task_queue_port(self, queue: TaskiqTaskQueue) -> TaskQueue:
        return queue

    @provide
    def authenticator(
        self, settings: Settings, uow: UnitOfWorkFactory, cache: Cache, clock: Clock
    ) -> ApiKeyAuthenticator:
        return ApiKeyAuthenticator(
            uow, cache, clock, salt=settings.salt, ttl_seconds=settings.auth_cache_ttl_seconds
        )

    @provide
    def event_handlers(self, pm: pluggy.PluginManager) -> EventHandlers:
        return collect_event_handlers(pm)

    @provide
    def event_publisher(
        self, handlers: EventHandlers, queue: TaskQueue, uow: UnitOfWorkFactory, clock: Clock
    ) -> EventPublisher:
        return QueuedEventPublisher(handlers, queue, uow, clock)

    @provide
    def outbox_relay(self, publisher: EventPublisher) -> OutboxRelay:
        return OutboxRelay(publisher)

    @provide
    def event_delivery(self, handlers: EventHandlers, container: AsyncContainer) -> EventDelivery:
        return EventDelivery(handlers, container)

    @provide
    def project_admin(
        self,
        settings: Settings,
        uow: UnitOfWorkFactory,
        clock: Clock,
        authenticator: ApiKeyAuthenticator,
        events: EventPublisher,
    ) -> ProjectAdmin:
        return ProjectAdmin(uow, clock, authenticator, events, salt=settings.salt)

    @provide
    async def llm_client_factory(
        self, pm: pluggy.PluginManager, config: PluginConfig
    ) -> AsyncIterator[LLMClientFactory]:
        """HTTP clients sharing one connection pool; a plugin's ``resolve_llm_client``
        answers first."""

        def resolve(model: str) -> LLMClient | None:
            client: LLMClient | None = pm.hook.resolve_llm_client(model=model, config=config)
            return client

        factory = HttpLLMClientFactory(resolver=resolve)
        yield factory
        await factory.aclose()

    @provide
    def password_hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher()

    @provide
    def login_throttle(self, settings: Settings, cache: Cache, clock: Clock) -> LoginThrottle:
        return LoginThrottle(
            cache,
            clock,
            limit=settings.login_max_failures,
            window_seconds=settings.login_window_seconds,
        )

    @provide
    def accounts(
        self,
        settings: Settings,
        uow: UnitOfWorkFactory,
        clock: Clock,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
    ) -> Accounts:
        policy = SessionPolicy(
            idle_timeout=timedelta(seconds=settings.session_idle_timeout_seconds),
            absolute_timeout=timedelta(seconds=settings.session_max_age_seconds),
        )
        return Accounts(
            uow, clock, hasher, throttle, policy=policy, open_signup=settings.open_signup
        )

    @provide
    def organization_admin(self, uow: UnitOfWorkFactory, clock: Clock) -> OrganizationAdmin:
        return OrganizationAdmin(uow, clock)


class RequestProvider(Provider):
    """What a request knows: the principal or the session its credentials resolved to."""

    request = from_context(provides=Request, scope=Scope.REQUEST)

    @provide(scope=Scope.REQUEST)
    def principal(self, request: Request) -> Principal:  # type: ignore[type-arg]
        principal = request.scope.get("auth")
        if isinstance(principal, Principal):
            return principal
        # A signed-in user on a project-scoped internal route acts for that project; the
        # access guard checked their role before the handler asked for this.
        checked = request.scope.get(PROJECT_SCOPE_KEY)
        if isinstance(principal, SessionContext) and isinstance(checked, tuple):
            project_id, organization_id = checked
            return Principal(
                project_id=project_id, organization_id=organization_id, api_key_id=None
            )
        raise AuthenticationFailed("This route needs an API key")

    @provide(scope=Scope.REQUEST)
    def session(self, request: Request) -> SessionContext:  # type: ignore[type-arg]
        context = request.scope.get("auth")
        if not isinstance(context, SessionContext):
            raise AuthenticationFailed("Sign in to use this route")
        return context


def plugin_providers(pm: pluggy.PluginManager, config: PluginConfig) -> list[Provider]:
    """Every plugin's providers, flattened."""
    results: Iterable[Any] = pm.hook.register_providers(config=config)
    return list(itertools.chain.from_iterable(r for r in results if r))


def make_container(
    settings: Settings, pm: pluggy.PluginManager, *, core: Provider | None = None
) -> AsyncContainer:
    """The process's container.

    Args:
        settings: parsed settings (with a salt, see ``runtime.resolve_salt``).
        pm: the plugin manager; its providers are added after the core ones.
        core: the provider of the core ports; tests pass one built on memory adapters.
    """
    return make_async_container(
        core or CoreProvider(),
        RequestProvider(),
        *plugin_providers(pm, settings.plugin_config),
        context={Settings: settings, pluggy.PluginManager: pm},
    )
