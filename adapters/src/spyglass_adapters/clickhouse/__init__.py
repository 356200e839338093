"""ClickHouse / chDB adapter: the analytics store and its schema migrations."""

from __future__ import annotations

from spyglass_adapters.clickhouse.migrator import apply_migrations
from spyglass_adapters.clickhouse.store import ClickHouseAnalyticsStore

__all__ = ("ClickHouseAnalyticsStore", "apply_migrations")
