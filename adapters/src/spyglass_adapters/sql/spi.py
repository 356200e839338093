"""The public surface a plugin's ``storage`` package builds its SQL repositories on.

A plugin declares its tables on ``new_metadata()``, writes Alembic revisions for them in
a package of its own (see ``StorageSpec.sql_migrations``), and subclasses
``SqlRepository``: the unit of work constructs it with the transaction's connection.
Everything here is stable for third-party plugins; the rest of ``spyglass_adapters.sql``
is internal.

- ``SqlRepository``: a base holding the connection, with ``_first``, ``_all`` and
  ``_write`` helpers that translate driver errors.
- ``translate_errors``: an async context manager mapping driver errors to the core's
  (an unreachable database to ``StorageUnavailable``, a unique violation to ``Conflict``).
- ``utc_value`` / ``utc_loaded``: datetimes in and out (SQLite returns them naive).
- ``new_metadata``: a ``MetaData`` with the naming convention every chain uses.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from spyglass_adapters.sql.errors import translate_errors
from spyglass_adapters.sql.mapping import utc_loaded, utc_value
from spyglass_adapters.sql.schema import naming_convention

__all__ = (
    "AsyncConnection",
    "SqlRepository",
    "new_metadata",
    "translate_errors",
    "utc_loaded",
    "utc_value",
)


def new_metadata() -> sa.MetaData:
    """A ``MetaData`` for a plugin's tables, named like the kernel's constraints."""
    return sa.MetaData(naming_convention=dict(naming_convention))


class SqlRepository:
    """Base of SQL repositories: one ``AsyncConnection`` inside the unit of work's transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def _first(self, statement: sa.Select[tuple[object, ...]]) -> sa.Row[object] | None:
        async with translate_errors():
            return (await self._conn.execute(statement)).first()

    async def _all(self, statement: sa.Select[tuple[object, ...]]) -> Sequence[sa.Row[object]]:
        async with translate_errors():
            return (await self._conn.execute(statement)).all()

    async def _write(self, statement: sa.Executable) -> int:
        async with translate_errors():
            return (await self._conn.execute(statement)).rowcount
