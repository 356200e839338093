"""Alembic environment: runs on the connection ``spyglass_adapters.sql.migrate`` passes in.

The same environment runs every chain (core's and each plugin's); the runner chooses the
chain's revision files (``version_locations``) and its version table.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with 'spyglass migrate' (spyglass_adapters.sql.migrate)")

context.configure(
    connection=connection,
    version_table=context.config.attributes["version_table"],
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
