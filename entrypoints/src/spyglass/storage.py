"""Plugins' storage: collecting ``register_storage`` and turning it into adapters' terms."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pluggy

from spyglass.plugins import StartupError
from spyglass_adapters.clickhouse import ClickHouseConnection
from spyglass_adapters.sql.migrate import MigrationChain
from spyglass_core.hookspecs import PluginConfig, StorageSpec

__all__ = (
    "collect_storage",
    "memory_repositories",
    "migrate_clickhouse",
    "sql_chains",
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
    namespaces: set[str] = set()
    ports: dict[type[Any], str] = {}
    for spec in specs:
        if not spec.namespace.isidentifier() or spec.namespace == "core":
            raise StartupError(f"Storage namespace {spec.namespace!r} is not a plain identifier")
        if spec.namespace in namespaces:
            raise StartupError(f"Duplicate storage namespace: '{spec.namespace}'")
        namespaces.add(spec.namespace)
        for repository in spec.repositories:
            owner = ports.setdefault(repository.port, spec.namespace)
            if owner != spec.namespace:
                raise StartupError(
                    f"Duplicate repository for {repository.port.__qualname__}: "
                    f"registered by '{owner}' and '{spec.namespace}'"
                )
    return specs


def sql_chains(specs: Sequence[StorageSpec]) -> list[MigrationChain]:
    """The Alembic chains of the specs that have one, in namespace order."""
    chains = [MigrationChain(s.namespace, s.sql_migrations) for s in specs if s.sql_migrations]
    return sorted(chains, key=lambda chain: chain.namespace)


def sql_repositories(specs: Sequence[StorageSpec]) -> dict[type[Any], Callable[[Any], Any]]:
    """Port type -> SQL repository constructor, over every spec."""
    return {r.port: r.sql for spec in specs for r in spec.repositories}


def memory_repositories(specs: Sequence[StorageSpec]) -> dict[type[Any], Callable[[Any], Any]]:
    """Port type -> memory repository constructor, for the specs that ship a fake."""
    return {r.port: r.memory for spec in specs for r in spec.repositories if r.memory}


async def migrate_clickhouse(
    connection: ClickHouseConnection, specs: Sequence[StorageSpec]
) -> None:
    """Apply every spec's ClickHouse migrations, in namespace order."""
    for spec in sorted(specs, key=lambda s: s.namespace):
        if spec.clickhouse_migrations:
            await connection.migrate(spec.namespace, spec.clickhouse_migrations)
