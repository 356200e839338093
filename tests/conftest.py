"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

POSTGRES_DSN = os.environ.get(
    "SPYGLASS_TEST_POSTGRES_DSN", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def chdb_dsn(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The one chDB directory of this test process.

    chDB hosts a single engine path per process while a client is open, so every
    in-process chDB test shares this path and isolates itself by database name.
    """
    return f"chdb://{tmp_path_factory.mktemp('chdb').resolve()}"


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
