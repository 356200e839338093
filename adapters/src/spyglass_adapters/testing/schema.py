"""Compare a migrated database with table definitions: do the migrations create the tables?"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from spyglass_adapters.sql.schema import metadata as kernel_metadata
from spyglass_adapters.sql.schema import naming_convention

__all__ = ("schema_differences",)


def schema_differences(connection: sa.Connection, *metadatas: sa.MetaData) -> list[Any]:
    """Alembic's differences between the database and the kernel's tables plus ``metadatas``.

    Version tables (``alembic_version*``) are left out. An empty list means the migrations
    create exactly the declared tables, columns, indexes and constraints. Call it through
    ``AsyncConnection.run_sync``.
    """
    combined = sa.MetaData(naming_convention=dict(naming_convention))
    for source in (kernel_metadata, *metadatas):
        for table in source.tables.values():
            table.to_metadata(combined)

    def include_name(name: str | None, type_: str, _parents: Any) -> bool:
        return not (type_ == "table" and (name or "").startswith("alembic_version"))

    context = MigrationContext.configure(connection, opts={"include_name": include_name})
    return list(compare_metadata(context, combined))
