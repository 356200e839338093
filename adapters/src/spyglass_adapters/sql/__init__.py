"""Transactional storage on SQLAlchemy 2 (async): SQLite via aiosqlite, PostgreSQL via asyncpg."""

from __future__ import annotations

from spyglass_adapters.sql.engine import create_engine
from spyglass_adapters.sql.locks import SqlLocks
from spyglass_adapters.sql.migrate import upgrade
from spyglass_adapters.sql.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory

__all__ = ("SqlLocks", "SqlUnitOfWork", "SqlUnitOfWorkFactory", "create_engine", "upgrade")
