"""ClickHouse / chDB machinery: one connection per process and the per-plugin migrator."""

from __future__ import annotations

from spyglass_adapters.clickhouse.connection import ClickHouseConnection
from spyglass_adapters.clickhouse.migrator import apply_migrations

__all__ = ("ClickHouseConnection", "apply_migrations")
