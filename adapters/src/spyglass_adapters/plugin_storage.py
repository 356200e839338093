"""Plugins' ``StorageSpec``s in each adapter's terms: checked once, used by host and tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from spyglass_adapters.sql.migrate import MigrationChain
from spyglass_core.hookspecs import StorageSpec

__all__ = ("check_specs", "memory_repositories", "migration_chains", "sql_repositories")

RepositoryFactories = dict[type[Any], Callable[[Any], Any]]


def check_specs(specs: Sequence[StorageSpec]) -> None:
    """Raise ``ValueError`` unless the specs can live together.

    Namespaces name tables (``alembic_version_<namespace>``) and ClickHouse records, so
    each must be a plain ASCII identifier, unique, and not ``core``; a port has one
    repository across all specs.
    """
    namespaces: set[str] = set()
    ports: dict[type[Any], str] = {}
    for spec in specs:
        name = spec.namespace
        if not (name.isascii() and name.isidentifier()) or name == "core":
            raise ValueError(f"Storage namespace {name!r} is not a plain ASCII identifier")
        if name in namespaces:
            raise ValueError(f"Duplicate storage namespace: '{name}'")
        namespaces.add(name)
        for repository in spec.repositories:
            owner = ports.setdefault(repository.port, name)
            if owner != name or sum(r.port is repository.port for r in spec.repositories) > 1:
                raise ValueError(
                    f"Duplicate repository for {repository.port.__qualname__}: "
                    f"registered by '{owner}' and '{name}'"
                )


def migration_chains(specs: Sequence[StorageSpec]) -> list[MigrationChain]:
    """The Alembic chains of the specs that have one, in namespace order."""
    chains = [
        MigrationChain(s.namespace, s.sql_migrations, tuple(s.legacy_sql_revisions))
        for s in specs
        if s.sql_migrations
    ]
    return sorted(chains, key=lambda chain: chain.namespace)


def sql_repositories(specs: Sequence[StorageSpec]) -> RepositoryFactories:
    """Port type -> SQL repository constructor, over every spec."""
    return {r.port: r.sql for spec in specs for r in spec.repositories}


def memory_repositories(specs: Sequence[StorageSpec]) -> RepositoryFactories:
    """Port type -> memory repository constructor, for the specs that ship a fake."""
    return {r.port: r.memory for spec in specs for r in spec.repositories if r.memory}
