"""The public surface a plugin's ``storage`` package builds its analytics tables on.

- ``ClickHouseConnection``: the process's client, on its own thread. A plugin's store
  runs its queries with ``await connection.run(fn, ...)`` (``fn`` uses
  ``connection.client`` and qualifies tables with ``connection.table(name)``).
- ``validate_database``: the identifier rule for database and namespace names.
- ``split_statements``: the ``;`` splitter the migrator uses.
- ``apply_migrations``: apply a package's ``.sql`` files with a sync client (tools, tests).

The host opens one connection per process and applies every installed plugin's
``StorageSpec.clickhouse_migrations`` to it (``ClickHouseConnection.migrate``) before a
plugin's provider receives it. The client is clickhouse-connect's; plugins may use its
types and exceptions directly.
"""

from __future__ import annotations

from spyglass_adapters.clickhouse.connection import ClickHouseConnection
from spyglass_adapters.clickhouse.migrator import (
    apply_migrations,
    split_statements,
    validate_database,
)

__all__ = ("ClickHouseConnection", "apply_migrations", "split_statements", "validate_database")
