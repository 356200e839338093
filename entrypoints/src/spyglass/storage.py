"""Plugins' storage: collecting ``register_storage`` and migrating what it names."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import pluggy

from spyglass.plugins import StartupError
from spyglass_adapters.clickhouse import ClickHouseConnection
from spyglass_adapters.plugin_storage import (
    check_specs,
    memory_repositories,
    migration_chains,
    sql_repositories,
)
from spyglass_core.hookspecs import PluginConfig, StorageSpec

__all__ = (
    "collect_storage",
    "memory_repositories",
    "migrate_clickhouse",
    "migration_chains",
    "sql_repositories",
)


def collect_storage(pm: pluggy.PluginManager, config: PluginConfig) -> list[StorageSpec]:
    """Every plugin's storage specs.

    Raises:
        StartupError: two specs share a namespace, two repositories serve one port, or a
            namespace is not a plain identifier (it names tables).
    """
    results: Iterable[Sequence[StorageSpec] | None] = pm.hook.register_storage(config=config)
    specs = list(itertools.chain.from_iterable(r for r in results if r))
    try:
        check_specs(specs)
    except ValueError as error:
        raise StartupError(str(error)) from error
    return specs


async def migrate_clickhouse(
    connection: ClickHouseConnection, specs: Sequence[StorageSpec]
) -> None:
    """Apply every spec's ClickHouse migrations, in namespace order."""
    for spec in sorted(specs, key=lambda s: s.namespace):
        if spec.clickhouse_migrations:
            await connection.migrate(spec.namespace, spec.clickhouse_migrations)
