"""Unit of work over one SQLAlchemy connection and transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from spyglass_adapters.sql.accounts import SqlInvitations, SqlMemberships, SqlSessions
from spyglass_adapters.sql.errors import translate_errors
from spyglass_adapters.sql.outbox import SqlEventOutbox
from spyglass_adapters.sql.repositories import (
    SqlApiKeys,
    SqlInstanceSecrets,
    SqlOrganizations,
    SqlProjects,
    SqlUsers,
)
from spyglass_core.domain.errors import StorageUnavailable
from spyglass_core.ports.unit_of_work import RepositoryNotRegistered, UnitOfWork, UnitOfWorkFactory

__all__ = ("SqlRepositoryFactories", "SqlUnitOfWork", "SqlUnitOfWorkFactory")

R = TypeVar("R")

SqlRepositoryFactories = Mapping[type[Any], Callable[[AsyncConnection], Any]]
"""Port type -> constructor taking the unit of work's connection (``RepositorySpec.sql``)."""


class SqlUnitOfWork(UnitOfWork):
    """Opens a connection and a transaction on enter; rolls back on exit unless committed."""

    def __init__(self, engine: AsyncEngine, repositories: SqlRepositoryFactories) -> None:
        self._engine = engine
        self._factories = repositories
        self._conn: AsyncConnection | None = None
        self._repositories: dict[type[Any], Any] = {}

    async def __aenter__(self) -> SqlUnitOfWork:
        async with translate_errors():
            # The connection begins its transaction on first use (SQLAlchemy autobegin).
            self._conn = await self._engine.connect()
        self.organizations = SqlOrganizations(self._conn)
        self.projects = SqlProjects(self._conn)
        self.api_keys = SqlApiKeys(self._conn)
        self.users = SqlUsers(self._conn)
        self.instance_secrets = SqlInstanceSecrets(self._conn)
        self.outbox = SqlEventOutbox(self._conn)
        self.memberships = SqlMemberships(self._conn)
        self.sessions = SqlSessions(self._conn)
        self.invitations = SqlInvitations(self._conn)
        return self

    def repository(self, port: type[R]) -> R:
        assert self._conn is not None, "repository() outside 'async with'"
        if (repository := self._repositories.get(port)) is None:
            factory = self._factories.get(port)
            if factory is None:
                raise RepositoryNotRegistered(
                    f"No installed plugin registers a repository for {port.__qualname__}"
                )
            repository = self._repositories[port] = factory(self._conn)
        return cast("R", repository)

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
            self._repositories.clear()

    async def commit(self) -> None:
        assert self._conn is not None, "commit() outside 'async with'"
        async with translate_errors():
            await self._conn.commit()

    async def rollback(self) -> None:
        assert self._conn is not None, "rollback() outside 'async with'"
        async with translate_errors():
            await self._conn.rollback()


class SqlUnitOfWorkFactory(UnitOfWorkFactory):
    """Hands out SQL units of work sharing one engine (and its pool).

    Args:
        engine: the engine every unit of work connects through.
        repositories: the plugins' repositories by port type (``RepositorySpec.sql``).
    """

    def __init__(
        self, engine: AsyncEngine, repositories: SqlRepositoryFactories | None = None
    ) -> None:
        self.engine = engine
        self.repositories = dict(repositories or {})

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, self.repositories)

    async def ping(self) -> None:
        try:
            async with translate_errors(), self.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except StorageUnavailable:
            raise
        except Exception as error:  # any driver failure here means "not reachable"
            raise StorageUnavailable("The database is unavailable", details=str(error)) from error
