"""The migration runner: core's Alembic chain, then every installed plugin's.

Each chain is one linear history recorded in its own version table,
``alembic_version_<namespace>`` (core's namespace is ``core``). Separate tables make the
chains independent: a plugin that is not installed (or is disabled) leaves its table
alone and nobody reads it, so uninstalling a plugin never stops the server from
starting, and installing it again continues where it was.

Databases created before the split recorded one linear chain (``0001``, ``0002``,
``0003``) in ``alembic_version``. A chain says which of those revisions are its own
(``MigrationChain.legacy_revisions``; core's is ``0001``); when its version table does not
exist yet, it is stamped at the last of them that the legacy table already covers, so
such a database upgrades in place. Nothing else is adopted: a plugin's own ``0001`` is
never mistaken for the legacy one. The legacy table is kept, read only, for chains
adopted later (a plugin enabled after the upgrade).

Alembic is imported only when something may have to be done: when every chain's version
table already holds its head (read without Alembic, see ``revisions``), ``upgrade``
returns at once, and a server restarted on a migrated database never loads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from spyglass_adapters.sql.engine import create_engine
from spyglass_adapters.sql.errors import translate_errors
from spyglass_adapters.sql.revisions import head_revision

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = (
    "CORE_CHAIN",
    "LEGACY_VERSION_TABLE",
    "MigrationChain",
    "alembic_config",
    "upgrade",
    "version_table",
)

LEGACY_VERSION_TABLE = "alembic_version"
# Any constant shared by every Spyglass process: the advisory lock migrations hold.
_LOCK_KEY = 0x5350_5947_4C41_5353 & 0x7FFF_FFFF_FFFF_FFFF
# The one linear history every database had before features owned their storage (ids
# only: which chain owns which is each chain's ``legacy_revisions``).
_LEGACY_LINEAR_REVISIONS = ("0001", "0002", "0003")


@dataclass(frozen=True, slots=True)
class MigrationChain:
    """One linear Alembic history: a namespace and the package holding its revision files.

    ``legacy_revisions`` are this chain's revisions that the pre-split shared chain
    recorded under the same ids (see the module docstring).
    """

    namespace: str
    package: str
    legacy_revisions: tuple[str, ...] = ()


CORE_CHAIN = MigrationChain("core", "spyglass_adapters.sql.migrations.versions", ("0001",))


def version_table(chain: MigrationChain) -> str:
    """The table recording how far ``chain`` is applied."""
    return f"alembic_version_{chain.namespace}"


def alembic_config(chain: MigrationChain = CORE_CHAIN) -> Config:
    """An Alembic config running ``chain`` through this package's environment."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("spyglass_adapters.sql") / "migrations"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(files(chain.package)))
    config.attributes["version_table"] = version_table(chain)
    return config


async def upgrade(engine: AsyncEngine, chains: Sequence[MigrationChain] = ()) -> None:
    """Bring core's chain and then each of ``chains`` to its head, in one transaction.

    A schema already there is left untouched.

    Raises:
        StorageUnavailable: the database cannot be reached.
        ValueError: two chains share a namespace.
    """
    ordered = [CORE_CHAIN, *chains]
    namespaces = [chain.namespace for chain in ordered]
    if len(set(namespaces)) != len(namespaces):
        raise ValueError(f"Two migration chains share a namespace: {namespaces}")
    if await _at_heads(engine, ordered):
        return
    from alembic import command

    def run(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            # Replicas starting together migrate one after the other: the second finds
            # the schema done instead of failing on a table the first just created.
            # (SQLite's BEGIN IMMEDIATE already serializes writers.)
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        for chain in ordered:
            config = alembic_config(chain)
            config.attributes["connection"] = connection
            _adopt_legacy_revisions(connection, config, chain)
            command.upgrade(config, "head")
        if connection.dialect.name == "sqlite":
            _check_references(connection)

    migrating = _sqlite_migration_engine(engine)
    try:
        async with translate_errors(), (migrating or engine).begin() as connection:
            await connection.run_sync(run)
    finally:
        if migrating is not None:
            await migrating.dispose()


async def _at_heads(engine: AsyncEngine, chains: Sequence[MigrationChain]) -> bool:
    """Whether each chain's version table holds exactly its head; False when unsure."""
    heads = {version_table(chain): head_revision(chain.package) for chain in chains}
    if None in heads.values():
        return False

    def read(connection: Connection) -> bool:
        inspector = sa.inspect(connection)
        for table, head in heads.items():
            if not inspector.has_table(table):
                return False
            applied = connection.execute(sa.text(f"SELECT version_num FROM {table}")).all()
            if [revision for (revision,) in applied] != [head]:
                return False
        return True

    async with translate_errors(), engine.connect() as connection:
        return await connection.run_sync(read)


def _sqlite_migration_engine(engine: AsyncEngine) -> AsyncEngine | None:
    """A SQLite file database is migrated on connections without foreign-key enforcement.

    Rebuilding a table (batch mode) drops the old one, and with enforcement on, SQLite's
    drop deletes the rows of every table referencing it ``ON DELETE CASCADE``. The
    pragma has no effect inside a transaction, so it is set as each connection opens. An
    in-memory database exists only on its own connections and is migrated as it is.
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    return create_engine(engine.url.render_as_string(hide_password=False), foreign_keys=False)


def _check_references(connection: Connection) -> None:
    """Refuse to commit a migration that left a row referencing nothing."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"Migration left rows with broken references: {broken[:10]}")


def _adopt_legacy_revisions(connection: Connection, config: Config, chain: MigrationChain) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    inspector = sa.inspect(connection)
    if inspector.has_table(version_table(chain)) or not inspector.has_table(LEGACY_VERSION_TABLE):
        return
    rows = connection.execute(sa.text(f"SELECT version_num FROM {LEGACY_VERSION_TABLE}"))
    applied: set[str] = set()
    for (revision,) in rows:
        if revision in _LEGACY_LINEAR_REVISIONS:
            applied.update(_LEGACY_LINEAR_REVISIONS[: _LEGACY_LINEAR_REVISIONS.index(revision) + 1])
    claimed = applied & set(chain.legacy_revisions)
    script = ScriptDirectory.from_config(config)
    base_to_head = [script_revision.revision for script_revision in script.walk_revisions()][::-1]
    adopted = None
    for revision in base_to_head:
        if revision not in claimed:
            break
        adopted = revision
    if adopted is not None:
        command.stamp(config, adopted)
