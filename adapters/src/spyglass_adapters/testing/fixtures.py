"""The fixtures ``spyglass_adapters.testing`` publishes (see its docstring)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from spyglass_adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from spyglass_adapters.plugin_storage import (
    check_specs,
    memory_repositories,
    migration_chains,
    sql_repositories,
)
from spyglass_adapters.sql import SqlUnitOfWorkFactory, create_engine, upgrade
from spyglass_core.hookspecs import StorageSpec
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory

POSTGRES_DSN = os.environ.get(
    "SPYGLASS_TEST_POSTGRES_DSN", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgres: needs PostgreSQL (SPYGLASS_TEST_POSTGRES_DSN, default 127.0.0.1)"
    )


@pytest.fixture(scope="session")
def storage_specs() -> Sequence[StorageSpec]:
    """The storage under test; override it in your conftest (the kernel's tables only here).

    Whatever it returns is checked as the host checks it (``check_specs``).
    """
    return ()


@pytest.fixture(scope="session")
async def postgres_database() -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """A factory of fresh, empty PostgreSQL databases ``spyglass_t_<hex>``.

    Each call creates one on the server at ``SPYGLASS_TEST_POSTGRES_DSN`` and returns its
    URL; all are dropped when the session ends.
    """
    admin = create_async_engine(POSTGRES_DSN, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    async def create() -> str:
        name = f"spyglass_t_{uuid.uuid4().hex[:16]}"
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return sa.make_url(POSTGRES_DSN).set(database=name).render_as_string(hide_password=False)

    try:
        yield create
    finally:
        async with admin.connect() as conn:
            for name in created:
                await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture(scope="session")
async def postgres_url(postgres_database: Callable[[], Awaitable[str]]) -> str:
    """URL of a fresh, empty database shared by this session's contract suites."""
    return await postgres_database()


@pytest.fixture
async def memory_uow_factory(storage_specs: Sequence[StorageSpec]) -> MemoryUnitOfWorkFactory:
    check_specs(storage_specs)
    return MemoryUnitOfWorkFactory(repositories=memory_repositories(storage_specs))


@pytest.fixture
async def sqlite_uow_factory(
    tmp_path: Path, storage_specs: Sequence[StorageSpec]
) -> AsyncIterator[SqlUnitOfWorkFactory]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'spyglass.db'}")
    await upgrade(engine, migration_chains(storage_specs))
    yield SqlUnitOfWorkFactory(engine, sql_repositories(storage_specs))
    await engine.dispose()


@pytest.fixture(scope="module")
async def postgres_engine(
    postgres_url: str, storage_specs: Sequence[StorageSpec]
) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(postgres_url)
    await upgrade(engine, migration_chains(storage_specs))
    yield engine
    await engine.dispose()


@pytest.fixture
async def postgres_uow_factory(
    postgres_engine: AsyncEngine, storage_specs: Sequence[StorageSpec]
) -> SqlUnitOfWorkFactory:
    async with postgres_engine.begin() as conn:
        rows = await conn.execute(
            sa.text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename NOT LIKE 'alembic_version%'"
            )
        )
        tables = [f'"{name}"' for (name,) in rows]
        if tables:
            await conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} CASCADE"))
    return SqlUnitOfWorkFactory(postgres_engine, sql_repositories(storage_specs))


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def uow_factory(request: pytest.FixtureRequest) -> UnitOfWorkFactory:
    """A unit-of-work factory per adapter: memory, SQLite, PostgreSQL."""
    factory: UnitOfWorkFactory = request.getfixturevalue(f"{request.param}_uow_factory")
    return factory


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_uow_factory(request: pytest.FixtureRequest) -> SqlUnitOfWorkFactory:
    """A unit-of-work factory per SQL adapter: SQLite, PostgreSQL."""
    factory: SqlUnitOfWorkFactory = request.getfixturevalue(f"{request.param}_uow_factory")
    return factory
