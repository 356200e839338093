"""Shared fixtures of the contract suites: a throwaway PostgreSQL database per session."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

POSTGRES_DSN = os.environ.get(
    "SPYGLASS_TEST_POSTGRES_DSN", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("SPYGLASS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    """URL of a fresh, empty database ``spyglass_ct_<hex>``; dropped when the session ends."""
    name = f"spyglass_ct_{uuid.uuid4().hex[:16]}"
    admin = create_async_engine(POSTGRES_DSN, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield sa.make_url(POSTGRES_DSN).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis the contract suites use (keys are namespaced per test)."""
    return REDIS_URL
