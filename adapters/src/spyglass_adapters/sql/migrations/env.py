"""Alembic environment: runs on the connection ``spyglass_adapters.sql.migrate`` passes in."""

from __future__ import annotations

from alembic import context

from spyglass_adapters.sql.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with 'spyglass migrate' (spyglass_adapters.sql.migrate)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
