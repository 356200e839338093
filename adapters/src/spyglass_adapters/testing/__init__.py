"""Published pytest fixtures: test a plugin's repositories on memory, SQLite and PostgreSQL.

Load them from a ``conftest.py`` at the root of your tests and say what you store::

    pytest_plugins = ["spyglass_adapters.testing"]

    @pytest.fixture(scope="session")
    def storage_specs():
        return [my_plugin.storage.spec.storage_spec()]

Then a test taking ``uow_factory`` runs once per adapter: memory (the specs' fakes),
SQLite (a migrated temporary file) and PostgreSQL (a throwaway database on the server at
``SPYGLASS_TEST_POSTGRES_DSN``, default ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``,
migrated once per module and emptied before each test). ``sql_uow_factory`` runs on the
two SQL adapters only. PostgreSQL cases carry the ``postgres`` marker, so
``-m "not postgres"`` leaves them out where no server runs. Migrations are core's chain
then each spec's, exactly as ``spyglass serve`` applies them.

Needs ``pytest-asyncio`` (``asyncio_mode = "auto"``) and ``spyglass-adapters[postgres]``.
"""

from __future__ import annotations

from spyglass_adapters.testing.fixtures import (
    memory_uow_factory,
    postgres_database,
    postgres_engine,
    postgres_uow_factory,
    postgres_url,
    pytest_configure,
    sql_uow_factory,
    sqlite_uow_factory,
    storage_specs,
    uow_factory,
)

__all__ = (
    "memory_uow_factory",
    "postgres_database",
    "postgres_engine",
    "postgres_uow_factory",
    "postgres_url",
    "pytest_configure",
    "sql_uow_factory",
    "sqlite_uow_factory",
    "storage_specs",
    "uow_factory",
)
