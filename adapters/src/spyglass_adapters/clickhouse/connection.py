"""One clickhouse-connect client (embedded chDB or an HTTP server) on its own thread.

chDB is in-process and offers only the sync client, so every call, connecting included,
runs on one dedicated worker thread: the event loop never blocks on it, and the client's
calls stay strictly sequential. Tables are always named ``{database}.table`` so several
databases (one per test, say) can share the single chDB engine a process may host. An
embedded engine starts with the server settings of :mod:`.embedded` (caches sized for a
laptop); see there for what else is done to keep its footprint small, and
:mod:`.dataframes` for why inserts no longer import pandas.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from spyglass_adapters.clickhouse.dataframes import defer_dataframe_libraries
from spyglass_adapters.clickhouse.embedded import (
    import_chdb,
    release_library_pages,
    server_settings,
)
from spyglass_adapters.clickhouse.migrator import apply_migrations, validate_database
from spyglass_core.domain.errors import StorageUnavailable

__all__ = ("ClickHouseConnection",)

_T = TypeVar("_T")
_DRIVER_ERRORS = (ClickHouseError, OSError)
_SCHEMES = ("chdb:", "http:", "https:")


def _connect(dsn: str, connect_timeout: float, chdb_options: Mapping[str, str]) -> Client:
    defer_dataframe_libraries()  # Spyglass sends and reads Python rows only
    if dsn.startswith("chdb:"):
        import_chdb()
        # chDB ignores (and warns about) HTTP transport options. Its options are the
        # engine's start-up arguments, server settings included.
        client = clickhouse_connect.get_client(dsn=dsn, chdb_options=dict(chdb_options))
        release_library_pages()
        return client
    return clickhouse_connect.get_client(
        dsn=dsn, connect_timeout=connect_timeout, send_receive_timeout=max(connect_timeout, 30)
    )


class ClickHouseConnection:
    """A connected client, the database it works in, and the thread that owns it.

    Use ``await ClickHouseConnection.open(dsn, database)`` and ``await conn.close()``.
    """

    def __init__(
        self,
        client: Client,
        database: str,
        executor: ThreadPoolExecutor,
        *,
        embedded: bool = False,
    ) -> None:
        self.client = client
        self.database = validate_database(database)
        self._executor = executor
        self._closed = False
        self._embedded = embedded

    @classmethod
    async def open(
        cls,
        dsn: str,
        database: str,
        *,
        connect_timeout: float = 5.0,
        chdb_settings: Mapping[str, str] | None = None,
    ) -> ClickHouseConnection:
        """Connect and return a ready connection (the database may not exist yet).

        Args:
            dsn: ``chdb:///abs/path`` (embedded) or ``http(s)://user:pass@host:port``.
            database: Database for the tables; a plain identifier.
            connect_timeout: Seconds to wait for an HTTP server.
            chdb_settings: Server settings overriding
                :data:`~spyglass_adapters.clickhouse.embedded.SERVER_SETTING_DEFAULTS`
                for an embedded engine; they take effect if this connection starts the
                process's engine. Checked for any DSN, used only for ``chdb:``.

        Raises:
            StorageUnavailable: The backend cannot be reached.
            ValueError: The DSN scheme, database name or a chDB setting is not acceptable.
        """
        validate_database(database)
        if not dsn.startswith(_SCHEMES):
            raise ValueError("ClickHouse DSN must start with chdb://, http:// or https://")
        options = server_settings(chdb_settings)
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clickhouse")
        try:
            client = await asyncio.get_running_loop().run_in_executor(
                executor, _connect, dsn, connect_timeout, options
            )
        except _DRIVER_ERRORS as exc:
            executor.shutdown(wait=False)
            raise StorageUnavailable(f"ClickHouse is unavailable: {exc}") from exc
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(client, database, executor, embedded=dsn.startswith("chdb:"))

    async def run(self, fn: Callable[..., _T], *args: Any) -> _T:
        """Run ``fn(*args)`` on the client's thread. Raises: StorageUnavailable."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, partial(fn, *args))
        except _DRIVER_ERRORS as exc:
            raise StorageUnavailable(f"ClickHouse call failed: {exc}") from exc

    def table(self, name: str) -> str:
        """``name`` qualified by this connection's database."""
        return f"{self.database}.{name}"

    async def migrate(self, namespace: str, package: str) -> list[str]:
        """Create the database and apply ``package``'s pending ``.sql`` files under ``namespace``.

        Returns the versions applied by this call. Raises: StorageUnavailable.
        """
        applied = await self.run(apply_migrations, self.client, self.database, namespace, package)
        if self._embedded:
            # DDL runs start-up-only code of the engine too.
            release_library_pages()
        return applied

    async def ping(self) -> None:
        """Check that ClickHouse answers. Raises: StorageUnavailable."""
        await self.run(self.client.command, "SELECT 1")

    async def close(self) -> None:
        """Close the client and stop the worker thread; later calls are a no-op."""
        if self._closed:
            return
        self._closed = True
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self.client.close)
        finally:
            self._executor.shutdown(wait=False)
