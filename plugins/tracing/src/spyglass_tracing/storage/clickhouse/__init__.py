"""The tracing plugin's analytics store on ClickHouse / chDB: store, queries, row mapping."""

from __future__ import annotations

from spyglass_tracing.storage.clickhouse.store import ClickHouseAnalyticsStore

__all__ = ("ClickHouseAnalyticsStore",)
