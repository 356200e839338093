"""The dishka provider of the tracing plugin's analytics store, on the host's connection."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from spyglass_adapters.clickhouse.spi import ClickHouseConnection
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.storage.clickhouse.store import ClickHouseAnalyticsStore

__all__ = ("TracingStorageProvider",)


class TracingStorageProvider(Provider):
    """APP-scoped: one store per process, sharing the process's ClickHouse connection."""

    scope = Scope.APP

    @provide
    def analytics(self, connection: ClickHouseConnection) -> AnalyticsStore:
        return ClickHouseAnalyticsStore(connection)
