"""Engine creation with the settings each backend needs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = ("create_engine", "is_sqlite")


def is_sqlite(url: str) -> bool:
    """True for a SQLite URL (``sqlite+aiosqlite:///…``)."""
    return sa.make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, foreign_keys: bool = True) -> AsyncEngine:
    """An async engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout.

    Args:
        foreign_keys: SQLite only. Migrations turn enforcement off: rebuilding a table
            (Alembic's batch mode) drops it, and with enforcement on a drop deletes every
            row that references it through ``ON DELETE CASCADE``.
    """
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if is_sqlite(url):
        kwargs = {"connect_args": {"timeout": 30}}
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        sa.event.listen(
            engine.sync_engine,
            "connect",
            _sqlite_pragmas if foreign_keys else _sqlite_pragmas_without_foreign_keys,
        )
        sa.event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_begin_immediate(connection: sa.Connection) -> None:
    # A deferred transaction that reads and then writes fails at once with "database is
    # locked" when another writer got there first; IMMEDIATE takes the write lock up front,
    # so concurrent units of work queue on the busy timeout instead (readers are not blocked
    # in WAL mode).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas_without_foreign_keys(dbapi_connection: Any, record: Any) -> None:
    _sqlite_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")  # outside a transaction, where it takes effect
    cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event own transaction start (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None
    # WAL lets the API read while the worker writes; foreign keys are off by default.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # FULL: in WAL mode NORMAL may lose the last commits to a power cut, and a commit here
    # is what acknowledges an ingestion batch.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()
