"""Unit of work over one SQLAlchemy connection and transaction."""

from __future__ import annotations

from types import TracebackType

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from spyglass_adapters.sql.errors import translate_errors
from spyglass_adapters.sql.prompts import SqlPrompts
from spyglass_adapters.sql.repositories import SqlApiKeys, SqlOrganizations, SqlProjects, SqlUsers
from spyglass_adapters.sql.tracing import SqlIngestionBatches, SqlMedia, SqlModels, SqlScoreConfigs
from spyglass_core.domain.errors import StorageUnavailable
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = ("SqlUnitOfWork", "SqlUnitOfWorkFactory")


class SqlUnitOfWork(UnitOfWork):
    """Opens a connection and a transaction on enter; rolls back on exit unless committed."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        async with translate_errors():
            # The connection begins its transaction on first use (SQLAlchemy autobegin).
            self._conn = await self._engine.connect()
        self.organizations = SqlOrganizations(self._conn)
        self.projects = SqlProjects(self._conn)
        self.api_keys = SqlApiKeys(self._conn)
        self.users = SqlUsers(self._conn)
        self.prompts = SqlPrompts(self._conn)
        self.models = SqlModels(self._conn)
        self.score_configs = SqlScoreConfigs(self._conn)
        self.ingestion_batches = SqlIngestionBatches(self._conn)
        self.media = SqlMedia(self._conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._conn is None:
            return
        try:
            await self.rollback()
        finally:
            await self._conn.close()
            self._conn = None

    async def commit(self) -> None:
        assert self._conn is not None, "commit() outside 'async with'"
        async with translate_errors():
            await self._conn.commit()

    async def rollback(self) -> None:
        assert self._conn is not None, "rollback() outside 'async with'"
        async with translate_errors():
            await self._conn.rollback()


class SqlUnitOfWorkFactory(UnitOfWorkFactory):
    """Hands out SQL units of work sharing one engine (and its pool)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)

    async def ping(self) -> None:
        try:
            async with translate_errors(), self.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except StorageUnavailable:
            raise
        except Exception as error:  # any driver failure here means "not reachable"
            raise StorageUnavailable("The database is unavailable", details=str(error)) from error
