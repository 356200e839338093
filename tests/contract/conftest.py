"""Shared fixtures of the contract suites.

A throwaway PostgreSQL database per session, and unit-of-work factories for every
transactional adapter: memory, SQLite (a migrated temporary file) and PostgreSQL (the
throwaway database, migrated once per module and emptied before each test).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from spyglass_adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from spyglass_adapters.sql import SqlUnitOfWorkFactory, create_engine, upgrade
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory

REDIS_URL = os.environ.get("SPYGLASS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# Every table of the SQL schema, emptied before each PostgreSQL test.
TABLES = (
    "prices",
    "pricing_tiers",
    "models",
    "score_configs",
    "ingestion_event_ids",
    "ingestion_batches",
    "media",
    "prompt_dependencies",
    "prompt_labels",
    "prompt_tags",
    "prompts",
    "api_keys",
    "projects",
    "users",
    "organizations",
)


@pytest.fixture(scope="session")
async def postgres_url(postgres_database: Callable[[], Awaitable[str]]) -> str:
    """URL of a fresh, empty database shared by this session's contract suites."""
    return await postgres_database()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis the contract suites use (keys are namespaced per test)."""
    return REDIS_URL


# --- units of work ----------------------------------------------------------------------


@pytest.fixture
async def memory_uow_factory() -> MemoryUnitOfWorkFactory:
    return MemoryUnitOfWorkFactory()


@pytest.fixture
async def sqlite_uow_factory(tmp_path) -> AsyncIterator[SqlUnitOfWorkFactory]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'spyglass.db'}")
    await upgrade(engine)
    yield SqlUnitOfWorkFactory(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
async def postgres_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(postgres_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def postgres_uow_factory(postgres_engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    async with postgres_engine.begin() as conn:
        await conn.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
    return SqlUnitOfWorkFactory(postgres_engine)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def uow_factory(request: pytest.FixtureRequest) -> UnitOfWorkFactory:
    return request.getfixturevalue(f"{request.param}_uow_factory")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_uow_factory(request: pytest.FixtureRequest) -> SqlUnitOfWorkFactory:
    return request.getfixturevalue(f"{request.param}_uow_factory")
