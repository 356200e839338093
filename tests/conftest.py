"""Fixtures shared by every test folder (with the published ``spyglass_adapters.testing``)."""

from __future__ import annotations

import os

import pytest

# The published fixtures (units of work on every adapter, throwaway PostgreSQL databases).
pytest_plugins = ["spyglass_adapters.testing"]

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
